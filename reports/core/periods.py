"""Report periods: a range of local calendar days, both ends included, its kind and comparisons.

A period has a kind: a week, a month, a quarter, a half-year, a year, or a plain range. Each kind
knows its comparisons (format.md §3): *kỳ trước* is the previous period of the same kind (for a
week, the previous report's week, which shares its first day with this one's last in a
Monday-to-Monday series), *cùng kỳ năm trước* is the same kind one year earlier (for a week,
52 weeks earlier so that weekdays line up), *lũy kế* runs from the start of the year, or of the
cut-off year. A month, quarter, half-year or year is either calendar or cut off by the rule of
Nghị định 09/2019, Điều 12 (a month from the 15th of the month before to the 14th).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from reports.core import vi
from reports.core.errors import UsageError

KINDS = ("week", "month", "quarter", "half", "year", "range")
CUTOFF_KINDS = ("month", "quarter", "half", "year")
"""The kinds an office may cut off by Nghị định 09/2019, Điều 12 instead of the calendar."""
CUTOFF_DAY = 14
"""The cut-off day: a cut-off month ends on the 14th and the next starts on the 15th."""


def _minus_year(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_before(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _span(year: int, first_month: int, last_month: int, cutoff: bool) -> tuple[date, date]:
    """Months ``first_month``..``last_month`` of ``year``: calendar, or 15th before to 14th."""
    if not cutoff:
        return date(year, first_month, 1), _last_day(year, last_month)
    y, m = _month_before(year, first_month)
    return date(y, m, CUTOFF_DAY + 1), date(year, last_month, CUTOFF_DAY)


@dataclass(frozen=True, order=True)
class ReportPeriod:
    """From ``start`` to ``end``, both local days included, with its kind.

    Two periods are equal when their days are; the kind only changes comparisons and wording.
    Built from two dates alone, the kind is inferred: Monday to Sunday or Monday to the next
    Monday is a week, an exact calendar month, quarter, half-year or year is that, anything else
    a plain range. :func:`classify` knows the office's conventions: only its own week shape
    is a week, and its cut-off periods are recognised.
    """

    start: date
    end: date
    kind: str = field(default="", compare=False)
    cutoff: bool = field(default=False, compare=False)
    """Cut off by Nghị định 09/2019 (15th to 14th) rather than calendar; for a week or a
    range, only its *lũy kế*, which then starts with the cut-off year (15/12)."""
    year: int = field(default=0, compare=False)
    """The year the period is named after (a cut-off year starts 15/12 of the year before)."""
    index: int = field(default=0, compare=False)
    """Month 1-12, quarter 1-4, half 1-2 or week number (ISO week of the start day)."""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise UsageError(
                f"kỳ báo cáo không hợp lệ: ngày kết thúc {self.end:%d/%m/%Y} "
                f"trước ngày bắt đầu {self.start:%d/%m/%Y}"
            )
        if self.kind and self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if not self.kind:
            inferred = _infer(self.start, self.end, {}, None)
            for name in ("kind", "cutoff", "year", "index"):
                object.__setattr__(self, name, getattr(inferred, name))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def rules(self) -> PeriodKind:
        """The record of this period's kind: its rules and its words."""
        return PERIOD_KINDS[self.kind]

    def code(self) -> str:
        """The period as ``--period`` takes it: ``2021-03``, ``2021-Q1``, ``2021-H1``, ``2021``;
        a week or a range by its days, ``2020-09-21..2020-09-28``."""
        return self.rules.code(self)

    def previous(self) -> ReportPeriod:
        """The previous period of the same kind (a range: same length, just before)."""
        return self.rules.previous(self)

    def following(self) -> ReportPeriod:
        """The next period of the same kind (a range: same length, just after); its
        :meth:`previous` is this one."""
        return self.rules.following(self)

    def same_period_last_year(self) -> ReportPeriod:
        """The same kind one year earlier; a week: 52 weeks earlier (same weekdays)."""
        return self.rules.last_year(self)

    def year_to_date(self) -> ReportPeriod:
        """From the start of the (cut-off) year to the end of the period."""
        if self.cutoff and self.kind in ("week", "range"):
            year_start = date(self.end.year, 12, CUTOFF_DAY + 1)
            if self.end < year_start:
                year_start = year_start.replace(year=self.end.year - 1)
            return ReportPeriod(year_start, self.end, "range")
        if self.cutoff:
            return ReportPeriod(date(self.year - 1, 12, CUTOFF_DAY + 1), self.end, "range")
        return ReportPeriod(date(self.end.year, 1, 1), self.end, "range")

    def shifted(self, days: int) -> ReportPeriod:
        """The same period moved by ``days``; a week stays a week (renumbered)."""
        start, end = self.start + timedelta(days=days), self.end + timedelta(days=days)
        if self.kind == "week":
            return week_period(start, self.days, self.cutoff)
        if self.kind == "range":
            return ReportPeriod(start, end, "range", self.cutoff)
        return ReportPeriod(start, end)

    def trend(self, count: int) -> list[ReportPeriod]:
        """The last ``count`` periods of this kind ending with this one, oldest first."""
        out = [self]
        while len(out) < count:
            out.append(out[-1].previous())
        return out[::-1]

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


