"""Parsers of the cell values of data.md §1. Each returns the canonical value or raises
:class:`BadValue` with a Vietnamese sentence saying what is wrong and what is expected.

They are cached: an export repeats the same dates, fields and units on thousands of rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EXCEL_EPOCH = datetime(1899, 12, 30)


class BadValue(ValueError):
    """A cell that cannot be read; the message says what is expected."""


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def fold(text: str) -> str:
    """Lower-case, no diacritics, punctuation and dashes as spaces: for matching words."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_DMY = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
DATE_HINT = "viết 2020-09-21 hoặc 21/09/2020 (ngày trước, tháng sau), có thể kèm giờ 14:30"


MIN_YEAR, MAX_YEAR = 1900, 2999
"""Days outside these years are typing mistakes (and 0001 or 9999 overflow with an offset)."""
YEAR_HINT = f"năm phải từ {MIN_YEAR} đến {MAX_YEAR}"
MAX_INT = 2_147_483_647
"""The largest whole number either store keeps in an integer column."""


def _local_day(moment: datetime) -> date:
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise BadValue(f"ngày ngoài khoảng cho phép ({YEAR_HINT}); {DATE_HINT}")
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_TZ)
    return moment.date()


@lru_cache(maxsize=65536)
def _parse_date_text(text: str) -> date:
    m = _ISO.match(text)
    try:
        if m:
            y, mo, d, hh, mm, ss, offset = m.groups()
            moment = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
            if offset:
                if offset == "Z":
                    offset = "+00:00"
                sign = 1 if offset[0] == "+" else -1
                digits = offset[1:].replace(":", "")
                delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
                moment = moment.replace(tzinfo=timezone(sign * delta))
            return _local_day(moment)
        m = _DMY.match(text)
        if m:
            d, mo, y, hh, mm, ss = m.groups()
            moment = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
            return _local_day(moment)
    except BadValue:
        raise
    except ValueError as exc:
        raise BadValue(f"ngày không tồn tại; {DATE_HINT}") from exc
    raise BadValue(f"không hiểu ngày; {DATE_HINT}")


@lru_cache(maxsize=65536)
def parse_date_str(value: str) -> date:
    """:func:`parse_date` for a text cell, cached on the raw text."""
    return _parse_date_text(value.strip())


@lru_cache(maxsize=65536)
def parse_date_iso(value: str) -> str:
    """The local day of a text cell as ISO text (``2020-09-21``), cached on the raw text."""
    return parse_date_str(value).isoformat()


def parse_date(value: object) -> date:
    """The local calendar day of a cell: text, an Excel date cell, or an Excel serial number."""
    if isinstance(value, datetime):
        return _local_day(value)
    if isinstance(value, date):
        return _local_day(datetime.combine(value, time()))
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel serials up to 9999-12-31
            return (EXCEL_EPOCH + timedelta(days=float(value))).date()
        raise BadValue(f"không hiểu ngày; {DATE_HINT}")
    if isinstance(value, time | timedelta):
        raise BadValue(f"ô chỉ có giờ, không có ngày; {DATE_HINT}")
    return _parse_date_text(str(value).strip())


_FIELD_WORDS = {
    "kinh te": "kinh_te",
    "do thi": "do_thi",
    "van hoa xa hoi": "van_hoa_xa_hoi",
    "noi chinh": "noi_chinh",
}
FIELD_HINT = (
    "dùng kinh tế, đô thị, văn hóa - xã hội, nội chính "
    "(hoặc kinh_te, do_thi, van_hoa_xa_hoi, noi_chinh)"
)

_PETITION_WORDS = {
    "khieu nai": "khieu_nai",
    "to cao": "to_cao",
    "kien nghi phan anh": "kien_nghi_phan_anh",
    "kien nghi": "kien_nghi_phan_anh",
    "phan anh": "kien_nghi_phan_anh",
}
PETITION_HINT = (
    "dùng khiếu nại, tố cáo, kiến nghị - phản ánh (hoặc khieu_nai, to_cao, kien_nghi_phan_anh)"
)

_TRUE = {"1", "true", "co", "x", "yes", "y", "dung"}
_FALSE = {"0", "false", "khong", "no", "n", "sai", ""}
BOOL_HINT = "dùng 1/0, true/false, có/không, hoặc x/để trống"


def word_parser(
    words: Mapping[str, str], what: str, hint: str, *, whole_numbers: bool = False
) -> Callable[[object], str]:
    """A cell's word (accents, case and spacing aside) → its code in ``words``; a word not
    there: "<what> không hợp lệ; <hint>". ``whole_numbers``: a sheet's 2.0 is the word "2"."""

    @lru_cache(maxsize=1024)
    def code_of(key: str) -> str:
        code = words.get(fold(key))
        if code is None:
            raise BadValue(f"{what} không hợp lệ; {hint}")
        return code

    def parse(value: object) -> str:
        if whole_numbers and isinstance(value, float) and value.is_integer():
            value = int(value)
        return code_of(str(value))

    return parse


parse_field = word_parser(_FIELD_WORDS, "lĩnh vực", FIELD_HINT)
parse_petition_kind = word_parser(_PETITION_WORDS, "loại đơn", PETITION_HINT)


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise BadValue(f"giá trị có/không không hợp lệ; {BOOL_HINT}")
    key = fold(str(value))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise BadValue(f"giá trị có/không không hợp lệ; {BOOL_HINT}")


def parse_positive_int(value: object) -> int:
    if isinstance(value, bool):
        raise BadValue("cần một số nguyên dương")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()):  # "²" and "٣" are digits to Python
            raise BadValue("cần một số nguyên dương")
        if len(text) > 10:
            raise BadValue(f"số quá lớn (tối đa {MAX_INT:,})".replace(",", "."))
        number = int(text)
    if number < 1:
        raise BadValue("cần một số nguyên dương")
    if number > MAX_INT:
        raise BadValue(f"số quá lớn (tối đa {MAX_INT:,})".replace(",", "."))
    return number


def parse_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an id typed as a number in Excel: 1234.0 → "1234"
    return nfc(str(value))


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
