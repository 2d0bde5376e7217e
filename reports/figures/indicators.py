"""Count the figures of data.md §3 in the database, for any period and unit.

Single-date figures come from ``day_counts`` (daily counts per unit and ancestor, kept at
import): one query gives every period at once. The two dossier figures that depend on two dates
(completed: received in P and returned by its end; overdue and open at the end) are counted on
``dossiers`` through covering indexes. Nothing loads records into Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from reports.core.domain import FIELDS
from reports.core.model import (
    Directive,
    Figures,
    FigureSet,
    Highlight,
    UnitFigures,
    add_figures,
)
from reports.core.periods import ReportPeriod
from reports.figures.records import as_date
from reports.figures.records import period_records as period_records
from reports.figures.unit_queries import check_unit, in_scope, list_units, unit_name, unit_rows
from reports.store.schema import (
    ROOT_UNIT,
    day_counts,
    directives,
    dossiers,
    highlights,
    unit_scope,
)

# The unit queries live in reports.figures.unit_queries and stay part of this module's interface.
__all__ = [
    "check_unit",
    "compute_figures",
    "compute_figures_many",
    "directives_with_units",
    "engine_figure_set",
    "figure_set",
    "figure_sets",
    "figures_by_unit",
    "highlights_with_units",
    "list_units",
    "period_directives",
    "period_highlights",
    "period_records",
    "unit_name",
    "unit_rows",
]

# day_counts column → Figures attribute; "<column>_<field>" columns fill the by-field breakdowns
_SIMPLE = {
    "documents": "documents_received",
    "dossiers_received": "dossiers_received",
    "dossiers_online": "dossiers_online",
    "dossiers_on_time": "dossiers_on_time",
    "dossiers_late": "dossiers_late",
    "receptions": "receptions",
    "reception_persons": "reception_persons",
    "petitions_received": "petitions_received",
    "petitions_resolved": "petitions_resolved",
    "directives": "directives_approved",
}
_BY_FIELD = {
    "documents": "documents_by_field",
    "dossiers_received": "dossiers_by_field",
    "directives": "directives_by_field",
}
_COLUMNS: list[tuple[str, str, str | None]] = [
    (column, attr, None) for column, attr in _SIMPLE.items()
] + [(f"{column}_{field}", attr, field) for column, attr in _BY_FIELD.items() for field in FIELDS]
"""(day_counts column, Figures attribute, field or None) of every count read."""
_LONG_PERIOD_DAYS = 62
"""Above this, "completed" is counted as received minus still open (the open set is small)."""


def _scope_key(unit: str | None) -> str:
    return unit if unit else ROOT_UNIT


Counts = dict[str, object]


def _empty_counts() -> Counts:
    return {attr: 0 for attr in _SIMPLE.values()} | {attr: {} for attr in _BY_FIELD.values()}


def _day_counts(
    conn: Connection, keys: Sequence[str], periods: Sequence[ReportPeriod]
) -> dict[str, list[Counts]]:
    """Per unit key and period: {attribute: value} of every single-date figure, one query.

    The periods are a small derived table joined on the day, so each daily row is added to
    the periods it falls in (not tested against every period for every column).
    """
    lo = min(p.start for p in periods)
    hi = max(p.end for p in periods)
    spans = [
        sa.select(
            sa.literal(i, sa.Integer).label("i"),
            sa.literal(p.start, sa.Date).label("lo"),
            sa.literal(p.end, sa.Date).label("hi"),
        )
        for i, p in enumerate(periods)
    ]
    span = (spans[0] if len(spans) == 1 else sa.union_all(*spans)).subquery("span")
    d = day_counts
    unit_filter = d.c.unit == keys[0] if len(keys) == 1 else d.c.unit.in_(keys)
    stmt = (
        sa.select(d.c.unit, span.c.i, *(sa.func.sum(d.c[column]) for column, _, _ in _COLUMNS))
        .select_from(d.join(span, d.c.day.between(span.c.lo, span.c.hi)))
        .where(unit_filter, d.c.day.between(lo, hi))
        .group_by(d.c.unit, span.c.i)
    )
    out = {key: [_empty_counts() for _ in periods] for key in keys}
    for row in conn.execute(stmt):
        counts = out[row[0]][row[1]]
        for (_, attr, field), value in zip(_COLUMNS, row[2:], strict=True):
            if not value:
                continue
            if field is None:
                counts[attr] = int(value)
            else:
                breakdown = counts[attr]
                assert isinstance(breakdown, dict)
                breakdown[field] = int(value)
    return out


def _count_by_key(
    conn: Connection, keys: Sequence[str], condition: sa.ColumnElement[bool]
) -> dict[str, int]:
    """Dossiers matching ``condition`` per unit key (each unit with its sub-units).

    One key is counted without a join (the whole office: no unit filter at all; a unit:
    ``unit IN`` its closure), so the planner keeps to the covering index of the condition.
    """
    if len(keys) == 1:
        key = keys[0]
        stmt = sa.select(sa.func.count()).where(condition)
        if key != ROOT_UNIT:
            stmt = stmt.where(
                dossiers.c.unit.in_(
                    sa.select(unit_scope.c.descendant).where(unit_scope.c.ancestor == key)
                )
            )
        return {key: int(conn.execute(stmt).scalar_one())}
    # Counted per unit the records name (one small group each), then added up the tree here:
    # joining the tree to every record would multiply the rows by the depth of the tree.
    per_unit = (
        sa.select(dossiers.c.unit, sa.func.count()).where(condition).group_by(dossiers.c.unit)
    )
    counted = {str(u): int(n) for u, n in conn.execute(per_unit) if u is not None}
    if not counted:
        return {}
    out: dict[str, int] = {}
    scope = sa.select(unit_scope.c.ancestor, unit_scope.c.descendant).where(
        unit_scope.c.ancestor.in_(sa.bindparam("keys", expanding=True))
    )
    for ancestor, descendant in conn.execute(scope, {"keys": list(keys)}):
        if (n := counted.get(descendant)) is not None:
            out[ancestor] = out.get(ancestor, 0) + n
    return out


def _completed_condition(period: ReportPeriod) -> sa.ColumnElement[bool]:
    """Received in the period and returned on or before its last day."""
    return sa.and_(
        dossiers.c.received_on.between(period.start, period.end),
        dossiers.c.returned_on <= period.end,
    )


def _open_condition(period: ReportPeriod) -> sa.ColumnElement[bool]:
    """Received in the period and not returned by its last day (the small set)."""
    return sa.and_(
        dossiers.c.received_on.between(period.start, period.end),
        sa.or_(dossiers.c.returned_on.is_(None), dossiers.c.returned_on > period.end),
    )


def _overdue_condition(end: date) -> sa.ColumnElement[bool]:
    """Not returned by ``end``, due before ``end``."""
    return sa.and_(
        sa.or_(dossiers.c.returned_on.is_(None), dossiers.c.returned_on > end),
        dossiers.c.due_on < end,
        dossiers.c.received_on <= end,
    )


def compute_figures_many(
    conn: Connection,
    periods: Sequence[ReportPeriod],
    keys: Sequence[str],
    *,
    with_overdue: Sequence[bool] | None = None,
) -> dict[str, list[Figures]]:
    """The figures of each period for each unit key (``''``: the whole office), in few queries.

    The number of queries depends on the number of periods, never on the number of units.
    """
    counts = _day_counts(conn, keys, periods)
    completed: list[dict[str, int]] = []
    for i, period in enumerate(periods):
        if not any(int(counts[k][i]["dossiers_received"]) for k in keys):  # type: ignore[call-overload]
            completed.append({})
        elif period.days <= _LONG_PERIOD_DAYS:
            completed.append(_count_by_key(conn, keys, _completed_condition(period)))
        else:
            still_open = _count_by_key(conn, keys, _open_condition(period))
            completed.append(
                {
                    k: int(counts[k][i]["dossiers_received"]) - still_open.get(k, 0)  # type: ignore[call-overload]
                    for k in keys
                }
            )
    overdue: dict[date, dict[str, int]] = {}
    for i, period in enumerate(periods):
        if (with_overdue is None or with_overdue[i]) and period.end not in overdue:
            overdue[period.end] = _count_by_key(conn, keys, _overdue_condition(period.end))
    result: dict[str, list[Figures]] = {}
    for key in keys:
        result[key] = [
            Figures(
                **c,  # type: ignore[arg-type]
                dossiers_completed=completed[i].get(key, 0),
                dossiers_overdue_open=(
                    overdue[period.end].get(key, 0)
                    if with_overdue is None or with_overdue[i]
                    else 0
                ),
            )
            for i, (period, c) in enumerate(zip(periods, counts[key], strict=True))
        ]
    return result


def compute_figures(
    conn: Connection,
    periods: Sequence[ReportPeriod],
    unit: str | None = None,
    *,
    with_overdue: Sequence[bool] | None = None,
) -> list[Figures]:
    """The figures of each period, for ``unit`` and its sub-units (``None``: the whole office)."""
    key = _scope_key(unit)
    return compute_figures_many(conn, periods, [key], with_overdue=with_overdue)[key]


def figure_sets(
    conn: Connection,
    period: ReportPeriod,
    units: Sequence[str | None],
    trend_periods: int = 12,
    absorbed: Mapping[str, Sequence[str]] | None = None,
) -> dict[str | None, FigureSet]:
    """The figure set of every unit in ``units`` for ``period``, fetched in one pass.

    ``absorbed``: unit code → the units merged into it, whose records count as its own (so
    its comparisons with the past are like for like); one already in its tree is not added.
    """
    comparisons = list(period.comparisons().values())
    trend = period.trend(trend_periods)[:-1]  # the last trend point is the period itself
    keys = [_scope_key(u) for u in units]
    merged = _merged(conn, keys, absorbed or {})
    extra = sorted({c for codes in merged.values() for c in codes} - set(keys))
    many = compute_figures_many(
        conn,
        [*comparisons, *trend],
        [*keys, *extra],
        with_overdue=[True] * len(comparisons) + [False] * len(trend),
    )
    first_days = _first_days(conn, [*keys, *extra])
    out: dict[str | None, FigureSet] = {}
    for unit, key in zip(units, keys, strict=True):
        figures = many[key]
        for code in merged.get(key, ()):
            figures = [add_figures(a, b) for a, b in zip(figures, many[code], strict=True)]
            if code in first_days:
                first_days[key] = min(first_days.get(key, date.max), first_days[code])
        current, previous, last_year, ytd = figures[:4]
        out[unit] = FigureSet(
            period=period,
            unit=unit,
            current=current,
            previous=previous,
            last_year=last_year,
            year_to_date=ytd,
            trend=(*zip(trend, figures[4:], strict=True), (period, current)),
            first_day=first_days.get(key, date.max),
        )
    return out


def _merged(
    conn: Connection, keys: Sequence[str], absorbed: Mapping[str, Sequence[str]]
) -> dict[str, tuple[str, ...]]:
    """The absorbed units of each key that are not already inside its tree."""
    wanted = {k: tuple(absorbed[k]) for k in keys if absorbed.get(k)}
    if not wanted:
        return {}
    inside = {
        (str(a), str(d))
        for a, d in conn.execute(
            sa.select(unit_scope.c.ancestor, unit_scope.c.descendant).where(
                unit_scope.c.ancestor.in_(list(wanted))
            )
        )
    }
    return {k: tuple(c for c in codes if (k, c) not in inside) for k, codes in wanted.items()}


def _first_days(conn: Connection, keys: Sequence[str]) -> dict[str, date]:
    """The first day with any record, per unit key (each unit with its sub-units)."""
    d = day_counts
    stmt = sa.select(d.c.unit, sa.func.min(d.c.day)).where(d.c.unit.in_(keys)).group_by(d.c.unit)
    out: dict[str, date] = {}
    for key, first in conn.execute(stmt):
        if first is not None:
            out[str(key)] = first if isinstance(first, date) else date.fromisoformat(str(first))
    return out


def figure_set(
    conn: Connection,
    period: ReportPeriod,
    unit: str | None = None,
    trend_periods: int = 12,
    absorbed: Mapping[str, Sequence[str]] | None = None,
) -> FigureSet:
    """The period's figures with the previous period, last year, year to date and a trend."""
    return figure_sets(conn, period, [unit], trend_periods, absorbed)[unit]


