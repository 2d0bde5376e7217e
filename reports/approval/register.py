"""The register of outgoing documents (Nghị định 30, Điều 15) and the frozen files.

Numbers run per reference prefix and year from 01, with no gap and no duplicate: one row per
(prefix, year) holds the last number given, and the next is taken by incrementing it inside the
caller's transaction (the approval's), so a failed approval gives its number back and two
approvals at the same moment, on two machines, wait for each other on the row's lock.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from reports.store.schema import document_numbers, frozen_files


def next_number(conn: Connection, prefix: str, year: int) -> int:
    """The next number of ``prefix`` in ``year``, taken in ``conn``'s transaction."""
    row = sa.and_(document_numbers.c.prefix == prefix, document_numbers.c.year == year)
    bump = (
        sa.update(document_numbers)
        .where(row)
        .values(last_number=document_numbers.c.last_number + 1)
        .returning(document_numbers.c.last_number)
    )
    taken = conn.execute(bump).scalar()
    if taken is not None:
        return int(taken)
    try:
        with conn.begin_nested():  # the year's first number; another may insert it meanwhile
            conn.execute(
                sa.insert(document_numbers).values(prefix=prefix, year=year, last_number=1)
            )
        return 1
    except sa.exc.IntegrityError:
        taken = conn.execute(bump).scalar()
        assert taken is not None
        return int(taken)


def last_number(engine: Engine, prefix: str, year: int) -> int:
    """The last number given (0 when none yet), for messages and tests."""
    with engine.connect() as conn:
        value = conn.execute(
            sa.select(document_numbers.c.last_number).where(
                document_numbers.c.prefix == prefix, document_numbers.c.year == year
            )
        ).scalar()
    return int(value or 0)


def reference(number: int, prefix: str) -> str:
    """``01/BC-VP``: numbers below 10 take a leading zero (Nghị định 30)."""
    return f"{number:02d}/{prefix}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_file(conn: Connection, data: bytes) -> str:
    """Keep ``data`` by its SHA-256 (once, however often it is stored); its hash."""
    digest = sha256(data)
    exists = conn.execute(
        sa.select(frozen_files.c.sha256).where(frozen_files.c.sha256 == digest)
    ).first()
    if exists is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    sa.insert(frozen_files).values(sha256=digest, size=len(data), content=data)
                )
        except sa.exc.IntegrityError:
            pass  # the same bytes stored by another approval meanwhile
    return digest


def stored_file(engine: Engine | Connection, digest: str) -> bytes | None:
    """The bytes kept under ``digest``, or None."""
    stmt = sa.select(frozen_files.c.content).where(frozen_files.c.sha256 == digest)
    if isinstance(engine, Connection):
        value = engine.execute(stmt).scalar()
    else:
        with engine.connect() as conn:
            value = conn.execute(stmt).scalar()
    return bytes(value) if value is not None else None
