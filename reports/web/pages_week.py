"""Tuần này: the figures of the current period, their comparisons and trend, the data's state."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request

from reports.approval.queue import waiting_for_others
from reports.compose.tables import figure_table
from reports.figures.cache import week_at_a_glance
from reports.figures.unit_queries import list_units
from reports.web.auth import allowed, core, queue
from reports.web.period_form import read_period, read_unit

bp = Blueprint("week", __name__)


@bp.route("/")
@allowed("week")
def index() -> Any:
    engine, settings = core()
    picked = read_period(settings, request.args, default_preset="tuan-truoc")
    with engine.connect() as conn:
        units = list_units(conn)
    unit = read_unit(units, request.args.get("don_vi", ""))
    waiting, redo = queue()
    others: list[Any] = []
    if g.user.role == "quan-tri":  # oversees: every draft waiting, apart from the ones for them
        others = waiting_for_others(engine, g.user.name, g.user.email)
    context: dict[str, Any] = {
        "picked": picked,
        "units": units,
        "unit": unit,
        "waiting": waiting,
        "redo": redo,
        "others": others,
        "tz": settings.tz,
    }
    if not picked.ok or unit.error:
        return render_template("week.html", **context), 400
    assert picked.period is not None
    period = picked.period
    fs, sources = week_at_a_glance(engine, period, unit.code, settings.report.trend_periods)
    trend = [(p, f.documents_received) for p, f in fs.trend]
    return render_template(
        "week.html",
        **context,
        period=period,
        table=figure_table(fs),
        trend=trend,
        top=max((v for _, v in trend), default=0) or 1,
        sources=sources,
    )
