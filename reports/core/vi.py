"""Vietnamese presentation of numbers and dates (format.md §3); no project imports.

Numbers go through Babel's CLDR ``vi`` data (1.406; 1.234.567,5; 99,8%). The date padding of
Nghị định 30 (day below 10 padded, month padded only for 1 and 2) is not a CLDR pattern, so it is
written here, once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal, format_percent

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


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
