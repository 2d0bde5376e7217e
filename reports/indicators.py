"""Count the figures of data.md §3 in the database, for any period and unit.

Single-date figures come from ``rollup`` (daily counts per unit and ancestor, kept at import):
one conditional-aggregation query gives every period at once. The two dossier figures that
depend on two dates (completed: received in P and returned by its end; overdue and open at the
end) are counted on ``dossiers`` through covering indexes. Nothing loads records into Python.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from reports.domain import KINDS
from reports.errors import UsageError
from reports.model import (
    Directive,
    Figures,
    FigureSet,
    Highlight,
    RecordSheet,
    UnitFigures,
)
from reports.periods import ReportPeriod
from reports.store.schema import (
    RECORD_TABLES,
    ROOT_UNIT,
    directives,
    dossiers,
    highlights,
    rollup,
    unit_scope,
    units,
)

# rollup metric → Figures attribute (the "_by_field" breakdowns are filled separately)
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
_LONG_PERIOD_DAYS = 62
"""Above this, "completed" is counted as received minus still open (the open set is small)."""


def _scope_key(unit: str | None) -> str:
    return unit if unit else ROOT_UNIT


def _in_scope(column: sa.ColumnElement[str], unit: str | None) -> sa.ColumnElement[bool]:
    if not unit:
        return sa.true()
    return sa.or_(
        column == unit,
        column.in_(sa.select(unit_scope.c.descendant).where(unit_scope.c.ancestor == unit)),
    )


def _rollup_counts(
    conn: Connection, unit: str | None, periods: Sequence[ReportPeriod]
) -> list[dict[str, object]]:
    """Per period: {attribute: value} of every single-date figure, by one query."""
    lo = min(p.start for p in periods)
    hi = max(p.end for p in periods)
    sums = [
        sa.func.sum(sa.case((rollup.c.day.between(p.start, p.end), rollup.c.n), else_=0)).label(
            f"p{i}"
        )
        for i, p in enumerate(periods)
    ]
    stmt = (
        sa.select(rollup.c.metric, rollup.c.field, *sums)
        .where(rollup.c.unit == _scope_key(unit), rollup.c.day.between(lo, hi))
        .group_by(rollup.c.metric, rollup.c.field)
    )
    out: list[dict[str, object]] = [
        {attr: 0 for attr in _SIMPLE.values()} | {attr: {} for attr in _BY_FIELD.values()}
        for _ in periods
    ]
    for row in conn.execute(stmt):
        metric, field = row[0], row[1]
        for i in range(len(periods)):
            value = int(row[2 + i] or 0)
            counts = out[i]
            attr = _SIMPLE[metric]
            counts[attr] = int(counts[attr]) + value  # type: ignore[call-overload]
            if metric in _BY_FIELD and field and value:
                breakdown = counts[_BY_FIELD[metric]]
                assert isinstance(breakdown, dict)
                breakdown[field] = breakdown.get(field, 0) + value
    return out


def _dossiers_completed(
    conn: Connection, unit: str | None, period: ReportPeriod, received: int
) -> int:
    """Dossiers received in the period and returned on or before its last day."""
    scope = _in_scope(dossiers.c.unit, unit)
    if period.days <= _LONG_PERIOD_DAYS:
        stmt = sa.select(sa.func.count()).where(
            dossiers.c.received_on.between(period.start, period.end),
            dossiers.c.returned_on <= period.end,
            scope,
        )
        return int(conn.execute(stmt).scalar_one())
    still_open = sa.select(sa.func.count()).where(
        dossiers.c.received_on.between(period.start, period.end),
        sa.or_(dossiers.c.returned_on.is_(None), dossiers.c.returned_on > period.end),
        scope,
    )
    return received - int(conn.execute(still_open).scalar_one())


def _dossiers_overdue_open(conn: Connection, unit: str | None, end: date) -> int:
    """Dossiers not returned by ``end`` whose due date is before ``end``."""
    stmt = sa.select(sa.func.count()).where(
        sa.or_(dossiers.c.returned_on.is_(None), dossiers.c.returned_on > end),
        dossiers.c.due_on < end,
        dossiers.c.received_on <= end,
        _in_scope(dossiers.c.unit, unit),
    )
    return int(conn.execute(stmt).scalar_one())


def compute_figures(
    conn: Connection,
    periods: Sequence[ReportPeriod],
    unit: str | None = None,
    *,
    with_overdue: Sequence[bool] | None = None,
) -> list[Figures]:
    """The figures of each period, for ``unit`` and its sub-units (``None``: the whole office)."""
    counts = _rollup_counts(conn, unit, periods)
    result = []
    overdue_cache: dict[date, int] = {}
    for i, (period, c) in enumerate(zip(periods, counts, strict=True)):
        received = int(c["dossiers_received"])  # type: ignore[call-overload]
        completed = _dossiers_completed(conn, unit, period, received) if received else 0
        overdue = 0
        if with_overdue is None or with_overdue[i]:
            if period.end not in overdue_cache:
                overdue_cache[period.end] = _dossiers_overdue_open(conn, unit, period.end)
            overdue = overdue_cache[period.end]
        result.append(
            Figures(
                **c,  # type: ignore[arg-type]
                dossiers_completed=completed,
                dossiers_overdue_open=overdue,
            )
        )
    return result


def figure_set(
    conn: Connection, period: ReportPeriod, unit: str | None = None, trend_periods: int = 12
) -> FigureSet:
    """The period's figures with the previous period, last year, year to date and a trend."""
    comparisons = list(period.comparisons().values())
    trend = period.trend(trend_periods)[:-1]  # the last trend point is the period itself
    figures = compute_figures(
        conn,
        [*comparisons, *trend],
        unit,
        with_overdue=[True] * len(comparisons) + [False] * len(trend),
    )
    current, previous, last_year, ytd = figures[:4]
    trend_figures = figures[4:]
    return FigureSet(
        period=period,
        unit=unit,
        current=current,
        previous=previous,
        last_year=last_year,
        year_to_date=ytd,
        trend=(*zip(trend, trend_figures, strict=True), (period, current)),
    )


