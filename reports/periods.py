"""Report periods: a range of local calendar days, both ends included, and its comparisons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from reports.errors import UsageError

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_VN = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_cli_date(text: str, option: str = "--from") -> date:
    """A date as users type it: ``2020-09-21`` or ``21/09/2020`` (day first)."""
    value = text.strip()
    m = _ISO.match(value)
    try:
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = _VN.match(value)
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError as exc:
        raise UsageError(f"{option}: ngày không tồn tại ({text})") from exc
    raise UsageError(f"{option}: không hiểu ngày {text!r}; viết 2020-09-21 hoặc 21/09/2020")


def _minus_year(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


@dataclass(frozen=True, order=True)
class ReportPeriod:
    """From ``start`` to ``end``, both local days included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise UsageError(
                f"kỳ báo cáo không hợp lệ: ngày kết thúc {self.end:%d/%m/%Y} "
                f"trước ngày bắt đầu {self.start:%d/%m/%Y}"
            )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> ReportPeriod:
        """The period of the same length ending the day before ``start``."""
        end = self.start - timedelta(days=1)
        return ReportPeriod(end - timedelta(days=self.days - 1), end)

    def same_period_last_year(self) -> ReportPeriod:
        return ReportPeriod(_minus_year(self.start), _minus_year(self.end))

    def year_to_date(self) -> ReportPeriod:
        return ReportPeriod(date(self.end.year, 1, 1), self.end)

    def shifted(self, days: int) -> ReportPeriod:
        return ReportPeriod(self.start + timedelta(days=days), self.end + timedelta(days=days))

    def trend(self, count: int) -> list[ReportPeriod]:
        """The last ``count`` periods ending with this one, oldest first.

        Weekly periods (7 days, or the 8-day Monday-to-Monday week) step by 7 days so that
        each point is one week of the series; other periods step by their own length.
        """
        step = 7 if self.days in (7, 8) else self.days
        return [self.shifted(-step * k) for k in range(count - 1, -1, -1)]

    def comparisons(self) -> dict[str, ReportPeriod]:
        return {
            "current": self,
            "previous": self.previous(),
            "last_year": self.same_period_last_year(),
            "year_to_date": self.year_to_date(),
        }

    def slug(self) -> str:
        """For file names: ``2020-09-21_2020-09-28``."""
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def week_containing(day: date, convention: str) -> ReportPeriod:
    """The office week that starts on the Monday of ``day``'s ISO week."""
    monday = day - timedelta(days=day.weekday())
    length = 8 if convention == "monday-to-monday" else 7
    return ReportPeriod(monday, monday + timedelta(days=length - 1))


def week_before(moment: date | datetime, convention: str) -> ReportPeriod:
    """The period a weekly run at ``moment`` reports on: the last full week before it.

    ISO: Monday to Sunday of the previous week. Monday-to-Monday (Hà Nội 2020): the previous
    Monday to this week's Monday, as the bulletins of 2020 did.
    """
    day = moment.date() if isinstance(moment, datetime) else moment
    this_monday = day - timedelta(days=day.weekday())
    last_monday = this_monday - timedelta(days=7)
    if convention == "monday-to-monday":
        return ReportPeriod(last_monday, this_monday)
    return ReportPeriod(last_monday, this_monday - timedelta(days=1))
