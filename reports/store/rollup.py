"""Maintain ``unit_scope`` (the unit tree's closure) and ``day_counts`` (daily counts per unit).

The counts are kept by deltas inside the import's transaction, so they can never disagree with
the records: the counts of the rows an import adds, minus those of the rows it replaces, each
added to the unit's row and to those of its ancestors. Rows are counted by one definition,
:func:`tally`, in Python as the importer streams them (it has them in hand already, and the
counting is a ``Counter`` over tuples, done in C); the same function rebuilds the whole table
from the records when the unit tree changes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import add, itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reports.core.domain import FIELDS, KINDS, RECORD_KINDS
from reports.store.schema import (
    COUNT_COLUMNS,
    RECORD_TABLES,
    ROOT_UNIT,
    day_counts,
    unit_scope,
    units,
)

ALL_COLUMNS: tuple[str, ...] = tuple(c for columns in COUNT_COLUMNS.values() for c in columns)
"""Every column of ``day_counts`` but the key, in table order."""

Counts = dict[str, dict[str, list[int]]]
"""unit → day (ISO text) → the day's counts, in the order of :data:`ALL_COLUMNS`. Plain
text, numbers and lists: a reading process sends them with ``marshal``."""

_FIELD_OFFSET = {code: i + 1 for i, code in enumerate(FIELDS)}
"""A by-field column's place after its total column."""


@dataclass(frozen=True)
class _Count:
    """One count of a kind: which rows, on which day, into which column."""

    key: Callable[[Sequence[Any]], tuple[Any, ...]]
    """The row's (unit, day) or (unit, day, field)."""
    column: int
    keep: Callable[[Sequence[Any]], bool] | None = None
    weight: int | None = None
    """Sum this column of the rows instead of counting them."""
    by_field: bool = False


def _counts(kind: str) -> tuple[_Count, ...]:
    at = KINDS[kind].column_names.index
    col = ALL_COLUMNS.index

    def key(*names: str) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
        return itemgetter(*(at(n) for n in names))

    if kind == "documents":
        return (_Count(key("unit", "received_on", "field"), col("documents"), by_field=True),)
    if kind == "dossiers":
        due, back, online = at("due_on"), at("returned_on"), at("online")
        return (
            _Count(key("unit", "received_on", "field"), col("dossiers_received"), by_field=True),
            _Count(key("unit", "received_on"), col("dossiers_online"), keep=itemgetter(online)),
            _Count(
                key("unit", "returned_on"),
                col("dossiers_on_time"),
                keep=lambda r: r[back] is not None and r[back] <= r[due],
            ),
            _Count(
                key("unit", "returned_on"),
                col("dossiers_late"),
                keep=lambda r: r[back] is not None and r[back] > r[due],
            ),
        )
    if kind == "receptions":
        return (
            _Count(key("unit", "held_on"), col("receptions")),
            _Count(key("unit", "held_on"), col("reception_persons"), weight=at("persons")),
        )
    if kind == "petitions":
        resolved = at("resolved_on")
        return (
            _Count(key("unit", "received_on"), col("petitions_received")),
            _Count(
                key("unit", "resolved_on"),
                col("petitions_resolved"),
                keep=lambda r: r[resolved] is not None,
            ),
        )
    if kind == "directives":
        # A directive without a unit is the office's own: it counts for the whole office.
        return (_Count(key("unit", "approved_on", "field"), col("directives"), by_field=True),)
    raise KeyError(kind)


_COUNTS: dict[str, tuple[_Count, ...]] = {kind: _counts(kind) for kind in COUNT_COLUMNS}
COUNTED_KINDS = frozenset(_COUNTS)


def tally(kind: str, rows: Sequence[Sequence[Any]], into: Counts, sign: int = 1) -> None:
    """Add (``sign`` 1) or take away (-1) the counts of ``rows`` (records of ``kind``, in its
    column order; dates as ``date`` or ISO text) to their units' own days in ``into``."""
    width = len(ALL_COLUMNS)
    for count in _COUNTS[kind]:
        source: Iterable[Sequence[Any]] = rows if count.keep is None else filter(count.keep, rows)
        if count.weight is None:
            groups = Counter(map(count.key, source))
        else:
            groups = Counter()
            weight = count.weight
            for row in source:
                groups[count.key(row)] += row[weight]
        column, by_field = count.column, count.by_field
        for key, n in groups.items():
            unit, day = key[0] or ROOT_UNIT, key[1]
            if day.__class__ is not str:
                day = day.isoformat()
            days = into.get(unit)
            if days is None:
                days = into[unit] = {}
            counts = days.get(day)
            if counts is None:
                counts = days[day] = [0] * width
            counts[column] += sign * n
            if by_field and key[2]:
                counts[column + _FIELD_OFFSET[key[2]]] += sign * n


