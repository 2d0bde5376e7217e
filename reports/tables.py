"""The figures table as text cells: one layout for the terminal (``baocao figures``) and the
web page (Tuần này)."""

from __future__ import annotations

from dataclasses import dataclass

from reports import vi
from reports.model import FIGURE_INFO, FigureSet

COLUMNS = (
    ("current", "Kỳ này"),
    ("previous", "Kỳ trước"),
    ("last_year", "Cùng kỳ năm trước"),
    ("year_to_date", "Lũy kế từ đầu năm"),
)


@dataclass(frozen=True)
class FigureTable:
    header: tuple[str, ...]
    periods: tuple[str, ...]
    """Under each column's name, its dates (``21/9-28/9/2020``); '' under the label column."""
    rows: tuple[tuple[str, ...], ...]
    """The label, then each column's value as the report writes it (1.406; 92,0%)."""


def figure_table(fs: FigureSet) -> FigureTable:
    periods = fs.period.comparisons()
    comparisons = fs.comparisons
    rows = []
    for info in FIGURE_INFO:
        cells = [info.label]
        for key, _ in COLUMNS:
            value = comparisons[key].value(info.name)
            cells.append(vi.percent(value) if info.unit == "%" else vi.number(value))
        rows.append(tuple(cells))
    return FigureTable(
        ("Chỉ tiêu", *(label for _, label in COLUMNS)),
        ("", *(vi.period_label(periods[key]) for key, _ in COLUMNS)),
        tuple(rows),
    )
