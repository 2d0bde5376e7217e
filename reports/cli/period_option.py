"""The period options every command shares: ``--period`` or ``--from``/``--to``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from reports.core.periods import ReportPeriod
    from reports.settings.load import Settings

PERIOD_HELP = (
    "Kỳ báo cáo: 2021-03 (tháng), 2021-Q1 (quý), 2021-H1 (6 tháng), 2021 (năm), "
    "2021-W11 (tuần), 2021-03-15..2021-03-22 (khoảng ngày)."
)


def period_options(required: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add ``--period``, ``--from`` and ``--to`` to a command."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option("--to", "end", metavar="NGÀY", help="Ngày cuối kỳ (tính cả ngày này).")(f)
        f = click.option(
            "--from", "start", metavar="NGÀY", help="Ngày đầu kỳ (2020-09-21 hoặc 21/09/2020)."
        )(f)
        return click.option("--period", "period_text", metavar="KỲ", help=PERIOD_HELP)(f)

    return decorate


def chosen_period(
    settings: Settings, period_text: str | None, start: str | None, end: str | None
) -> ReportPeriod | None:
    """The period the options name, with its kind (``None`` when none is given).

    ``--from``/``--to`` that span exactly the office's week (``report.week_convention``), a
    month, a quarter, a half-year or a year (calendar or cut-off, as the settings say) are that
    kind of period; any other range is a plain range.
    """
    from reports.core.errors import UsageError
    from reports.core.period_input import parse_typed
    from reports.core.period_pick import parse_cli_date
    from reports.core.periods import classify

    cutoffs, convention = settings.periods.cutoffs, settings.report.week_convention
    if period_text and (start or end):
        raise UsageError("dùng --period hoặc --from/--to, không dùng cả hai")
    if period_text:
        return parse_typed(period_text, cutoffs, convention, label="--period")
    if bool(start) != bool(end):
        raise _missing("end" if start else "start")
    if start and end:
        first, last = parse_cli_date(start, "--from"), parse_cli_date(end, "--to")
        return classify(first, last, cutoffs, convention)
    return None


def _missing(name: str) -> click.MissingParameter:
    """Click's own "missing option" error (the CLI words it: "thiếu --to. Xem …")."""
    ctx = click.get_current_context()
    param = next(p for p in ctx.command.params if p.name == name)
    return click.MissingParameter(ctx=ctx, param=param)


def required_period(
    settings: Settings, period_text: str | None, start: str | None, end: str | None
) -> ReportPeriod:
    from reports.core.errors import UsageError

    period = chosen_period(settings, period_text, start, end)
    if period is None:
        raise UsageError(
            "cần chọn kỳ báo cáo: --period 2021-03 (hoặc 2021-Q1, 2021-H1, 2021, 2021-W11) "
            "hoặc --from 2021-03-15 --to 2021-03-22"
        )
    return period