def period_directives(
    conn: Connection, period: ReportPeriod, unit: str | None = None
) -> list[Directive]:
    stmt = (
        sa.select(
            directives.c.id,
            directives.c.approved_on,
            directives.c.field,
            directives.c.summary,
            directives.c.number,
            directives.c.highlight,
        )
        .where(directives.c.approved_on.between(period.start, period.end))
        .order_by(directives.c.approved_on, directives.c.id)
    )
    if unit:
        stmt = stmt.where(_in_scope(directives.c.unit, unit))
    return [Directive(*row) for row in conn.execute(stmt)]


def period_highlights(
    conn: Connection, period: ReportPeriod, unit: str | None = None
) -> list[Highlight]:
    stmt = sa.select(
        highlights.c.id,
        highlights.c.date,
        highlights.c.title,
        highlights.c.body,
        highlights.c.field,
        highlights.c.position,
    ).where(highlights.c.date.between(period.start, period.end))
    if unit:
        stmt = stmt.where(_in_scope(highlights.c.unit, unit))
    out = []
    for id_, day, title, body, field, position in conn.execute(stmt):
        paragraphs = tuple(p.strip() for p in body.replace("\r\n", "\n").split("\n") if p.strip())
        out.append(Highlight(id_, day, title, paragraphs, field, position))
    return out


def unit_name(conn: Connection, code: str | None) -> str | None:
    if not code:
        return None
    name = conn.execute(sa.select(units.c.name).where(units.c.code == code)).scalar()
    return str(name) if name is not None else None


def check_unit(conn: Connection, code: str | None) -> None:
    """A unit named on the command line must be known (in ``units`` or in some record)."""
    if not code:
        return
    known = conn.execute(
        sa.select(unit_scope.c.descendant).where(unit_scope.c.descendant == code).limit(1)
    ).first()
    if not known:
        raise UsageError(
            f"--unit: không có đơn vị {code!r} trong cơ sở dữ liệu; "
            "xem danh sách bằng 'baocao units' hoặc nhập tệp units.csv"
        )


