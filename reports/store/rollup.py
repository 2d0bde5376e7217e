"""Maintain ``unit_scope`` (the unit tree's closure) and ``rollup`` (daily counts per unit).

Called inside the import's transaction, so the roll-ups can never disagree with the records.
Every count is recomputed from the records for the days an import touched (the days of the new
rows and of the rows they replace), which keeps the logic trivially correct under
replace-by-id.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reports.store.schema import ROOT_UNIT, rollup, unit_scope, units

# metric name → (table, date column, extra condition, value expression, field column)
_METRICS: dict[str, tuple[str, str, str, str, str | None]] = {
    "documents": ("documents", "received_on", "", "COUNT(*)", "field"),
    "dossiers_received": ("dossiers", "received_on", "", "COUNT(*)", "field"),
    "dossiers_online": ("dossiers", "received_on", "AND r.online", "COUNT(*)", None),
    "dossiers_on_time": (
        "dossiers",
        "returned_on",
        "AND r.returned_on <= r.due_on",
        "COUNT(*)",
        None,
    ),
    "dossiers_late": ("dossiers", "returned_on", "AND r.returned_on > r.due_on", "COUNT(*)", None),
    "receptions": ("receptions", "held_on", "", "COUNT(*)", None),
    "reception_persons": ("receptions", "held_on", "", "SUM(r.persons)", None),
    "petitions_received": ("petitions", "received_on", "", "COUNT(*)", None),
    "petitions_resolved": ("petitions", "resolved_on", "", "COUNT(*)", None),
    "directives": ("directives", "approved_on", "", "COUNT(*)", "field"),
}

DAY_COLUMNS: dict[str, str] = {name: spec[1] for name, spec in _METRICS.items()}
"""metric → the record date column that places it on a day."""
METRICS_BY_TABLE: dict[str, list[str]] = {}
for _name, (_table, *_rest) in _METRICS.items():
    METRICS_BY_TABLE.setdefault(_table, []).append(_name)

_CHUNK = 500


def _chunks(values: list[date]) -> Iterable[list[date]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def _unit_expr(table: str) -> str:
    # Directives may carry no unit: they are the office's own and count for the whole office.
    return "COALESCE(r.unit, '')" if table == "directives" else "r.unit"


def _insert_sql(metric: str, day_filter: str) -> sa.TextClause:
    """Count per (unit, day, field) first, then spread the (far fewer) groups to ancestors."""
    table, day_col, cond, value, field_col = _METRICS[metric]
    group_field = f", r.{field_col}" if field_col else ""
    raw_field = f"r.{field_col}" if field_col else "''"
    # The inner GROUP BY follows the covering index (day, unit, field) so SQLite needs no
    # temporary B-tree; COALESCE is applied to the (far fewer) groups afterwards.
    return sa.text(
        f"""
        INSERT INTO rollup (unit, day, metric, field, n)
        SELECT s.ancestor, b.day, '{metric}', COALESCE(b.field, ''), SUM(b.n)
        FROM (
            SELECT r.{day_col} AS day, {_unit_expr(table)} AS unit, {raw_field} AS field,
                   {value} AS n
            FROM {table} r
            WHERE r.{day_col} IS NOT NULL {cond} {day_filter}
            GROUP BY r.{day_col}, {_unit_expr(table)}{group_field}
        ) b
        JOIN unit_scope s ON s.descendant = b.unit
        GROUP BY s.ancestor, b.day, COALESCE(b.field, '')
        """
    )


def refresh(conn: Connection, table: str, days: Collection[date] | None) -> None:
    """Recompute the roll-ups that depend on ``table`` for ``days`` (``None``: all days)."""
    metrics = METRICS_BY_TABLE.get(table, [])
    for metric in metrics:
        if days is None:
            conn.execute(sa.delete(rollup).where(rollup.c.metric == metric))
            conn.execute(_insert_sql(metric, ""))
            continue
        day_col = _METRICS[metric][1]
        for chunk in _chunks(sorted(days)):
            conn.execute(
                sa.delete(rollup).where(rollup.c.metric == metric, rollup.c.day.in_(chunk))
            )
            stmt = _insert_sql(metric, f"AND r.{day_col} IN :days").bindparams(
                sa.bindparam("days", expanding=True)
            )
            conn.execute(stmt, {"days": chunk})


def refresh_all(conn: Connection) -> None:
    conn.execute(sa.delete(rollup))
    for table in METRICS_BY_TABLE:
        refresh(conn, table, None)


def ensure_units(conn: Connection, codes: Iterable[str]) -> set[str]:
    """Give unit codes seen in records their scope rows (itself and the root).

    Returns the codes that were new. A code that later appears in the ``units`` table with a
    parent gets its ancestors when :func:`rebuild_scope` runs after that import.
    """
    wanted = {c for c in codes if c}
    if not wanted:
        return set()
    known: set[str] = set()
    listed = sorted(wanted)
    for i in range(0, len(listed), _CHUNK):
        part = listed[i : i + _CHUNK]
        known.update(
            conn.execute(
                sa.select(unit_scope.c.descendant).where(
                    unit_scope.c.ancestor == ROOT_UNIT, unit_scope.c.descendant.in_(part)
                )
            ).scalars()
        )
    new = wanted - known
    if new:
        conn.execute(
            sa.insert(unit_scope),
            [{"ancestor": a, "descendant": c} for c in sorted(new) for a in (ROOT_UNIT, c)],
        )
        if ROOT_UNIT not in known:
            _ensure_root(conn)
    return new


def _ensure_root(conn: Connection) -> None:
    exists = conn.execute(
        sa.select(unit_scope.c.ancestor).where(
            unit_scope.c.ancestor == ROOT_UNIT, unit_scope.c.descendant == ROOT_UNIT
        )
    ).first()
    if not exists:
        conn.execute(sa.insert(unit_scope), [{"ancestor": ROOT_UNIT, "descendant": ROOT_UNIT}])


def rebuild_scope(conn: Connection) -> None:
    """Rebuild the closure from the ``units`` table and every unit seen in records,
    then all roll-ups (a unit moved under another parent moves its counts with it)."""
    parents: dict[str, str | None] = {
        code: parent for code, parent in conn.execute(sa.select(units.c.code, units.c.parent))
    }
    seen: set[str] = set(parents)
    for table in ("documents", "dossiers", "receptions", "petitions", "directives", "highlights"):
        seen.update(
            u for u in conn.execute(sa.text(f"SELECT DISTINCT unit FROM {table}")).scalars() if u
        )
    rows = [{"ancestor": ROOT_UNIT, "descendant": ROOT_UNIT}]
    for code in sorted(seen):
        chain: list[str] = []
        node: str | None = code
        while node and node not in chain:  # a cycle stops at the repeated node
            chain.append(node)
            node = parents.get(node)
        rows.extend({"ancestor": a, "descendant": code} for a in chain)
        rows.append({"ancestor": ROOT_UNIT, "descendant": code})
    conn.execute(sa.delete(unit_scope))
    conn.execute(sa.insert(unit_scope), rows)
    refresh_all(conn)