def directives_with_units(
    conn: Connection, period: ReportPeriod, unit: str | None = None
) -> list[tuple[Directive, str | None]]:
    """The period's directives with the unit each belongs to (``None``: the office's own)."""
    stmt = (
        sa.select(
            directives.c.id,
            # as the store's text, made a date once per day: a week at 10M records has 24k
            # directives, and the type's per-row parsing was most of reading them
            sa.type_coerce(directives.c.approved_on, sa.String),
            directives.c.field,
            directives.c.summary,
            directives.c.number,
            directives.c.highlight,
            directives.c.unit,
        )
        .where(directives.c.approved_on.between(period.start, period.end))
        .order_by(directives.c.approved_on, directives.c.id)
    )
    if unit:
        stmt = stmt.where(in_scope(directives.c.unit, unit))
    days: dict[object, object] = {}
    out = []
    for id_, day, *rest, owner in conn.execute(stmt):
        when = days.get(day)
        if when is None:
            when = days[day] = as_date(day)
        out.append((Directive(id_, when, *rest), owner))  # type: ignore[arg-type]
    return out


def period_directives(
    conn: Connection, period: ReportPeriod, unit: str | None = None
) -> list[Directive]:
    return [d for d, _ in directives_with_units(conn, period, unit)]


def highlights_with_units(
    conn: Connection, period: ReportPeriod, unit: str | None = None
) -> list[tuple[Highlight, str | None]]:
    """The period's highlights with their unit; a body's paragraphs are its non-empty lines."""
    stmt = sa.select(
        highlights.c.id,
        highlights.c.date,
        highlights.c.title,
        highlights.c.body,
        highlights.c.field,
        highlights.c.position,
        highlights.c.unit,
    ).where(highlights.c.date.between(period.start, period.end))
    if unit:
        stmt = stmt.where(in_scope(highlights.c.unit, unit))
    out = []
    for id_, day, title, body, field, position, owner in conn.execute(stmt):
        paragraphs = tuple(p.strip() for p in body.replace("\r\n", "\n").split("\n") if p.strip())
        out.append((Highlight(id_, day, title, paragraphs, field, position), owner))
    return out


def period_highlights(
    conn: Connection, period: ReportPeriod, unit: str | None = None
) -> list[Highlight]:
    return [h for h, _ in highlights_with_units(conn, period, unit)]


def figures_by_unit(
    conn: Connection, period: ReportPeriod, parent: str | None = None
) -> list[UnitFigures]:
    """Every unit's figures for the period (each including its sub-units), in one pass."""
    listed = list_units(conn, parent)
    if not listed:
        return []
    many = compute_figures_many(conn, [period], [code for code, _, _ in listed])
    return [UnitFigures(code, name, up, many[code][0]) for code, name, up in listed]


def engine_figure_set(
    engine: Engine,
    period: ReportPeriod,
    unit: str | None = None,
    trend_periods: int = 12,
    absorbed: Mapping[str, Sequence[str]] | None = None,
) -> FigureSet:
    with engine.connect() as conn:
        check_unit(conn, unit)
        return figure_set(conn, period, unit, trend_periods, absorbed)
