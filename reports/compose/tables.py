"""The figures table as text cells: one layout for the terminal (``baocao figures``) and the
web page (Tuần này)."""

from __future__ import annotations

from dataclasses import dataclass

from reports.compose.columns import shown_columns
from reports.core import period_names, vi
from reports.core.model import FIGURE_INFO, FigureSet

COLUMNS = (
    ("current", "ky_nay", "Kỳ này"),
    ("previous", "ky_truoc", "Kỳ trước"),
    ("last_year", "cung_ky", "Cùng kỳ năm trước"),
    ("year_to_date", "luy_ke", "Lũy kế từ đầu năm"),
)
"""Each comparison, its column in section III's headings (``period_labels``' ``ten_cot``) and
what it is whatever the period's kind."""


@dataclass(frozen=True)
class FigureTable:
    header: tuple[str, ...]
    """"Chỉ tiêu", then each column named like section III: "Tháng 3/2021", "Cùng kỳ …"."""
    periods: tuple[str, ...]
    """Under each column's name, its dates (``21/9-28/9/2020``) unless the name already says
    them (a week); '' under the label column."""
    rows: tuple[tuple[str, ...], ...]
    """The label, then each column's value as the report writes it (1.406; 92,0%; "-" for a
    period that ended before the first record, as in the Word report)."""
    roles: tuple[str, ...]
    """What each column is, whatever the period's kind (the web page heads its table with it);
    a column that would repeat another is left out (:func:`shown_columns`)."""


def figure_table(fs: FigureSet) -> FigureTable:
    from reports.compose.period_words import period_labels

    periods = fs.period.comparisons()
    shown = shown_columns(fs.period).as_context()
    columns = [c for c in COLUMNS if shown[c[1]]]
    names = period_labels(fs.period)["ten_cot"]  # "Tháng 3/2021", "Cùng kỳ tháng 3/2020"…
    header = ("Chỉ tiêu", *(names[column] for _, column, _ in columns))
    dates = [period_names.period_short(periods[key]) for key, _, _ in columns]
    sub = ("", *(d if d not in h else "" for d, h in zip(dates, header[1:], strict=True)))
    comparisons = fs.comparisons
    rows = []
    for info in FIGURE_INFO:
        cells = [info.label]
        for key, _, _ in columns:
            if key == "year_to_date" and info.stock:
                cells.append("")  # a stock has no year to date
                continue
            value = comparisons[key].value(info.name) if fs.recorded(periods[key]) else None
            cells.append(vi.percent(value) if info.unit == "%" else vi.number(value))
        rows.append(tuple(cells))
    roles = ("Chỉ tiêu", *(role for _, _, role in columns))
    return FigureTable(header, sub, tuple(rows), roles)