def _add_days(target: dict[str, list[int]], days: dict[str, list[int]]) -> None:
    """Add a unit's ``days`` to ``target``. Lists may end up shared between the two: a sum is
    always a new list, never one changed in place."""
    if target.keys().isdisjoint(days):
        target.update(days)  # in C: no Python step per day (pieces of other days, a new unit)
        return
    for day, values in days.items():
        current = target.get(day)
        target[day] = values if current is None else list(map(add, current, values))


def merge(into: Counts, counts: Counts) -> None:
    """Add ``counts`` to ``into`` (which may take over its dicts and lists: it is spent)."""
    for unit, days in counts.items():
        target = into.get(unit)
        if target is None:
            into[unit] = days
        else:
            _add_days(target, days)


def ancestors(conn: Connection) -> dict[str, tuple[str, ...]]:
    """unit → itself and every unit above it, the whole office (``''``) included."""
    out: dict[str, list[str]] = {}
    for descendant, ancestor in conn.execute(
        sa.select(unit_scope.c.descendant, unit_scope.c.ancestor)
    ):
        out.setdefault(descendant, []).append(ancestor)
    return {unit: tuple(above) for unit, above in out.items()}


def spread(counts: Counts, scope: Mapping[str, Sequence[str]]) -> Counts:
    """The units' own counts added up into every unit above them too.

    When the closure is a tree (it is, but for a cycle in the ``units`` table), each unit's
    sums are added once, to its parent's, deepest units first: a ward's days are added once,
    not once for every unit above it (a 3-level office: 3x fewer additions)."""
    parents = _parents(counts, scope)
    if parents is None:
        out: Counts = {}
        for unit, days in counts.items():
            for above in _scope_of(unit, scope):
                _add_days(out.setdefault(above, {}), days)
        return out
    out = {unit: dict(days) for unit, days in counts.items()}
    for unit, parent in parents:
        if (sums := out.get(unit)) is not None:
            _add_days(out.setdefault(parent, {}), sums)
    return out


def spread_above(counts: Counts, scope: Mapping[str, Sequence[str]]) -> Counts:
    """What :func:`spread` adds to the units *above* those of ``counts``: their own days are
    left out (they are stored already, :func:`add_own`)."""
    parents = _parents(counts, scope)
    out: Counts = {}
    if parents is None:
        for unit, days in counts.items():
            for above in _scope_of(unit, scope):
                if above != unit:
                    _add_days(out.setdefault(above, {}), days)
        return out
    for unit, parent in parents:  # deepest first: a unit's sums are complete when it is met
        target = out.setdefault(parent, {})
        for part in (counts.get(unit), out.get(unit)):
            if part:
                _add_days(target, part)
    return out


def _scope_of(unit: str, scope: Mapping[str, Sequence[str]]) -> Sequence[str]:
    return scope.get(unit, (unit, ROOT_UNIT) if unit else (ROOT_UNIT,))


def _parents(counts: Counts, scope: Mapping[str, Sequence[str]]) -> list[tuple[str, str]] | None:
    """(unit, its parent) of every unit of ``counts`` and above, deepest first; None when the
    closure is not a tree (a unit's scope is not itself plus its parent's scope)."""
    nodes: dict[str, frozenset[str]] = {}
    todo = list(counts)
    while todo:
        unit = todo.pop()
        if unit in nodes:
            continue
        above = nodes[unit] = frozenset(_scope_of(unit, scope))
        todo.extend(a for a in above if a not in nodes)
    pairs: list[tuple[int, str, str]] = []
    for unit, above in nodes.items():
        if unit == ROOT_UNIT:
            if above != {ROOT_UNIT}:
                return None
            continue
        if unit not in above or ROOT_UNIT not in above:
            return None
        candidates = above - {unit}
        parent = max(candidates, key=lambda a: len(nodes[a]))
        if nodes[parent] != candidates:
            return None
        pairs.append((len(above), unit, parent))
    pairs.sort(reverse=True)
    return [(unit, parent) for _, unit, parent in pairs]


