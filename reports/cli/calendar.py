"""calendar: the year's days off and weekend days worked, as the scheduler sees them."""

from __future__ import annotations

import click

from reports.cli.app import cli, echo_lines, settings_of


@cli.command()
@click.argument("year", type=click.IntRange(1990, 2100))
@click.pass_context
def calendar(ctx: click.Context, year: int) -> None:
    """In các ngày nghỉ (lễ, Tết, nghỉ bù) và ngày làm bù cuối tuần của năm."""
    from datetime import date

    from reports.core import vi

    work = settings_of(ctx).calendar
    days = list(work.exceptions(year))
    lines = [f"Lịch làm việc năm {year} (ngày nghỉ lễ, nghỉ bù và ngày làm bù cuối tuần):"]
    width = max((len(vi.numeric_date(d.day)) for d in days), default=10)
    for d in days:
        status = "làm việc" if d.working else "nghỉ"
        lines.append(f"{vi.numeric_date(d.day):<{width}}  {d.weekday:<8}  {status:<8}  {d.name}")
    total = work.working_days(date(year, 1, 1), date(year, 12, 31))
    off = sum(not d.working for d in days)
    worked = sum(d.working for d in days)
    lines.append(
        f"Cộng: {off} ngày nghỉ, {worked} ngày làm bù; {total} ngày làm việc trong năm. "
        "Sửa ngày hoán đổi trong [calendar] của baocao.toml."
    )
    echo_lines(lines)
