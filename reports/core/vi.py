"""Vietnamese presentation of numbers and dates (format.md §3).

Numbers go through Babel's CLDR ``vi`` data (1.406; 1.234.567,5; 99,8%). The date padding of
Nghị định 30 (day below 10 padded, month padded only for 1 and 2) is not a CLDR pattern, so it is
written here, once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal, format_percent

from reports.core.periods import ReportPeriod

LOCALE = "vi_VN"


def number(value: int | float | Decimal | None, decimals: int = 0) -> str:
    """``1406`` → ``1.406``; ``None`` → ``-``."""
    if value is None:
        return "-"
    if decimals:
        return str(format_decimal(value, format=f"#,##0.{'0' * decimals}", locale=LOCALE))
    return str(format_decimal(value, format="#,##0.###", locale=LOCALE))


def percent(ratio: float | Decimal | None, decimals: int = 1) -> str:
    """``0.998`` → ``99,8%``; ``None`` (nothing to divide) → ``-``."""
    if ratio is None:
        return "-"
    pattern = "#,##0." + "0" * decimals + "%" if decimals else "#,##0%"
    return str(format_percent(ratio, format=pattern, locale=LOCALE)).replace("\xa0", "")


def signed(value: int | float | None, decimals: int = 0) -> str:
    """A change: ``+12``, ``-3``, ``0``."""
    if value is None:
        return "-"
    text = number(abs(value), decimals)
    if value > 0:
        return "+" + text
    if value < 0:
        return "-" + text
    return text


def day(d: date) -> str:
    """Day padded below 10 (``05``)."""
    return f"{d.day:02d}"


def month(d: date) -> str:
    """Month padded only for January and February (``01``, ``02``, ``3`` … ``12``)."""
    return f"{d.month:02d}" if d.month <= 2 else str(d.month)


def day_month(d: date) -> str:
    return f"{day(d)}/{month(d)}"


def numeric_date(d: date) -> str:
    """``07/3/2019``, ``24/01/2019``."""
    return f"{day_month(d)}/{d.year}"


def date_words(d: date) -> str:
    """``ngày 05 tháng 02 năm 2021`` (ND30 padding)."""
    return f"ngày {day(d)} tháng {month(d)} năm {d.year}"


def place_date(place: str, d: date) -> str:
    """The ND30 place-and-date line: ``Hà Nội, ngày 05 tháng 02 năm 2021``."""
    return f"{place}, {date_words(d)}"


def period_short(p: ReportPeriod) -> str:
    """``21/9-28/9/2020``; across a year end ``28/12/2020-04/01/2021``."""
    if p.start.year != p.end.year:
        return f"{numeric_date(p.start)}-{numeric_date(p.end)}"
    return f"{day_month(p.start)}-{numeric_date(p.end)}"


def period_long(p: ReportPeriod) -> str:
    """``từ ngày 21/9 đến ngày 28/9/2020``."""
    start = numeric_date(p.start) if p.start.year != p.end.year else day_month(p.start)
    return f"từ ngày {start} đến ngày {numeric_date(p.end)}"


KIND_CODES = {
    "week": "tuan",
    "month": "thang",
    "quarter": "quy",
    "half": "6thang",
    "year": "nam",
    "range": "ky",
}
"""A period's kind in ASCII Vietnamese: file names (``BC-thang-…``), the template's ``loai_ky``."""

_ROMAN = ("", "I", "II", "III", "IV")
_HALF_WORDS = ("", "6 tháng đầu năm", "6 tháng cuối năm")


def period_name(p: ReportPeriod) -> str:
    """What the period is called: ``tháng 3/2021``, ``quý I/2021``, ``6 tháng đầu năm 2021``,
    ``năm 2021``, ``tuần 39/2020``; a plain range ``từ ngày 15/3 đến ngày 25/3/2021``."""
    if p.kind == "month":
        return f"tháng {p.index}/{p.year}"
    if p.kind == "quarter":
        return f"quý {_ROMAN[p.index]}/{p.year}"
    if p.kind == "half":
        return f"{_HALF_WORDS[p.index]} {p.year}"
    if p.kind == "year":
        return f"năm {p.year}"
    if p.kind == "week":
        return f"tuần {p.index}/{p.year}"
    return period_long(p)


def period_opening(p: ReportPeriod) -> str:
    """How the figures paragraph opens: ``Tuần qua (21/9-28/9/2020)``, ``Trong tháng 3/2021``,
    ``Từ ngày 15/3 đến ngày 25/3/2021``."""
    if p.kind == "week":
        return f"Tuần qua ({period_short(p)})"
    if p.kind == "range":
        return capitalised(period_long(p))
    return f"Trong {period_name(p)}"


def period_subject(p: ReportPeriod) -> str:
    """The end of the trích yếu: the week's days, or the period's name; a cut-off period adds
    its days: ``tháng 3/2021 (số liệu từ ngày 15/02 đến ngày 14/3/2021)``."""
    if p.kind in ("week", "range"):
        return period_long(p)
    if p.cutoff:
        return f"{period_name(p)} (số liệu {period_long(p)})"
    return period_name(p)


def period_label(p: ReportPeriod) -> str:
    """The period in a comparison: ``tháng 2/2021``, ``quý IV/2020``; a week or a range by its
    days, ``14/9-21/9/2020``."""
    if p.kind in ("week", "range"):
        return period_short(p)
    return period_name(p)


def period_heading(p: ReportPeriod) -> str:
    """A column heading of section III: ``Tháng 3/2021``, ``Quý I/2021``, ``21/9-28/9/2020``."""
    return capitalised(period_label(p))


def trend_label(p: ReportPeriod) -> str:
    """A point of the trend chart: ``T3/2021``, ``Q1/2021``, ``H1/2021``, ``2021``, ``Tuần 11``."""
    if p.kind == "month":
        return f"T{p.index}/{p.year}"
    if p.kind == "quarter":
        return f"Q{p.index}/{p.year}"
    if p.kind == "half":
        return f"H{p.index}/{p.year}"
    if p.kind == "year":
        return str(p.year)
    if p.kind == "week":
        return f"Tuần {p.index}"
    return day_month(p.start)


_TREND_UNITS = {
    "week": "tuần",
    "month": "tháng",
    "quarter": "quý",
    "half": "kỳ 6 tháng",
    "year": "năm",
    "range": "kỳ",
}


def trend_unit(p: ReportPeriod) -> str:
    """What a trend point is, in ``Xu hướng 12 tháng gần nhất``."""
    return _TREND_UNITS[p.kind]


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