def apply(conn: Connection, counts: Counts, *, zeros: bool = True) -> int:
    """Add ``counts`` (already spread) to ``day_counts`` in key order; returns the rows.
    ``zeros``: days whose counts all cancelled out may be among them (skipped)."""
    sqlite = conn.dialect.name == "sqlite"
    rows = [
        (unit, day, *values)
        for unit in sorted(counts)
        for day, values in sorted(counts[unit].items())
        if not zeros or any(values)
    ]
    if not rows:
        return 0
    names = ", ".join(("unit", "day", *ALL_COLUMNS))
    sums = ", ".join(f"{c} = day_counts.{c} + excluded.{c}" for c in ALL_COLUMNS)
    if not sqlite:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS stage_day_counts "
            "(LIKE day_counts INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE stage_day_counts")
        with cursor.copy(f"COPY stage_day_counts ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO day_counts ({names}) SELECT {names} FROM stage_day_counts "
            f"ON CONFLICT (unit, day) DO UPDATE SET {sums}"
        )
        return len(rows)
    marks = ", ".join("?" for _ in range(len(ALL_COLUMNS) + 2))
    conn.connection.driver_connection.executemany(  # type: ignore[union-attr]
        f"INSERT INTO day_counts ({names}) VALUES ({marks}) "
        f"ON CONFLICT (unit, day) DO UPDATE SET {sums}",
        rows,
    )
    return len(rows)


def add_counts(conn: Connection, counts: Counts) -> None:
    """Add the units' own ``counts`` to their rows and to those of the units above them."""
    if counts:
        ensure_units(conn, counts)
        apply(conn, spread(counts, ancestors(conn)))


def add_own(conn: Connection, counts: Counts) -> None:
    """Add the units' own ``counts`` to their own rows only; those above them are given theirs
    by :func:`add_above`, once, when the unit tree is settled. Counts of rows read, never
    taken away: no day of them is all zeros."""
    apply(conn, counts, zeros=False)


def add_above(conn: Connection, counts: Counts) -> None:
    """Add the units' own ``counts``, stored already by :func:`add_own`, to the units above
    them (for a unit and its days :func:`add_own` and this add what :func:`add_counts` adds)."""
    if counts:
        ensure_units(conn, counts)
        apply(conn, spread_above(counts, ancestors(conn)))


_READ_ROWS = 50_000


def refresh_all(conn: Connection) -> None:
    """Recount ``day_counts`` from every record (after the unit tree changed)."""
    conn.execute(sa.delete(day_counts))
    counts: Counts = {}
    for kind in COUNT_COLUMNS:
        table = RECORD_TABLES[kind]
        # Free text is never counted (but the unit): read NULL in its place, not the summaries;
        # nor are the columns of :data:`LATER_COLUMNS`.
        select = sa.select(
            *(
                table.c[c.name]
                if c.name == "unit"
                or (c.type not in ("text", "multiline") and c.name not in LATER_COLUMNS)
                else sa.null().label(f"unused_{c.name}")
                for c in KINDS[kind].columns
            )
        )
        result = conn.execute(select.execution_options(yield_per=_READ_ROWS))
        for part in result.partitions():
            tally(kind, part, counts)
    apply(conn, spread(counts, ancestors(conn)))


LATER_COLUMNS = frozenset(("status", "channel", "mode", "cases", "repeat", "group_visit"))
"""Columns added after the counts were first kept (0011), never counted: an older schema
migrated through :func:`refresh_all` does not have them yet."""

_IN_LIST = 500


def ensure_units(conn: Connection, codes: Iterable[str]) -> set[str]:
    """Give unit codes seen in records their scope rows (itself and the root).

    Returns the codes that were new. A code that later appears in the ``units`` table with a
    parent gets its ancestors when that import rebuilds the tree (:func:`rescope`).
    """
    wanted = {c for c in codes if c}
    if not wanted:
        return set()
    known: set[str] = set()
    listed = sorted(wanted)
    for i in range(0, len(listed), _IN_LIST):
        part = listed[i : i + _IN_LIST]
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
    then all the counts (a unit moved under another parent moves its counts with it)."""
    seen: set[str] = set()
    for table in RECORD_KINDS:
        seen.update(
            u for u in conn.execute(sa.text(f"SELECT DISTINCT unit FROM {table}")).scalars() if u
        )
    rescope(conn, seen)
    refresh_all(conn)


def rescope(conn: Connection, codes: Iterable[str] = ()) -> None:
    """Rebuild the closure from the ``units`` table, the units it holds already (every unit
    seen in records is given a place when its records are imported) and ``codes``."""
    parents: dict[str, str | None] = {
        code: parent for code, parent in conn.execute(sa.select(units.c.code, units.c.parent))
    }
    seen = set(parents) | {c for c in codes if c}
    seen.update(u for u in conn.execute(sa.select(unit_scope.c.descendant)).scalars() if u)
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
