"""What a period is called in Vietnamese: its days, its name, its opening words, its labels.

The words of each kind come from its record in :data:`reports.core.periods.PERIOD_KINDS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from reports.core.periods import (
    PERIOD_KINDS,
    ReportPeriod,
    classify,
    half_period,
    month_period,
    quarter_period,
    year_period,
)
from reports.core.vi import capitalised, day_month, numeric_date

KIND_CODES = {name: kind.file_stem for name, kind in PERIOD_KINDS.items()}
"""A period's kind in ASCII Vietnamese: file names (``BC-thang-…``), the template's ``loai_ky``."""


def period_short(p: ReportPeriod) -> str:
    """``21/9-28/9/2020``; across a year end ``28/12/2020-04/01/2021``."""
    if p.start.year != p.end.year:
        return f"{numeric_date(p.start)}-{numeric_date(p.end)}"
    return f"{day_month(p.start)}-{numeric_date(p.end)}"


def period_long(p: ReportPeriod) -> str:
    """``từ ngày 21/9 đến ngày 28/9/2020``."""
    start = numeric_date(p.start) if p.start.year != p.end.year else day_month(p.start)
    return f"từ ngày {start} đến ngày {numeric_date(p.end)}"


def period_name(p: ReportPeriod) -> str:
    """What the period is called: ``tháng 3/2021``, ``quý I/2021``, ``6 tháng đầu năm 2021``,
    ``năm 2021``, ``tuần 39/2020``; a plain range ``từ ngày 15/3 đến ngày 25/3/2021``."""
    name = p.rules.name
    return period_long(p) if name is None else name(p)


def period_opening(p: ReportPeriod) -> str:
    """How the figures paragraph opens: ``Tuần qua (21/9-28/9/2020)``, ``Trong tháng 3/2021``,
    ``Từ ngày 15/3 đến ngày 25/3/2021``."""
    if p.kind == "week":
        return f"Tuần qua ({period_short(p)})"
    if p.rules.name is None:
        return capitalised(period_long(p))
    return f"Trong {period_name(p)}"


def period_subject(p: ReportPeriod) -> str:
    """The end of the trích yếu: the week's days, or the period's name; a cut-off period adds
    its days: ``tháng 3/2021 (số liệu từ ngày 15/02 đến ngày 14/3/2021)``."""
    if p.rules.by_days:
        return period_long(p)
    if p.cutoff:
        return f"{period_name(p)} (số liệu {period_long(p)})"
    return period_name(p)


def period_label(p: ReportPeriod) -> str:
    """The period in a comparison: ``tháng 2/2021``, ``quý IV/2020``; a week or a range by its
    days, ``14/9-21/9/2020``."""
    return period_short(p) if p.rules.by_days else period_name(p)


def period_heading(p: ReportPeriod) -> str:
    """A column heading of section III: ``Tháng 3/2021``, ``Quý I/2021``, ``21/9-28/9/2020``."""
    return capitalised(period_label(p))


def trend_label(p: ReportPeriod) -> str:
    """A point of the trend chart: ``Tháng 3/2021``, ``Quý I/2021``, ``6 tháng đầu năm 2021``,
    ``2021``, ``Tuần 11``."""
    return p.rules.trend_label(p)


def trend_unit(p: ReportPeriod) -> str:
    """What a trend point is, in ``Xu hướng 12 tháng gần nhất``."""
    return p.rules.trend_unit


_LABELS = (
    (re.compile(r"^tháng (\d{1,2})/(\d{4})$"), "month"),
    (re.compile(r"^quý (I|II|III|IV)/(\d{4})$"), "quarter"),
    (re.compile(r"^6 tháng (đầu|cuối) năm (\d{4})$"), "half"),
    (re.compile(r"^năm (\d{4})$"), "year"),
)
_DAYS_LABEL = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{4}))?-(\d{1,2})/(\d{1,2})/(\d{4})$")
_ROMAN_NUMBERS = {"I": 1, "II": 2, "III": 3, "IV": 4}


def period_of_label(
    text: str, cutoffs: Mapping[str, bool], convention: str | None = None
) -> ReportPeriod | None:
    """The period :func:`period_label` names (given the office's conventions: the label of a
    cut-off month is that of the calendar one); None for other text."""
    value = text.strip()
    for pattern, kind in _LABELS:
        if m := pattern.match(value):
            cut = cutoffs.get(kind, False)
            if kind == "month":
                return month_period(int(m[2]), int(m[1]), cut) if 1 <= int(m[1]) <= 12 else None
            if kind == "quarter":
                return quarter_period(int(m[2]), _ROMAN_NUMBERS[m[1]], cut)
            if kind == "half":
                return half_period(int(m[2]), 1 if m[1] == "đầu" else 2, cut)
            return year_period(int(m[1]), cut)
    if m := _DAYS_LABEL.match(value):
        try:
            end = date(int(m[6]), int(m[5]), int(m[4]))
            start = date(int(m[3] or m[6]), int(m[2]), int(m[1]))
        except ValueError:
            return None
        return classify(start, end, cutoffs, convention) if start <= end else None
    return None
