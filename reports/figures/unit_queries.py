"""The units: names, optional details, whether a code is known, the tree below a unit."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reports.core.errors import Step, UsageError
from reports.core.model import UnitRow
from reports.store.schema import unit_scope, units


def unit_name(conn: Connection, code: str | None) -> str | None:
    if not code:
        return None
    name = conn.execute(sa.select(units.c.name).where(units.c.code == code)).scalar()
    return str(name) if name is not None else None


def unit_rows(conn: Connection, codes: Sequence[str] | None = None) -> dict[str, UnitRow]:
    """The ``units`` rows of ``codes`` (every unit when ``None``)."""
    stmt = sa.select(
        units.c.code,
        units.c.name,
        units.c.parent,
        units.c.unit_type,
        units.c.place,
        units.c.absorbed,
        units.c.dissolved_on,
        units.c.signer_name,
    )
    if codes is not None:
        stmt = stmt.where(units.c.code.in_(sa.bindparam("codes", expanding=True)))
    params = {"codes": list(codes)} if codes is not None else {}
    return {str(r[0]): UnitRow(*r) for r in conn.execute(stmt, params)}


def check_unit(conn: Connection, code: str | None) -> None:
    """A unit named on the command line must be known (in ``units`` or in some record)."""
    if not code:
        return
    known = conn.execute(
        sa.select(unit_scope.c.descendant).where(unit_scope.c.descendant == code).limit(1)
    ).first()
    if not known:
        raise UsageError(f"Không có đơn vị {code!r} trong cơ sở dữ liệu.").leads_to(Step.PICK_UNIT)


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


def in_scope(column: sa.ColumnElement[str], unit: str | None) -> sa.ColumnElement[bool]:
    """``column`` names ``unit`` or one of its sub-units (always true without a unit)."""
    if not unit:
        return sa.true()
    return sa.or_(
        column == unit,
        column.in_(sa.select(unit_scope.c.descendant).where(unit_scope.c.ancestor == unit)),
    )


def root_unit(conn: Connection) -> str | None:
    """The unit whose report is the office's own (issue 19): the one unit without a parent
    that has sub-units (the city's UBND above its departments and wards); None when there is
    no such single unit. Units without a parent and without sub-units (wards merged away) do
    not count."""
    child = sa.alias(units)
    stmt = (
        sa.select(units.c.code)
        .where(
            units.c.parent.is_(None) | (units.c.parent == ""),
            sa.exists().where(child.c.parent == units.c.code),
        )
        .limit(2)
    )
    found = [str(c) for (c,) in conn.execute(stmt)]
    return found[0] if len(found) == 1 else None
