"""The state of the data before anyone generates: per source kind, the last import and the
latest day its records cover, and whether a period is covered (missing or stale data flagged).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.core.domain import KINDS
from reports.core.periods import ReportPeriod
from reports.store.db import as_utc
from reports.store.schema import RECORD_TABLES, imports, stored_files

OK, MISSING, STALE = "ok", "missing", "stale"
STATE_VI = {
    OK: "đủ",
    MISSING: "thiếu dữ liệu",
    STALE: "chưa cập nhật hết kỳ",
}


@dataclass(frozen=True)
class SourceState:
    kind: str
    label: str
    last_import: datetime | None
    latest_day: date | None
    state: str

    @property
    def state_vi(self) -> str:
        return STATE_VI[self.state]


@dataclass(frozen=True)
class ImportLogEntry:
    at: datetime
    file_name: str
    """The name the user uploaded it as (web), or the path imported (command line)."""
    kind: str
    sha256: str
    added: int
    replaced: int
    unchanged: int
    rejected: int
    by: str | None = None
    """Who uploaded the file through the web (None: imported from the command line)."""


def _day(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def data_state(engine: Engine, period: ReportPeriod) -> list[SourceState]:
    """Each dated kind of record: its last import and latest day, judged against ``period``.

    Missing: nothing of this kind was ever imported, or its latest day is before the period.
    Stale: its records stop before the period's last day.
    """
    out = []
    with engine.connect() as conn:
        last = dict(
            conn.execute(
                sa.select(imports.c.kind, sa.func.max(imports.c.imported_at)).group_by(
                    imports.c.kind
                )
            ).all()
        )
        for name, kind in KINDS.items():
            if name == "units":
                continue
            table = RECORD_TABLES[name]
            latest = _day(conn.execute(sa.select(sa.func.max(table.c[kind.date_column]))).scalar())
            if latest is None or latest < period.start:
                state = MISSING
            elif latest < period.end:
                state = STALE
            else:
                state = OK
            out.append(SourceState(name, kind.label, as_utc(last.get(name)), latest, state))
    return out


def import_log(engine: Engine, limit: int = 50) -> list[ImportLogEntry]:
    """The latest imports, newest first: when, which file and its SHA-256, what changed."""

    def upload(column: sa.Column[str]) -> sa.ScalarSelect[str]:
        return (
            sa.select(sa.func.max(column))
            .where(stored_files.c.sha256 == imports.c.sha256, stored_files.c.kind == "upload")
            .scalar_subquery()
        )

    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                imports,
                upload(stored_files.c.created_by).label("by"),
                upload(stored_files.c.name).label("upload_name"),
            )
            .order_by(imports.c.imported_at.desc(), imports.c.id.desc())
            .limit(limit)
        ).all()
    return [
        ImportLogEntry(
            as_utc(r.imported_at),  # type: ignore[arg-type]
            r.upload_name or r.file_name,
            r.kind,
            r.sha256,
            r.rows_added,
            r.rows_replaced,
            r.rows_unchanged,
            r.rows_rejected,
            r.by,
        )
        for r in rows
    ]
