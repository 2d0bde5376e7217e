"""Daily counts handed from a reading process to the writing one in a small SQLite file.

A big import's own-unit counts are ~half a million (unit, day) rows: bound one by one they are
the writing process's largest single cost after the records themselves, and that process is
the one the others wait for. A reading process writes them into a file of its own instead (in
parallel with the other readers), and the writer adds the file to ``day_counts`` with one
``INSERT … SELECT``, in C. The file stays attached to the writer's connection until its
transaction ends (SQLite cannot detach a database the transaction has read)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Connection

from reports.store.rollup import ALL_COLUMNS, Counts

MAX_ATTACHED = 8
"""Files attached to one transaction at most (SQLite allows 10 databases besides the main and
the temporary one); counts beyond them are added row by row."""

_NAMES = ", ".join(("unit", "day", *ALL_COLUMNS))


def write(path: Path, counts: Counts) -> None:
    """``counts`` (units' own, none all zeros) into a new file ``path``, in key order."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute(f"CREATE TABLE counts ({_NAMES})")
        con.execute("BEGIN")
        marks = ", ".join("?" for _ in range(len(ALL_COLUMNS) + 2))
        con.executemany(
            f"INSERT INTO counts VALUES ({marks})",
            (
                (unit, day, *values)
                for unit in sorted(counts)
                for day, values in sorted(counts[unit].items())
            ),
        )
        con.execute("COMMIT")
    finally:
        con.close()


def add(conn: Connection, path: str, alias: str) -> None:
    """Add the counts of the file at ``path`` to the units' own rows of ``day_counts``; the file
    is attached as ``alias`` until :func:`detached` lets it go."""
    raw = conn.connection.driver_connection
    assert raw is not None
    sums = ", ".join(f"{c} = day_counts.{c} + excluded.{c}" for c in ALL_COLUMNS)
    raw.execute(f"ATTACH DATABASE ? AS {alias}", (path,))
    raw.execute(
        f"INSERT INTO day_counts ({_NAMES}) SELECT {_NAMES} FROM {alias}.counts WHERE true "
        f"ON CONFLICT (unit, day) DO UPDATE SET {sums}"
    )


@contextmanager
def detached(conn: Connection, aliases: Sequence[str]) -> Iterator[None]:
    """Detach ``aliases`` (filled meanwhile) once the block, the transaction, has ended."""
    try:
        yield
    finally:
        raw = conn.connection.driver_connection if aliases else None
        for alias in aliases:
            raw.execute(f"DETACH DATABASE {alias}")  # type: ignore[union-attr]
