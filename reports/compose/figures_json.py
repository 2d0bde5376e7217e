"""A figure set as plain data for machines (``baocao figures --json``)."""

from __future__ import annotations

from typing import Any

from reports.core import period_names
from reports.core.model import FIGURE_INFO, FigureSet


def _stock_free(key: str, figures: dict[str, Any]) -> dict[str, Any]:
    """A stock figure has no year to date (``null``), as in every table (issue 19)."""
    if key != "year_to_date":
        return figures
    return {k: None if k in _STOCKS else v for k, v in figures.items()}


_STOCKS = frozenset(info.name for info in FIGURE_INFO if info.stock)


def figures_json(fs: FigureSet) -> dict[str, Any]:
    """The figures of a period with its comparisons and trend, as ``baocao figures --json``
    prints them: ISO dates, the period's name and trend labels in Vietnamese."""
    periods = fs.period.comparisons()

    return {
        "unit": fs.unit,
        "kind": fs.period.kind,
        "name": period_names.period_name(fs.period),
        "periods": {
            k: {"from": p.start.isoformat(), "to": p.end.isoformat()} for k, p in periods.items()
        },
        "figures": {k: _stock_free(k, f.as_dict()) for k, f in fs.comparisons.items()},
        "trend": [
            {
                "from": p.start.isoformat(),
                "to": p.end.isoformat(),
                "label": period_names.trend_label(p),
                "figures": None if f is None else f.as_dict(),
            }
            for p, f in fs.trend_points()
        ],
    }
