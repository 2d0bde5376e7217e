"""Standard cron schedules (as in job files, on the page and on the CLI), checked and translated.

What is stored is standard cron: ``minute hour day-of-month month day-of-week`` with 0 and 7 for
Sunday, 1 for Monday … 6 for Saturday (names ``sun``…``sat`` too). APScheduler 3 numbers the
days differently (0 is Monday) and ``CronTrigger.from_crontab`` passes the numbers through
unchanged, so ``0 8 * * 1`` would run on Tuesday. :func:`trigger_fields` expands the
day-of-week field to day *names*, which both systems read the same way.

Standard cron runs when the day of month OR the day of week matches, APScheduler when both do:
a schedule that restricts both is refused rather than run on other days than it says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reports.core.errors import UsageError

STD_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
"""Standard cron day names, index = standard day number (0 = Sunday)."""
_APS_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""APScheduler 3 day names, index = its day number (0 = Monday)."""

DAY_WORDS = ("Chủ nhật", "thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy")
"""Vietnamese weekday names, index = standard day number (0 = Sunday)."""

_EXAMPLE = 'ví dụ "0 8 * * 1" là 08:00 thứ Hai (0 hoặc 7 là Chủ nhật, 1 là thứ Hai)'
_NUMBER = re.compile(r"^\d{1,2}$")


def _fail(cron: str, problem: str) -> UsageError:
    return UsageError(f"lịch cron không hợp lệ {cron!r}: {problem}; {_EXAMPLE}")


def _day_value(cron: str, token: str) -> int:
    low = token.strip().lower()
    if low in STD_DAYS:
        return STD_DAYS.index(low)
    if not _NUMBER.match(low) or int(low) > 7:
        raise _fail(cron, f"không hiểu thứ {token!r} (dùng 0–7 hoặc sun, mon … sat)")
    return int(low)


def weekdays(cron: str, field: str) -> set[int]:
    """The standard day numbers (0 = Sunday … 6) a day-of-week field names."""
    days: set[int] = set()
    for part in field.split(","):
        span, slash, step_text = part.partition("/")
        if slash and not (step_text.isdigit() and int(step_text) >= 1):
            raise _fail(cron, f"bước {step_text!r} phải là số nguyên dương")
        step = int(step_text) if slash else 1
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            first, last = span.split("-", 1)
            low, high = _day_value(cron, first), _day_value(cron, last)
            if low > high:
                raise _fail(cron, f"khoảng thứ {span!r} đi ngược")
        else:
            if slash:
                raise _fail(cron, f"viết {part!r} thành khoảng, ví dụ 1-5/2")
            low = high = _day_value(cron, span)
        days.update(d % 7 for d in range(low, high + 1, step))
    return days


def _number_field(cron: str, field: str, name: str, low: int, high: int) -> None:
    for part in field.split(","):
        span, slash, step = part.partition("/")
        if slash and not (step.isdigit() and int(step) >= 1):
            raise _fail(cron, f"{name}: bước {step!r} phải là số nguyên dương")
        if span == "*":
            continue
        for value in span.split("-", 1):
            if not _NUMBER.match(value) or not low <= int(value) <= high:
                raise _fail(cron, f"{name} {value!r} phải là số từ {low} đến {high}")


@dataclass(frozen=True)
class Cron:
    """A checked standard cron schedule."""

    minute: str
    hour: str
    day: str
    month: str
    day_of_week: str

    @property
    def text(self) -> str:
        return f"{self.minute} {self.hour} {self.day} {self.month} {self.day_of_week}"

    def trigger_fields(self) -> dict[str, str]:
        """Keyword arguments for APScheduler 3's ``CronTrigger`` meaning the same days."""
        dow = "*"
        if self.day_of_week != "*":
            days = weekdays(self.text, self.day_of_week)
            dow = ",".join(_APS_DAYS[d] for d in sorted((d - 1) % 7 for d in days))
        return {
            "minute": self.minute,
            "hour": self.hour,
            "day": self.day,
            "month": self.month,
            "day_of_week": dow,
        }


def parse_cron(text: str) -> Cron:
    """Check a standard cron text; :class:`UsageError` in Vietnamese when it is not one."""
    fields = text.split()
    if len(fields) != 5:
        raise _fail(text, f"cần 5 phần (phút giờ ngày tháng thứ), có {len(fields)}")
    minute, hour, day, month, dow = fields
    _number_field(text, minute, "phút", 0, 59)
    _number_field(text, hour, "giờ", 0, 23)
    _number_field(text, day, "ngày", 1, 31)
    _number_field(text, month, "tháng", 1, 12)
    weekdays(text, dow)
    if day != "*" and dow != "*":
        raise _fail(text, "không chọn cùng lúc ngày trong tháng và thứ trong tuần")
    return Cron(minute, hour, day, month, dow.lower())
