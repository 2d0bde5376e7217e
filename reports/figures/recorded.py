"""Which kinds of records a unit has ever had (issue 19): a unit's report says nothing about
figures the unit does not record, instead of printing them as zeros.

A kind is recorded for a unit when any record of that kind, on any day, belongs to the unit or
one of its sub-units (or a unit merged into it): the daily counts already hold the answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reports.store.schema import COUNT_COLUMNS, day_counts


def recorded_kinds(
    conn: Connection, units: Sequence[str], absorbed: Mapping[str, Sequence[str]] | None = None
) -> dict[str, tuple[str, ...]]:
    """Unit → the record kinds (``documents``, ``dossiers``, …) with any record in it (with its
    sub-units and the units merged into it), in the order of :data:`COUNT_COLUMNS`; one query."""
    merged = {u: {u, *(absorbed or {}).get(u, ())} for u in units}
    wanted = sorted({c for codes in merged.values() for c in codes})
    if not wanted:
        return {}
    d = day_counts
    sums = [
        sa.func.sum(sum((d.c[name] for name in columns[1:]), d.c[columns[0]])).label(kind)
        for kind, columns in COUNT_COLUMNS.items()
    ]
    found: dict[str, set[str]] = {}
    stmt = sa.select(d.c.unit, *sums).where(d.c.unit.in_(wanted)).group_by(d.c.unit)
    for row in conn.execute(stmt):
        found[str(row.unit)] = {k for k in COUNT_COLUMNS if (row._mapping[k] or 0) > 0}
    return {
        u: tuple(k for k in COUNT_COLUMNS if any(k in found.get(c, ()) for c in codes))
        for u, codes in merged.items()
    }
