"""Working days in Việt Nam: weekends, public holidays and the office's swapped days.

Public holidays come from the ``holidays`` package (Bộ luật Lao động 2019, Điều 112, with the
days off in lieu and the weekend days worked it knows of), named in Vietnamese. The government
announces each year's swaps late (e.g. công văn 12729/VPCP-KGVX for 2026: Friday 02/01 off,
Saturday 10/01 worked), so the settings carry an override table that wins over the package.
Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

COUNTRY = "VN"
LANGUAGE = "vi"
_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@lru_cache(maxsize=32)
def _package_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    import holidays

    calendar: Any = holidays.country_holidays(COUNTRY, years=year, language=LANGUAGE)
    days_off = {d: str(name) for d, name in calendar.items() if d.year == year}
    worked = frozenset(d for d in getattr(calendar, "weekend_workdays", ()) if d.year == year)
    return days_off, worked


@dataclass(frozen=True)
class CalendarDay:
    """One day of :meth:`WorkCalendar.exceptions`: a weekday off or a weekend day worked."""

    day: date
    working: bool
    name: str

    @property
    def weekday(self) -> str:
        return _WEEKDAYS[self.day.weekday()]


@dataclass(frozen=True)
class WorkCalendar:
    """Working days: Monday to Friday, less public holidays, plus weekend days worked.

    ``days_off`` and ``worked`` are the office's overrides (date → reason), which win over the
    package: a date in ``worked`` is a working day whatever the package says.
    """

    days_off: Mapping[date, str] = field(default_factory=dict)
    worked: Mapping[date, str] = field(default_factory=dict)

    def holiday_name(self, day: date) -> str | None:
        """Why ``day`` is off (a holiday or an override), or ``None``."""
        if day in self.worked:
            return None
        if day in self.days_off:
            return self.days_off[day]
        return _package_year(day.year)[0].get(day)

    def is_working_day(self, day: date) -> bool:
        if day in self.worked:
            return True
        if day in self.days_off:
            return False
        package_off, package_worked = _package_year(day.year)
        if day in package_off:
            return False
        return day.weekday() < 5 or day in package_worked

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        for _ in range(366):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError(f"no working day within a year of {day}")

    def next_working_time(self, moment: datetime) -> datetime:
        """``moment`` moved to the same time of the next working day (in its own zone)."""
        day = moment.date()
        target = self.next_working_day(day)
        if target == day:
            return moment
        naive = datetime.combine(target, moment.time())
        return naive.replace(tzinfo=moment.tzinfo) if moment.tzinfo else naive

    def exceptions(self, year: int) -> Iterator[CalendarDay]:
        """The year's weekdays off and weekend days worked, in date order."""
        day = date(year, 1, 1)
        while day.year == year:
            working = self.is_working_day(day)
            weekend = day.weekday() >= 5
            if not working and not weekend:
                yield CalendarDay(day, False, self.holiday_name(day) or "Ngày nghỉ")
            elif working and weekend:
                yield CalendarDay(day, True, self.worked.get(day) or "Ngày làm việc bù")
            elif not working and weekend and (holiday := self.holiday_name(day)):
                yield CalendarDay(day, False, holiday)
            day += timedelta(days=1)

    def working_days(self, start: date, end: date) -> int:
        """How many working days from ``start`` to ``end``, both included."""
        count, day = 0, start
        while day <= end:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count
