"""The figures table as text cells: one layout for the terminal (``baocao figures``) and the
web page (Tuần này)."""

from __future__ import annotations

from dataclasses import dataclass

from reports.core import period_names, vi
from reports.core.model import FIGURE_INFO, FigureSet

COLUMNS = (
    ("current", "ky_nay"),
    ("previous", "ky_truoc"),
    ("last_year", "cung_ky"),
    ("year_to_date", "luy_ke"),
)
"""Each comparison and its column in section III's headings (``period_labels``' ``ten_cot``)."""


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
    roles: tuple[str, ...] = (
        "Chỉ tiêu",
        "Kỳ này",
        "Kỳ trước",
        "Cùng kỳ năm trước",
        "Lũy kế từ đầu năm",
    )
    """What each column is, whatever the period's kind (the web page heads its table with it)."""


def figure_table(fs: FigureSet) -> FigureTable:
    from reports.compose.period_words import period_labels

    periods = fs.period.comparisons()
    names = period_labels(fs.period)["ten_cot"]  # "Tháng 3/2021", "Cùng kỳ tháng 3/2020"…
    header = ("Chỉ tiêu", *(names[column] for _, column in COLUMNS))
    dates = [period_names.period_short(periods[key]) for key, _ in COLUMNS]
    sub = ("", *(d if d not in h else "" for d, h in zip(dates, header[1:], strict=True)))
    comparisons = fs.comparisons
    rows = []
    for info in FIGURE_INFO:
        cells = [info.label]
        for key, _ in COLUMNS:
            value = comparisons[key].value(info.name) if fs.recorded(periods[key]) else None
            cells.append(vi.percent(value) if info.unit == "%" else vi.number(value))
        rows.append(tuple(cells))
    return FigureTable(header, sub, tuple(rows))