def week_period(start: date, days: int = 8, year_cutoff: bool = False) -> ReportPeriod:
    """A week of ``days`` (7: ISO, 8: Monday to Monday) starting on ``start``.

    ``year_cutoff``: its *lũy kế* starts with the cut-off year (15/12), not on 1/1.
    """
    iso = start.isocalendar()
    end = start + timedelta(days=days - 1)
    return ReportPeriod(start, end, "week", year_cutoff, iso.year, iso.week)


def iso_week_period(
    year: int, week: int, convention: str, year_cutoff: bool = False
) -> ReportPeriod:
    """The office's week ``week`` of ``year``: from the Monday of that ISO week."""
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise UsageError(f"--period: năm {year} không có tuần {week}") from exc
    return week_period(monday, week_days(convention), year_cutoff)


def month_period(year: int, month: int, cutoff: bool = False) -> ReportPeriod:
    start, end = _span(year, month, month, cutoff)
    return ReportPeriod(start, end, "month", cutoff, year, month)


def quarter_period(year: int, quarter: int, cutoff: bool = False) -> ReportPeriod:
    start, end = _span(year, 3 * quarter - 2, 3 * quarter, cutoff)
    return ReportPeriod(start, end, "quarter", cutoff, year, quarter)


def half_period(year: int, half: int, cutoff: bool = False) -> ReportPeriod:
    start, end = _span(year, 6 * half - 5, 6 * half, cutoff)
    return ReportPeriod(start, end, "half", cutoff, year, half)


def year_period(year: int, cutoff: bool = False) -> ReportPeriod:
    start, end = _span(year, 1, 12, cutoff)
    return ReportPeriod(start, end, "year", cutoff, year, 0)


