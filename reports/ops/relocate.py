"""After a restore into another office folder (a new server, another path): the file paths the
database holds follow the files.

The ledger, the drafts and the page's kept files record absolute paths (``runs.files``,
``run_files.path``, ``approvals.draft_files`` / ``final_files``, ``stored_files.path``). A
backup records where its ``out/`` and ``web-files`` folders were; a restore into folders
elsewhere moves every path under the old folder to the same place under the new one, in one
transaction, so that Lịch sử, "Gửi lại" and the evidence pack find the restored files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping

from reports.store.schema import approvals, run_files, runs, stored_files

Move = tuple[str, str]
"""(old folder, new folder), both absolute."""


def moved(path: str, moves: Sequence[Move]) -> str:
    """``path`` under the new folder of the first move whose old folder holds it, else as is."""
    for old, new in moves:
        old = old.rstrip("/")
        if path == old or path.startswith(old + "/"):
            return new.rstrip("/") + path[len(old) :]
    return path


def relocate(engine: Engine, moves: Sequence[Move]) -> int:
    """Move every stored path under an old folder of ``moves`` to its new folder; the number
    of rows changed."""
    moves = [(old, new) for old, new in moves if old.rstrip("/") != new.rstrip("/")]
    if not moves:
        return 0
    with engine.begin() as conn:
        changed = _plain(conn, run_files, run_files.c.path, moves)
        changed += _plain(conn, stored_files, stored_files.c.path, moves)
        changed += _json(conn, runs, runs.c.files, moves)
        changed += _json(conn, approvals, approvals.c.draft_files, moves)
        changed += _json(conn, approvals, approvals.c.final_files, moves)
    return changed


def _key(table: sa.Table, row: RowMapping) -> sa.ColumnElement[bool]:
    return sa.and_(*(column == row[column.name] for column in table.primary_key))


def _plain(conn: Connection, table: sa.Table, column: sa.Column[Any], moves: Sequence[Move]) -> int:
    changed = 0
    for row in conn.execute(sa.select(*table.primary_key, column)).all():
        old = row._mapping[column.name]
        new = moved(old, moves)
        if new != old:
            conn.execute(
                sa.update(table).where(_key(table, row._mapping)).values({column.name: new})
            )
            changed += 1
    return changed


def _json(conn: Connection, table: sa.Table, column: sa.Column[Any], moves: Sequence[Move]) -> int:
    """A JSON list of paths, or of ``{"path": …}`` records."""
    changed = 0
    query = sa.select(*table.primary_key, column).where(column.is_not(None))
    for row in conn.execute(query).all():
        text = row._mapping[column.name]
        items = json.loads(text)
        if not isinstance(items, list):
            continue
        new_items = [
            moved(item, moves)
            if isinstance(item, str)
            else {**item, "path": moved(item["path"], moves)}
            if isinstance(item, dict) and isinstance(item.get("path"), str)
            else item
            for item in items
        ]
        if new_items != items:
            value = json.dumps(new_items, ensure_ascii=False)
            conn.execute(
                sa.update(table).where(_key(table, row._mapping)).values({column.name: value})
            )
            changed += 1
    return changed
