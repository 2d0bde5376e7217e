"""Fill a form from the store: the records of the period and unit, read once."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reports.compose.unit_profile import unit_type
from reports.core.periods import ReportPeriod
from reports.figures.unit_queries import check_unit, unit_rows
from reports.forms.catalog import FormSpec
from reports.forms.kstt06 import LEVEL_OF_TYPE, Dossier, Rules, build_kstt06
from reports.forms.table import FormTable
from reports.forms.tcd01 import Reception, build_tcd01
from reports.settings.load import Settings
from reports.store.schema import dossiers, receptions, unit_scope


def rules_of(settings: Settings) -> Rules:
    f = settings.forms
    return Rules(f.withdrawn, f.awaiting_supplement, f.stopped)


def period_dossiers(conn: Connection, period: ReportPeriod, unit: str | None) -> list[Dossier]:
    """Every dossier a form of ``period`` may count: received by its end and not handed back
    before its start, or handed back in it."""
    t = dossiers
    stmt = sa.select(
        t.c.id,
        t.c.received_on,
        t.c.due_on,
        t.c.returned_on,
        t.c.unit,
        t.c.online,
        t.c.status,
        t.c.procedure_field,
    ).where(
        sa.or_(
            sa.and_(
                t.c.received_on <= period.end,
                sa.or_(t.c.returned_on.is_(None), t.c.returned_on >= period.start),
            ),
            t.c.returned_on.between(period.start, period.end),
        )
    )
    if unit:
        stmt = stmt.where(
            sa.or_(
                t.c.unit == unit,
                t.c.unit.in_(
                    sa.select(unit_scope.c.descendant).where(unit_scope.c.ancestor == unit)
                ),
            )
        )
    return [Dossier(*row) for row in conn.execute(stmt.order_by(t.c.id))]


def _in_unit(column: sa.ColumnElement[str], unit: str | None) -> sa.ColumnElement[bool]:
    if not unit:
        return sa.true()
    return sa.or_(
        column == unit,
        column.in_(sa.select(unit_scope.c.descendant).where(unit_scope.c.ancestor == unit)),
    )


def period_receptions(conn: Connection, period: ReportPeriod, unit: str | None) -> list[Reception]:
    t = receptions
    stmt = sa.select(
        t.c.id,
        t.c.held_on,
        t.c.persons,
        t.c.unit,
        t.c.mode,
        t.c.cases,
        t.c.repeat,
        t.c.group_visit,
        t.c.session,
    ).where(t.c.held_on.between(period.start, period.end), _in_unit(t.c.unit, unit))
    return [Reception(*row) for row in conn.execute(stmt.order_by(t.c.id))]


def form_table(
    conn: Connection, settings: Settings, spec: FormSpec, period: ReportPeriod, unit: str | None
) -> FormTable:
    """The filled form ``spec`` for ``period`` (and ``unit`` with its sub-units)."""
    spec.check_period(period)
    check_unit(conn, unit)
    rows = unit_rows(conn)
    levels: dict[str, str] = {}
    names: dict[str, str] = {}
    for code, row in rows.items():
        declared = settings.units.get(code)
        kind = declared.unit_type if declared and declared.unit_type else unit_type(row)
        levels[code] = LEVEL_OF_TYPE.get(kind, "tinh")
        names[code] = row.name
    if spec.code == "01/TCD":
        return build_tcd01(period_receptions(conn, period, unit), names)
    return build_kstt06(
        period_dossiers(conn, period, unit), levels, names, period, rules_of(settings)
    )
