"""A job's schedule in words, both ways: ``08:00 thứ Hai hằng tuần`` ⇄ ``0 8 * * 1``.

The page offers a schedule as choices (weekdays, a day of the month or the first working day
of the month, an hour and a minute); :func:`cron_from_choice` turns them into the standard
cron text that is stored, :func:`choice_from_cron` back into choices, and
:func:`schedule_words` into the sentence shown beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from reports.core.cron import DAY_WORDS, parse_cron, weekdays
from reports.core.errors import UsageError

FIRST_WORKDAY = "ngày làm việc đầu tiên của tháng"

WEEK_ORDER = (1, 2, 3, 4, 5, 6, 0)
"""Weekdays as the office lists them: thứ Hai first, Chủ nhật last (standard numbers)."""


def _day_list(days: set[int]) -> str:
    ordered = [d for d in WEEK_ORDER if d in days]
    if (
        len(ordered) >= 3
        and ordered == list(WEEK_ORDER[WEEK_ORDER.index(ordered[0]) :])[: len(ordered)]
    ):
        return f"{DAY_WORDS[ordered[0]]} đến {DAY_WORDS[ordered[-1]]}"
    return ", ".join(DAY_WORDS[d] for d in ordered)


def schedule_words(cron: str, on_holiday: str = "run") -> str:
    """Words for a schedule; one the words cannot say is shown as its cron text."""
    try:
        c = parse_cron(cron)
    except UsageError:
        return cron
    if not (c.minute.isdigit() and c.hour.isdigit()) or c.month != "*":
        return f"theo lịch {c.text}"
    at = f"{int(c.hour):02d}:{int(c.minute):02d}"
    if c.day == "*" and c.day_of_week == "*":
        return f"{at} hằng ngày"
    if c.day == "*":
        return f"{at} {_day_list(weekdays(c.text, c.day_of_week))} hằng tuần"
    if c.day.isdigit():
        if int(c.day) == 1 and on_holiday == "next-working-day":
            return f"{at} {FIRST_WORKDAY}"
        return f"{at} ngày {int(c.day)} hằng tháng"
    return f"theo lịch {c.text}"


def when_words(moment: datetime | None) -> str:
    """A next run with its weekday: ``thứ Hai 07/12/2026 08:00``."""
    if moment is None:
        return "không còn lần chạy nào"
    return f"{DAY_WORDS[(moment.weekday() + 1) % 7]} {moment:%d/%m/%Y %H:%M}"


@dataclass(frozen=True)
class Choice:
    """A schedule as picked on the page."""

    repeat: str = "week"
    """"day" (hằng ngày), "week" (the ``days``), "month" (the ``day``) or "first-workday"."""
    days: tuple[int, ...] = field(default=(1,))
    day: int = 1
    hour: int = 8
    minute: int = 0


REPEATS = {
    "day": "hằng ngày",
    "week": "hằng tuần, vào các thứ đã chọn",
    "month": "hằng tháng, vào ngày đã chọn",
    "first-workday": FIRST_WORKDAY,
}


def cron_from_choice(choice: Choice) -> tuple[str, str | None]:
    """The standard cron text and the ``on_holiday`` rule a choice needs (None: the job keeps
    its own)."""
    if not (0 <= choice.hour <= 23 and 0 <= choice.minute <= 59):
        raise UsageError("giờ chạy phải từ 00:00 đến 23:59")
    at = f"{choice.minute} {choice.hour}"
    if choice.repeat == "day":
        return f"{at} * * *", None
    if choice.repeat == "week":
        days = sorted({d % 7 for d in choice.days})
        if not days:
            raise UsageError("chọn ít nhất một thứ trong tuần")
        return f"{at} * * {','.join(str(d) for d in days)}", None
    if choice.repeat == "month":
        if not 1 <= choice.day <= 28:
            raise UsageError("ngày trong tháng phải từ 1 đến 28 (có trong mọi tháng)")
        return f"{at} {choice.day} * *", "run"
    if choice.repeat == "first-workday":
        return f"{at} 1 * *", "next-working-day"
    raise UsageError(f"không có kiểu lặp {choice.repeat!r}")


def choice_from_cron(cron: str, on_holiday: str = "run") -> Choice | None:
    """The choices for a stored schedule, or None when the choices cannot say it."""
    try:
        c = parse_cron(cron)
    except UsageError:
        return None
    if not (c.minute.isdigit() and c.hour.isdigit()) or c.month != "*":
        return None
    hour, minute = int(c.hour), int(c.minute)
    if c.day == "*" and c.day_of_week == "*":
        return Choice("day", hour=hour, minute=minute)
    if c.day == "*":
        days = tuple(d for d in WEEK_ORDER if d in weekdays(c.text, c.day_of_week))
        return Choice("week", days=days, hour=hour, minute=minute)
    if c.day.isdigit():
        if int(c.day) == 1 and on_holiday == "next-working-day":
            return Choice("first-workday", hour=hour, minute=minute)
        return Choice("month", day=int(c.day), hour=hour, minute=minute)
    return None


def parse_days(values: Sequence[str]) -> tuple[int, ...]:
    """Weekday numbers from a form's checked boxes."""
    out = []
    for v in values:
        if not v.isdigit() or int(v) > 7:
            raise UsageError(f"không có thứ {v!r}")
        out.append(int(v) % 7)
    return tuple(out)
