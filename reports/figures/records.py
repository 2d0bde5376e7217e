"""A period's records of one kind, streamed for the workbook's detail sheets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reports.core.domain import KINDS
from reports.core.model import RecordSheet
from reports.core.periods import ReportPeriod
from reports.figures.unit_queries import in_scope
from reports.store.schema import RECORD_TABLES


def period_records(
    conn: Connection,
    kind: str,
    period: ReportPeriod,
    unit: str | None = None,
    *,
    by: str | None = None,
    label: str | None = None,
) -> RecordSheet:
    """The period's records of one kind, streamed (read the rows once, inside ``conn``).

    ``by`` picks them by another date column (e.g. the dossiers returned in the period).
    """
    spec = KINDS[kind]
    table = RECORD_TABLES[kind]
    columns = spec.column_names
    date_col = table.c[by or spec.date_column]
    dated = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, sa.Date)]
    # Dates read as the store's text and turned into dates here, once per distinct day: the
    # ORM's per-cell conversion was ~40% of reading a week's tens of thousands of rows.
    selected = [
        sa.type_coerce(table.c[name], sa.String) if i in dated else table.c[name]
        for i, name in enumerate(columns)
    ]
    stmt = (
        sa.select(*selected)
        .where(date_col.between(period.start, period.end))
        .order_by(date_col, table.c.id)
    )
    if unit and "unit" in table.c:
        stmt = stmt.where(in_scope(table.c.unit, unit))

    def rows() -> Iterator[tuple[object, ...]]:
        # Options on the statement: Connection.execution_options() would change the connection
        # itself, and every later statement on it would open a server-side cursor.
        result = conn.execute(stmt.execution_options(stream_results=True, yield_per=5000))
        days: dict[object, object] = {None: None}
        for row in result:
            if not dated:
                yield tuple(row)
                continue
            cells = list(row)
            for i in dated:
                value = cells[i]
                try:
                    cells[i] = days[value]
                except KeyError:
                    cells[i] = days[value] = as_date(value)
            yield tuple(cells)

    return RecordSheet(kind, label or spec.label, columns, rows())


def as_date(value: object) -> object:
    """A stored date (ISO text on SQLite, a date on PostgreSQL, read with
    ``sa.type_coerce(column, sa.String)``) as a date: callers cache it per distinct value."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return value.date()
    return value