def list_units(conn: Connection, parent: str | None = None) -> list[tuple[str, str, str | None]]:
    """(code, name, parent) of the units in ``units`` (under ``parent`` when given)."""
    stmt = sa.select(units.c.code, units.c.name, units.c.parent).order_by(units.c.code)
    if parent:
        stmt = stmt.where(
            units.c.code.in_(
                sa.select(unit_scope.c.descendant).where(unit_scope.c.ancestor == parent)
            )
        )
    return [(str(c), str(n), p) for c, n, p in conn.execute(stmt)]


def figures_by_unit(
    conn: Connection, period: ReportPeriod, parent: str | None = None
) -> list[UnitFigures]:
    """Every unit's figures for the period (each including its sub-units), in one pass."""
    listed = list_units(conn, parent)
    if not listed:
        return []
    codes = [code for code, _, _ in listed]
    counts: dict[str, dict[str, object]] = {
        code: {attr: 0 for attr in _SIMPLE.values()} | {attr: {} for attr in _BY_FIELD.values()}
        for code in codes
    }
    stmt = (
        sa.select(rollup.c.unit, rollup.c.metric, rollup.c.field, sa.func.sum(rollup.c.n))
        .where(rollup.c.day.between(period.start, period.end), rollup.c.unit.in_(codes))
        .group_by(rollup.c.unit, rollup.c.metric, rollup.c.field)
    )
    for code, metric, field, n in conn.execute(stmt):
        c = counts[code]
        attr = _SIMPLE[metric]
        c[attr] = int(c[attr]) + int(n)  # type: ignore[call-overload]
        if metric in _BY_FIELD and field:
            breakdown = c[_BY_FIELD[metric]]
            assert isinstance(breakdown, dict)
            breakdown[field] = breakdown.get(field, 0) + int(n)
    completed = _per_unit_dossiers(
        conn,
        codes,
        sa.and_(
            dossiers.c.received_on.between(period.start, period.end),
            dossiers.c.returned_on <= period.end,
        ),
    )
    overdue = _per_unit_dossiers(
        conn,
        codes,
        sa.and_(
            sa.or_(dossiers.c.returned_on.is_(None), dossiers.c.returned_on > period.end),
            dossiers.c.due_on < period.end,
            dossiers.c.received_on <= period.end,
        ),
    )
    return [
        UnitFigures(
            code,
            name,
            parent_code,
            Figures(
                **counts[code],  # type: ignore[arg-type]
                dossiers_completed=completed.get(code, 0),
                dossiers_overdue_open=overdue.get(code, 0),
            ),
        )
        for code, name, parent_code in listed
    ]


def _per_unit_dossiers(
    conn: Connection, codes: Sequence[str], condition: sa.ColumnElement[bool]
) -> dict[str, int]:
    stmt = (
        sa.select(unit_scope.c.ancestor, sa.func.count())
        .select_from(dossiers.join(unit_scope, unit_scope.c.descendant == dossiers.c.unit))
        .where(condition, unit_scope.c.ancestor.in_(codes))
        .group_by(unit_scope.c.ancestor)
    )
    return {str(a): int(n) for a, n in conn.execute(stmt)}


def period_records(
    conn: Connection, kind: str, period: ReportPeriod, unit: str | None = None
) -> RecordSheet:
    """The period's records of one kind, streamed (read the rows once, inside ``conn``)."""
    spec = KINDS[kind]
    table = RECORD_TABLES[kind]
    columns = spec.column_names
    date_col = table.c[spec.date_column]
    stmt = (
        sa.select(*(table.c[name] for name in columns))
        .where(date_col.between(period.start, period.end))
        .order_by(date_col, table.c.id)
    )
    if unit and "unit" in table.c:
        stmt = stmt.where(_in_scope(table.c.unit, unit))

    def rows() -> Iterator[tuple[object, ...]]:
        result = conn.execution_options(stream_results=True, yield_per=5000).execute(stmt)
        for row in result:
            yield tuple(row)

    return RecordSheet(kind, spec.label, columns, rows())


def engine_figure_set(
    engine: Engine, period: ReportPeriod, unit: str | None = None, trend_periods: int = 12
) -> FigureSet:
    with engine.connect() as conn:
        check_unit(conn, unit)
        return figure_set(conn, period, unit, trend_periods)
