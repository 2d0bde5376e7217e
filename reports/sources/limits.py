"""Limits on what one import may hold, checked the same way whatever the store.

SQLite stores a 500-character id or a NUL byte where PostgreSQL refuses them, and both would
break the reports later; every text is therefore checked against its column's length in the
schema (or Excel's cell limit) and for characters no document can hold, before any store
sees it.
"""

from __future__ import annotations

from functools import cache

from reports.domain import Kind
from reports.safe_text import EXCEL_CELL_LIMIT
from reports.store.schema import RECORD_TABLES, units

IDENTIFIERS = frozenset({"id", "unit", "code", "parent"})
"""Columns compared character by character: no line breaks or invisible characters."""


@cache
def text_rules(kind: Kind) -> dict[str, tuple[bool, int]]:
    """column → (is an identifier, most characters) for each text column of ``kind``."""
    table = units if kind.name == "units" else RECORD_TABLES[kind.name]
    rules: dict[str, tuple[bool, int]] = {}
    for column in kind.columns:
        if column.type not in ("text", "multiline"):
            continue
        length = getattr(table.c[column.name].type, "length", None)
        rules[column.name] = (column.name in IDENTIFIERS, length or EXCEL_CELL_LIMIT)
    return rules