def _candidates(end: date, cutoff: bool) -> list[ReportPeriod]:
    """The months, quarters, halves and year that could end on ``end`` (in that mode)."""
    out = [month_period(end.year, end.month, cutoff)]
    if end.month % 3 == 0:
        out.append(quarter_period(end.year, end.month // 3, cutoff))
    if end.month % 6 == 0:
        out.append(half_period(end.year, end.month // 6, cutoff))
    if end.month == 12:
        out.append(year_period(end.year, cutoff))
    return out


def week_days(convention: str) -> int:
    """How many days an office week has: 8 Monday to Monday, 7 ISO (Monday to Sunday)."""
    return 8 if convention == "monday-to-monday" else 7


def _is_week(start: date, days: int, convention: str | None) -> bool:
    """A week starts on a Monday and has the convention's length (either, when unknown)."""
    if start.weekday() != 0:
        return False
    return days in (7, 8) if convention is None else days == week_days(convention)


def _infer(
    start: date, end: date, cutoffs: Mapping[str, bool], convention: str | None
) -> ReportPeriod:
    days = (end - start).days + 1
    if _is_week(start, days, convention):
        return week_period(start, days, cutoffs.get("year", False))
    for cutoff in (False, True):
        for candidate in _candidates(end, cutoff):
            if cutoffs.get(candidate.kind, False) != cutoff:
                continue
            if (candidate.start, candidate.end) == (start, end):
                return candidate
    return ReportPeriod(start, end, "range", cutoffs.get("year", False))


def classify(
    start: date, end: date, cutoffs: Mapping[str, bool], convention: str | None = None
) -> ReportPeriod:
    """The period from ``start`` to ``end`` with its kind, given the office's conventions.

    ``cutoffs`` maps a kind of :data:`CUTOFF_KINDS` to ``True`` when the office cuts it off by
    Nghị định 09/2019; a month in the other mode is then a plain range. ``convention`` is
    ``report.week_convention``: only a range of that shape is a week (Monday to the next
    Monday, or Monday to Sunday); seven days from a Wednesday are a plain range. ``None``
    (caller without settings): either shape from a Monday.
    """
    if end < start:
        ReportPeriod(start, end)  # raises the message users see
    return _infer(start, end, cutoffs, convention)


def _range_before(p: ReportPeriod) -> ReportPeriod:
    end = p.start - timedelta(days=1)
    return ReportPeriod(end - timedelta(days=p.days - 1), end, "range", p.cutoff)


def _range_after(p: ReportPeriod) -> ReportPeriod:
    start = p.end + timedelta(days=1)
    return ReportPeriod(start, start + timedelta(days=p.days - 1), "range", p.cutoff)


def _month_following(p: ReportPeriod) -> ReportPeriod:
    y, m = (p.year + 1, 1) if p.index == 12 else (p.year, p.index + 1)
    return month_period(y, m, p.cutoff)


def _quarter_following(p: ReportPeriod) -> ReportPeriod:
    y, q = (p.year + 1, 1) if p.index == 4 else (p.year, p.index + 1)
    return quarter_period(y, q, p.cutoff)


def _half_following(p: ReportPeriod) -> ReportPeriod:
    y, h = (p.year + 1, 1) if p.index == 2 else (p.year, 2)
    return half_period(y, h, p.cutoff)


def _by_days(p: ReportPeriod) -> str:
    return f"{p.start.isoformat()}..{p.end.isoformat()}"


def _month_previous(p: ReportPeriod) -> ReportPeriod:
    y, m = _month_before(p.year, p.index)
    return month_period(y, m, p.cutoff)


def _quarter_previous(p: ReportPeriod) -> ReportPeriod:
    y, q = (p.year - 1, 4) if p.index == 1 else (p.year, p.index - 1)
    return quarter_period(y, q, p.cutoff)


def _half_previous(p: ReportPeriod) -> ReportPeriod:
    y, h = (p.year - 1, 2) if p.index == 1 else (p.year, 1)
    return half_period(y, h, p.cutoff)


_ROMAN = ("", "I", "II", "III", "IV")
_HALF_WORDS = ("", "6 tháng đầu năm", "6 tháng cuối năm")


@dataclass(frozen=True)
class PeriodKind:
    """One kind of period: its comparisons, its ``--period`` code, and its words.

    One record per kind instead of a chain of ``if kind == …`` in every module that needs to
    know: a new kind, or a changed word, is one line here.
    """

    kind: str
    file_stem: str
    """ASCII Vietnamese for file names (``BC-thang-…``) and the template's ``loai_ky``."""
    trend_unit: str
    """What a point of the trend is: ``Xu hướng 12 tháng gần nhất``."""
    code: Callable[[ReportPeriod], str]
    """What ``--period`` takes (:func:`parse_period` reads it back)."""
    previous: Callable[[ReportPeriod], ReportPeriod]
    following: Callable[[ReportPeriod], ReportPeriod]
    last_year: Callable[[ReportPeriod], ReportPeriod]
    name: Callable[[ReportPeriod], str] | None
    """``tháng 3/2021``, ``quý I/2021``…; ``None``: the period is named by its days."""
    trend_label: Callable[[ReportPeriod], str]
    of_year: Callable[[int, bool], list[ReportPeriod]] | None = None
    """Every period of this kind named after a year (calendar or cut off); None for weeks and
    ranges."""
    by_days: bool = False
    """Labelled by its days in comparisons and the trích yếu (a week, a range)."""


PERIOD_KINDS: dict[str, PeriodKind] = {
    k.kind: k
    for k in (
        PeriodKind(
            "week",
            "tuan",
            "tuần",
            code=_by_days,
            previous=lambda p: p.shifted(-7),
            following=lambda p: p.shifted(7),
            last_year=lambda p: p.shifted(-364),
            name=lambda p: f"tuần {p.index}/{p.year}",
            trend_label=lambda p: f"Tuần {p.index}",
            by_days=True,
        ),
        PeriodKind(
            "month",
            "thang",
            "tháng",
            code=lambda p: f"{p.year}-{p.index:02d}",
            previous=_month_previous,
            following=_month_following,
            last_year=lambda p: month_period(p.year - 1, p.index, p.cutoff),
            name=lambda p: f"tháng {p.index}/{p.year}",
            trend_label=lambda p: f"Tháng {p.index}/{p.year}",
            of_year=lambda y, cut: [month_period(y, m, cut) for m in range(1, 13)],
        ),
        PeriodKind(
            "quarter",
            "quy",
            "quý",
            code=lambda p: f"{p.year}-Q{p.index}",
            previous=_quarter_previous,
            following=_quarter_following,
            last_year=lambda p: quarter_period(p.year - 1, p.index, p.cutoff),
            name=lambda p: f"quý {_ROMAN[p.index]}/{p.year}",
            trend_label=lambda p: f"Quý {_ROMAN[p.index]}/{p.year}",
            of_year=lambda y, cut: [quarter_period(y, q, cut) for q in range(1, 5)],
        ),
        PeriodKind(
            "half",
            "6thang",
            "kỳ 6 tháng",
            code=lambda p: f"{p.year}-H{p.index}",
            previous=_half_previous,
            following=_half_following,
            last_year=lambda p: half_period(p.year - 1, p.index, p.cutoff),
            name=lambda p: f"{_HALF_WORDS[p.index]} {p.year}",
            trend_label=lambda p: f"{_HALF_WORDS[p.index]} {p.year}".capitalize(),
            of_year=lambda y, cut: [half_period(y, h, cut) for h in (1, 2)],
        ),
        PeriodKind(
            "year",
            "nam",
            "năm",
            code=lambda p: str(p.year),
            previous=lambda p: year_period(p.year - 1, p.cutoff),
            following=lambda p: year_period(p.year + 1, p.cutoff),
            last_year=lambda p: year_period(p.year - 1, p.cutoff),
            name=lambda p: f"năm {p.year}",
            trend_label=lambda p: str(p.year),
            of_year=lambda y, cut: [year_period(y, cut)],
        ),
        PeriodKind(
            "range",
            "ky",
            "kỳ",
            code=_by_days,
            previous=_range_before,
            following=_range_after,
            last_year=lambda p: ReportPeriod(
                _minus_year(p.start), _minus_year(p.end), "range", p.cutoff
            ),
            name=None,
            trend_label=lambda p: vi.day_month(p.start),
            by_days=True,
        ),
    )
}
"""Every kind of :data:`KINDS`, looked up by name."""
