"""Which comparison columns a figures table shows, and the changes in them (issue 19).

One decision for the Word table, the workbook and ``baocao figures``: a column that would repeat
another is left out, decided from the period objects themselves (not by comparing values):

- a year's previous period *is* the same period last year: "Cùng kỳ" (and its change) goes;
- a period that starts the (cut-off) year — a year, the first half, the first quarter, January —
  *is* its own year to date: "Lũy kế" goes;
- a stock figure (:attr:`~reports.core.model.FigureInfo.stock`, a state at the period's end)
  has no year to date in any table.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.core import vi
from reports.core.model import FigureInfo
from reports.core.periods import ReportPeriod


@dataclass(frozen=True)
class Shown:
    """The comparison columns of a period's table (the current period is always shown)."""

    previous: bool
    last_year: bool
    year_to_date: bool

    def as_context(self) -> dict[str, bool]:
        """For templates: ``cot.ky_truoc``, ``cot.so_ky_truoc``, ``cot.cung_ky``, …"""
        return {
            "ky_nay": True,
            "ky_truoc": self.previous,
            "thay_doi": self.previous,
            "so_ky_truoc": self.previous,
            "cung_ky": self.last_year,
            "so_cung_ky": self.last_year,
            "luy_ke": self.year_to_date,
        }


def _same_days(a: ReportPeriod, b: ReportPeriod) -> bool:
    return (a.start, a.end) == (b.start, b.end)


def shown_columns(period: ReportPeriod) -> Shown:
    """What ``period``'s table shows beside the period itself."""
    previous = period.previous()
    return Shown(
        previous=True,
        last_year=not _same_days(period.same_period_last_year(), previous),
        year_to_date=not _same_days(period.year_to_date(), period),
    )


def has_year_to_date(info: FigureInfo, period: ReportPeriod) -> bool:
    """Whether the figure's row has a year to date (never for a stock)."""
    return shown_columns(period).year_to_date and not info.stock


def change(cur: float | None, base: float | None, unit: str) -> float | None:
    """The change from ``base`` to ``cur`` as the "% so với …" columns show it: a ratio for a
    count (+0,123 → "+12,3%"; nothing when the base is 0), percentage points for a rate
    (0,921 − 0,866 → +5,5)."""
    if cur is None or base is None:
        return None
    if unit == "%":
        return round((cur - base) * 100, 10)
    if base == 0:
        return None
    return (cur - base) / base


NBSP = "\u00a0"


def change_text(value: float | None, unit: str) -> str:
    """``+12,3%``, ``-4,0%``; for a rate ``+5,5 điểm %`` with non-breaking spaces ("%" never
    alone on a line); ``-`` when there is nothing to compare."""
    if value is None:
        return "-"
    sign = "+" if value > 0 else "-" if value < 0 else ""
    if unit == "%":
        return f"{sign}{vi.number(abs(value), 1)}{NBSP}điểm{NBSP}%"
    return sign + vi.percent(abs(value))
