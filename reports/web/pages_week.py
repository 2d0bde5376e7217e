"""Tuần này: the figures of the current period, their comparisons and trend, the data's state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, render_template, request

from reports.compose.tables import figure_table
from reports.core.errors import UsageError
from reports.core.periods import ReportPeriod, classify, parse_cli_date, week_before
from reports.figures.cache import week_at_a_glance
from reports.web.auth import allowed, core

bp = Blueprint("week", __name__)


def chosen_period(default: ReportPeriod) -> ReportPeriod:
    """The period of ``?tu=…&den=…`` (either date form), or ``default``."""
    start, end = request.args.get("tu", "").strip(), request.args.get("den", "").strip()
    if not start and not end:
        return default
    if not (start and end):
        raise UsageError("cần cả ngày đầu kỳ và ngày cuối kỳ")
    _, settings = core()  # with its kind, as the CLI's --from/--to (a cut-off month stays one)
    return classify(
        parse_cli_date(start, "Từ ngày"),
        parse_cli_date(end, "Đến ngày"),
        settings.periods.cutoffs,
        settings.report.week_convention,
    )


@bp.route("/")
@allowed("week")
def index() -> Any:
    engine, settings = core()
    default = week_before(datetime.now(settings.tz), settings.report.week_convention)
    period = chosen_period(default)
    unit = request.args.get("don_vi", "").strip() or None
    fs, sources = week_at_a_glance(engine, period, unit, settings.report.trend_periods)
    table = figure_table(fs)
    trend = [(p, f.documents_received) for p, f in fs.trend]
    top = max((v for _, v in trend), default=0) or 1
    return render_template(
        "week.html",
        period=period,
        unit=unit or "",
        table=table,
        trend=trend,
        top=top,
        sources=sources,
        tz=settings.tz,
    )
