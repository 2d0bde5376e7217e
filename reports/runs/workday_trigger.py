"""A cron trigger whose fire times on a day off move to the next working day.

A job with ``on_holiday = "next-working-day"`` (the default) fires at its cron time when that
day is a working day, else at the same time of the next working day: a monthly run due on
Friday 02/01/2026 (a swapped day off) runs on Monday 05/01/2026. The working-day rule itself
is :class:`reports.core.workdays.WorkCalendar`; this class only adapts it to APScheduler 3.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apscheduler.triggers.base import BaseTrigger

from reports.core.workdays import WorkCalendar


class WorkingDayTrigger(BaseTrigger):  # type: ignore[misc]
    """``cron``'s fire times, each moved to the next working day of ``calendar``."""

    def __init__(self, cron: Any, calendar: WorkCalendar) -> None:
        self.cron = cron
        self.calendar = calendar

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        fire: datetime | None = self.cron.get_next_fire_time(previous_fire_time, now)
        if fire is None:
            return None
        moved = self.calendar.next_working_time(fire)
        if previous_fire_time is not None and moved <= previous_fire_time:
            # Several cron times inside one stretch of days off land on the same working day:
            # that day has fired already, look past it.
            return self.get_next_fire_time(moved, moved)
        return moved

    def __str__(self) -> str:
        return f"{self.cron} (ngày nghỉ: chạy ngày làm việc kế tiếp)"

    def __repr__(self) -> str:
        return f"<WorkingDayTrigger ({self.cron!r})>"
