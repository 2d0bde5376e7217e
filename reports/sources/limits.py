"""Limits on what one import may hold, checked the same way whatever the store.

SQLite stores a 500-character id or a NUL byte where PostgreSQL refuses them, and both would
break the reports later; every text is therefore checked against its column's length in the
schema (or Excel's cell limit) and for characters no document can hold, before any store
sees it.
"""

from __future__ import annotations

import sqlite3
from functools import cache

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reports.core.domain import Kind
from reports.core.errors import StoreError
from reports.core.safe_text import EXCEL_CELL_LIMIT
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


IMPORT_LOCK = 724402
"""PostgreSQL advisory lock held by an import until it commits (724401 is the migrations')."""


def lock_imports(conn: Connection) -> None:
    """Wait until no other import writes to this database, then hold it off until commit.

    Two imports of the same rows at once would both find them new and both add their counts
    to ``day_counts``. PostgreSQL: a transaction-scoped advisory lock. SQLite: the write lock
    taken at BEGIN (``BEGIN IMMEDIATE``), so that the busy timeout is waited out, rather than
    a deferred transaction failing at its first write when the other one holds the lock.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})
        return
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        if raw is not None and not raw.in_transaction:  # type: ignore[attr-defined]
            try:
                raw.execute("BEGIN IMMEDIATE")  # type: ignore[attr-defined]
            except sqlite3.OperationalError as exc:  # the busy timeout ran out
                raise _busy(exc) from exc


def _busy(exc: BaseException) -> StoreError:
    return StoreError(
        "Cơ sở dữ liệu đang bận: một lần nhập khác đang ghi và chưa xong sau thời gian chờ "
        f"({exc}). Chờ lần nhập đó xong rồi chạy lại lệnh."
    )


MAX_DEPTH = 16
"""Levels of a unit tree at most (city, district, ward and their offices take four or five)."""


def check_tree(conn: Connection, file: str) -> None:
    """Refuse a unit tree that is its own ancestor somewhere, or deeper than :data:`MAX_DEPTH`
    (each unit is stored with all its ancestors: a long chain costs its length squared)."""
    from reports.core.errors import FileFormatError

    parents: dict[str, str | None] = {
        code: parent for code, parent in conn.execute(sa.select(units.c.code, units.c.parent))
    }
    depth: dict[str, int] = {}
    for start in parents:
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in depth:
            if node in path:
                cycle = [*path[path.index(node) :], node]
                problem = (
                    f"đơn vị {node} nhận chính nó làm đơn vị cấp trên"
                    if len(cycle) == 2
                    else f"cây đơn vị có vòng lặp: {' → '.join(cycle)}"
                )
                raise FileFormatError(file, problem, "Sửa cột parent rồi nhập lại tệp đơn vị.")
            path.append(node)
            node = parents.get(node)
        base = depth.get(node, 0) if node is not None else 0
        for level, code in enumerate(reversed(path), start=base + 1):
            depth[code] = level
            if level > MAX_DEPTH:
                raise FileFormatError(
                    file,
                    f"cây đơn vị sâu quá {MAX_DEPTH} cấp (đơn vị {code} ở cấp {level})",
                    "Kiểm tra cột parent: mỗi đơn vị chỉ ghi đơn vị ngay trên nó.",
                )
