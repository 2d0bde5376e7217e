"""Who issues a unit's own report: header lines, place, reference, signer, recipients.

Since 1/7/2025 local government has two tiers (province, commune). A department (Sở) issues
its reports itself under the provincial UBND ("UBND THÀNH PHỐ HÀ NỘI" / "SỞ Y TẾ"); a
commune's or ward's office issues under its UBND ("UBND PHƯỜNG BA ĐÌNH" / "VĂN PHÒNG HĐND VÀ
UBND"). Each value comes from the settings' ``[units.CODE]`` table, else from the units import
(``unit_type``, ``place``), else from these defaults by unit type. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from reports.core.model import UnitRow
from reports.settings.load import UNIT_TYPES, Settings, UnitSettings

LOCAL_GOVERNMENT = {
    "phuong": "phường",
    "xa": "xã",
    "dac_khu": "đặc khu",
    "thi_xa": "thị xã",
    "quan": "quận",
    "huyen": "huyện",
    "thanh_pho": "thành phố",
}
"""Unit types that are a People's Committee (the report is its office's), and their word."""
DEPARTMENTS = {"so": "sở", "ban": "ban"}
"""Unit types that issue their reports themselves."""
assert set(UNIT_TYPES) == {*LOCAL_GOVERNMENT, *DEPARTMENTS, "khac"}


def _bare(name: str) -> str:
    """``UBND phường Kim Mã`` → ``phường Kim Mã``."""
    text = " ".join(name.split())
    return text[5:] if text.upper().startswith("UBND ") else text


def unit_type(row: UnitRow) -> str:
    """The declared type, else the one the name says ("Sở …", "UBND phường …"), else khac.

    A declared type that is not one of :data:`UNIT_TYPES` is read from the name as well.
    """
    if row.unit_type and row.unit_type.strip().lower() in UNIT_TYPES:
        return row.unit_type.strip().lower()
    bare = _bare(row.name).lower()
    for code, word in sorted(
        {**LOCAL_GOVERNMENT, **DEPARTMENTS}.items(), key=lambda kv: -len(kv[1])
    ):
        if bare.startswith(word + " "):
            return code
    return "khac"


def local_name(row: UnitRow) -> str:
    """The name without its type word: ``UBND phường Kim Mã`` → ``Kim Mã``."""
    bare = _bare(row.name)
    word = LOCAL_GOVERNMENT.get(unit_type(row)) or DEPARTMENTS.get(unit_type(row))
    if word and bare.lower().startswith(word + " "):
        return bare[len(word) + 1 :]
    return bare


def abbreviation(name: str) -> str:
    """Initials as document references write them: ``Sở Kế hoạch và Đầu tư`` → ``SKHĐT``."""
    words = [w for w in re.split(r"[\s-]+", _bare(name)) if w and w.lower() != "và"]
    return "".join(w[0] for w in words).upper()


def split_codes(text: str | None) -> tuple[str, ...]:
    """``"P-A; P-B, P-C"`` → the codes (the units import's ``absorbed`` column)."""
    return tuple(c.strip() for c in re.split(r"[;,]", text or "") if c.strip())


def _defaults(settings: Settings, row: UnitRow) -> dict[str, Any]:
    office, kind = settings.office, unit_type(row)
    bare = _bare(row.name)
    if kind in DEPARTMENTS:
        return {
            "parent_body": office.parent,
            "issuing_body": bare.upper(),
            "subject": bare,
            "place": row.place or office.place,
            "reference_prefix": f"BC-{abbreviation(bare)}",
            "signer_authority": "KT. GIÁM ĐỐC" if kind == "so" else "KT. TRƯỞNG BAN",
            "signer_title": "PHÓ GIÁM ĐỐC" if kind == "so" else "PHÓ TRƯỞNG BAN",
            "addressee": office.subject,
            "recipients": (
                "Như trên;",
                f"{office.name.capitalize()} {office.subject};",
                "Lưu: VT, VP.",
            ),
        }
    if kind in LOCAL_GOVERNMENT:
        word = LOCAL_GOVERNMENT[kind]
        return {
            "parent_body": f"UBND {word} {local_name(row)}".upper(),
            "issuing_body": office.unit_office,
            "subject": f"UBND {word} {local_name(row)}",
            "place": row.place or local_name(row),
            "reference_prefix": "BC-VP",
            "signer_authority": "KT. CHÁNH VĂN PHÒNG",
            "signer_title": "PHÓ CHÁNH VĂN PHÒNG",
            "addressee": office.subject,
            "recipients": (
                "Như trên;",
                f"Thường trực Đảng ủy, HĐND {word} (để b/c);",
                f"Chủ tịch, các Phó Chủ tịch UBND {word};",
                "Lưu: VT, VP.",
            ),
        }
    return {
        "parent_body": row.name.upper(),
        "issuing_body": office.unit_office,
        "subject": row.name,
        "place": row.place or office.place,
        "reference_prefix": office.reference_prefix,
        "signer_authority": settings.signer.authority,
        "signer_title": settings.signer.title,
        "recipients": settings.report.recipients,
        "addressee": "",
    }


def unit_header(settings: Settings, row: UnitRow) -> dict[str, Any]:
    """The keyword arguments of :func:`~reports.compose.assemble.compose_report` for ``row``'s
    report."""
    own = settings.units.get(row.code, UnitSettings())
    if own.unit_type:
        row = replace(row, unit_type=own.unit_type)
    values = {**_defaults(settings, row), "signer_name": row.signer_name or ""}
    for key in values:
        chosen = getattr(own, key)
        if chosen:
            values[key] = chosen
    if values["addressee"] == "-":  # [units.CODE] addressee = "-": to no higher body
        values["addressee"] = ""
    # The document number belongs to the issuing body's own register: left blank to fill in.
    return {
        "unit_name": row.name,
        "office_name": values.pop("issuing_body"),
        "number": "",
        **values,
    }


def absorbed_units(
    settings: Settings, rows: Sequence[UnitRow], codes: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """Unit code → the codes merged into it (settings and units import), for ``codes``."""
    by_code: Mapping[str, UnitRow] = {r.code: r for r in rows}
    out: dict[str, tuple[str, ...]] = {}
    for code in codes:
        listed = list(split_codes(by_code[code].absorbed if code in by_code else None))
        own = settings.units.get(code)
        if own:
            listed += [c for c in own.absorbed if c not in listed]
        if listed:
            out[code] = tuple(c for c in listed if c != code)
    return out
