"""The kind of a document from its ký hiệu: "123/QĐ-UBND" is a quyết định (forms.md §4).

The abbreviations are those of Nghị định 30/2020, Phụ lục III. A ký hiệu with no kind before
the issuing body ("4728/UBND-GPMB") or with "CV" is a công văn. Pure, no project imports.
"""

from __future__ import annotations

import re
import unicodedata

DOCUMENT_KINDS: tuple[tuple[str, str], ...] = (
    ("NQ", "nghị quyết"),
    ("QĐ", "quyết định"),
    ("CT", "chỉ thị"),
    ("QC", "quy chế"),
    ("QYĐ", "quy định"),
    ("TC", "thông cáo"),
    ("TB", "thông báo"),
    ("HD", "hướng dẫn"),
    ("CTR", "chương trình"),
    ("KH", "kế hoạch"),
    ("PA", "phương án"),
    ("ĐA", "đề án"),
    ("DA", "dự án"),
    ("BC", "báo cáo"),
    ("BB", "biên bản"),
    ("TTR", "tờ trình"),
    ("HĐ", "hợp đồng"),
    ("CĐ", "công điện"),
    ("BGN", "bản ghi nhớ"),
    ("BTT", "bản thỏa thuận"),
    ("GUQ", "giấy ủy quyền"),
    ("GM", "giấy mời"),
    ("GGT", "giấy giới thiệu"),
    ("GNP", "giấy nghỉ phép"),
    ("PG", "phiếu gửi"),
    ("PC", "phiếu chuyển"),
    ("PB", "phiếu báo"),
    ("TH", "thư công"),
    ("CV", "công văn"),
)
"""Abbreviation (upper case) → the kind's name, in the order a report lists them."""

CONG_VAN = "công văn"
_NAMES = dict(DOCUMENT_KINDS)
_ORDER = {name: i for i, (_, name) in enumerate(DOCUMENT_KINDS)}
_SLASH = re.compile(r"/\s*([^\s/-]+)\s*-")


def document_kind(number: str | None) -> str | None:
    """The kind's name from a ký hiệu ("123/QĐ-UBND" → "quyết định"); a ký hiệu without a
    kind ("4728/UBND-GPMB") is a công văn; no ký hiệu at all → None (unknown)."""
    if not number or not number.strip():
        return None
    text = unicodedata.normalize("NFC", number.strip())
    match = _SLASH.search(text)
    if match is None:
        return CONG_VAN
    return _NAMES.get(match.group(1).upper(), CONG_VAN)


def kind_order(name: str) -> int:
    """Where a kind comes in a list of counts (công văn and unknown kinds last)."""
    return _ORDER.get(name, len(_ORDER))
