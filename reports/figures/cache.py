"""The figures and the data's state of a period, kept until the next import.

Every import writes a row in ``imports`` in the same transaction as its records, so the newest
import's id says whether anything counted may have changed. Tuần này, opened by every user
many times a week, then costs one indexed lookup instead of the figures' queries.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.core.model import FigureSet
from reports.core.periods import ReportPeriod
from reports.figures.datastate import SourceState, data_state
from reports.figures.indicators import engine_figure_set
from reports.store.schema import imports

_SIZE = 64
_lock = threading.Lock()
_cache: OrderedDict[tuple[object, ...], tuple[FigureSet, list[SourceState]]] = OrderedDict()


def data_version(engine: Engine) -> tuple[object, ...]:
    """Changes whenever an import is committed (the newest import's id and how many there are)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(sa.func.max(imports.c.id), sa.func.count())).one()
    return (engine.url.render_as_string(hide_password=True), row[0], row[1])


def week_at_a_glance(
    engine: Engine, period: ReportPeriod, unit: str | None, trend_periods: int
) -> tuple[FigureSet, list[SourceState]]:
    """The figure set and the data's state (:mod:`reports.figures.datastate`) of ``period``,
    computed once per import."""
    key = (data_version(engine), period, unit, trend_periods)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = (engine_figure_set(engine, period, unit, trend_periods), data_state(engine, period))
    with _lock:
        _cache[key] = value
        while len(_cache) > _SIZE:
            _cache.popitem(last=False)
    return value
