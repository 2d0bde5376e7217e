"""The data-completeness gate (số liệu tạm tính).

Each import records the latest day its data covers (``imports.data_until``: its rows' latest
day, or the export's cut-off given with ``--as-of``) and the one unit it belongs to when it is a
unit's own export. The settings list the sources a report expects (``[completeness] sources``);
a report whose period ends after a source's cut-off is provisional: it says so under its title
and in its workbook, and the approver's mail warns. A period whose figures are all zero is
incomplete too (nothing was imported for it). A job then holds its run or sends it marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reports.core import period_names, vi
from reports.core.domain import KINDS
from reports.core.model import FIGURE_INFO, Figures, Report
from reports.core.periods import ReportPeriod
from reports.settings.load import Settings
from reports.store.schema import imports, units

PROVISIONAL_PREFIX = "Số liệu tạm tính: chưa có số liệu của "
ALL_ZERO = "mọi số liệu của kỳ đều bằng 0 (chưa nhập số liệu của kỳ này?)"


@dataclass(frozen=True)
class Gap:
    """An expected source whose imports do not reach the period's last day."""

    kind: str
    unit: str | None
    unit_name: str | None
    covered_until: date | None
    """The latest day its imports cover; None when none of them says (or none was made)."""

    @property
    def text(self) -> str:
        label = KINDS[self.kind].label
        if self.unit:
            label += f" của {self.unit_name or self.unit}"
        if self.covered_until is None:
            return label
        return f"{label} sau ngày {vi.numeric_date(self.covered_until)}"


def covered_until(conn: Connection, kind: str, unit: str | None = None) -> date | None:
    """The latest day the imports of ``kind`` cover: the whole office's, or ``unit``'s own
    exports and the whole office's."""
    where = (
        imports.c.unit.is_(None)
        if unit is None
        else sa.or_(imports.c.unit.is_(None), imports.c.unit == unit)
    )
    value = conn.execute(
        sa.select(sa.func.max(imports.c.data_until)).where(imports.c.kind == kind, where)
    ).scalar()
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def gaps(conn: Connection, settings: Settings, period: ReportPeriod) -> list[Gap]:
    """The expected sources that do not cover ``period`` up to its last day."""
    out = []
    for entry in settings.completeness.sources:
        kind, _, unit = entry.partition(":")
        until = covered_until(conn, kind, unit or None)
        if until is None or until < period.end:
            name = (
                conn.execute(sa.select(units.c.name).where(units.c.code == unit)).scalar()
                if unit
                else None
            )
            out.append(Gap(kind, unit or None, name, until))
    return out


def provisional_line(found: list[Gap]) -> str:
    """``Số liệu tạm tính: chưa có số liệu của hồ sơ TTHC sau ngày 25/9/2020.`` (or "")."""
    if not found:
        return ""
    return PROVISIONAL_PREFIX + "; ".join(g.text for g in found) + "."


def all_zero(figures: Figures) -> bool:
    """Every figure of the period is 0: most likely nothing was imported for it yet. Dossiers
    overdue and still open are carried from before the period, so they do not count."""
    return all(
        not figures.value(info.name) for info in FIGURE_INFO if info.name != "dossiers_overdue_open"
    )


def incomplete_reasons(report: Report, *, zero_is_incomplete: bool = True) -> list[str]:
    """Why ``report`` is not complete: its provisional line, all-zero figures; [] if it is."""
    reasons = [report.provisional] if report.provisional else []
    if zero_is_incomplete and all_zero(report.figures.current):
        reasons.append(f"Kỳ {period_names.period_short(report.period)}: {ALL_ZERO}.")
    return reasons
