"""A job's cron schedule as the office reads it: ``08:00 thứ Hai hằng tuần``."""

from __future__ import annotations

_DAYS = {
    "0": "Chủ nhật",
    "7": "Chủ nhật",
    "sun": "Chủ nhật",
    "1": "thứ Hai",
    "mon": "thứ Hai",
    "2": "thứ Ba",
    "tue": "thứ Ba",
    "3": "thứ Tư",
    "wed": "thứ Tư",
    "4": "thứ Năm",
    "thu": "thứ Năm",
    "5": "thứ Sáu",
    "fri": "thứ Sáu",
    "6": "thứ Bảy",
    "sat": "thứ Bảy",
}


def _days(field: str) -> str | None:
    parts = []
    for item in field.lower().split(","):
        if "-" in item:
            a, b = item.split("-", 1)
            if a not in _DAYS or b not in _DAYS:
                return None
            parts.append(f"{_DAYS[a]} đến {_DAYS[b]}")
        elif item in _DAYS:
            parts.append(_DAYS[item])
        else:
            return None
    return ", ".join(parts)


def schedule_words(cron: str) -> str:
    """Words for the common schedules; anything else is shown as the cron text itself."""
    fields = cron.split()
    if len(fields) != 5:
        return cron
    minute, hour, dom, month, dow = fields
    if not (minute.isdigit() and hour.isdigit()):
        return f"theo lịch {cron}"
    at = f"{int(hour):02d}:{int(minute):02d}"
    if dom == "*" and month == "*" and dow == "*":
        return f"{at} hằng ngày"
    if dom == "*" and month == "*":
        days = _days(dow)
        return f"{at} {days} hằng tuần" if days else f"theo lịch {cron}"
    if dom.isdigit() and month == "*" and dow == "*":
        return f"{at} ngày {int(dom)} hằng tháng"
    return f"theo lịch {cron}"
