"""generate: the report of one period, for one unit or every unit."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reports.cli.app import cli, echo_lines, engine_of, settings_of
from reports.cli.file_options import file_options
from reports.cli.period_option import period_options, required_period
from reports.cli.sections import read_sections

if TYPE_CHECKING:
    from reports.core.periods import ReportPeriod


@cli.command()
@period_options()
@file_options(
    unit_help="Báo cáo cho một đơn vị (tính cả các đơn vị trực thuộc).",
    formats="docx,xlsx",
    formats_help="docx, xlsx, pdf, cách nhau bởi dấu phẩy.",
)
@click.option(
    "--date", "issued", metavar="NGÀY", help="Ngày ban hành ghi trên báo cáo (mặc định: hôm nay)."
)
@click.option("--no-figures-section", is_flag=True, help="Bỏ phần III (bảng số liệu và biểu đồ).")
@click.option(
    "--all-units", is_flag=True, help="Một báo cáo cho mỗi đơn vị, mỗi đơn vị một thư mục."
)
@click.option("--parent", help="Với --all-units: chỉ các đơn vị trực thuộc đơn vị này.")
@click.option("--workers", type=click.IntRange(1, 64), help="Số tiến trình (mặc định: số lõi CPU).")
@click.option(
    "--email", "emails", metavar="ĐỊA_CHỈ,…", help="Gửi ngay các tệp tới những địa chỉ này."
)
@click.option(
    "--sections",
    "sections_file",
    type=click.Path(dir_okay=False),
    metavar="TỆP",
    help="Các phần do người viết (Đánh giá chung, Nhiệm vụ trọng tâm kỳ tới, Kiến nghị, đề "
    "xuất): tệp văn bản, mỗi phần bắt đầu bằng dòng '# Tên phần'.",
)
@click.pass_context
def generate(
    ctx: click.Context,
    period_text: str | None,
    start: str | None,
    end: str | None,
    unit: str | None,
    formats: str,
    out_dir: str | None,
    issued: str | None,
    no_figures_section: bool,
    all_units: bool,
    parent: str | None,
    workers: int | None,
    emails: str | None,
    sections_file: str | None,
) -> None:
    """Viết báo cáo của kỳ (Word, Excel, PDF) và in đường dẫn từng tệp."""
    from reports.core.errors import UsageError
    from reports.core.period_pick import parse_cli_date
    from reports.produce.pipeline import generate as run_generate
    from reports.produce.pipeline import parse_formats

    chosen = parse_formats(formats)
    settings = settings_of(ctx)
    period = required_period(settings, period_text, start, end)
    if all_units or parent:
        if unit:
            raise UsageError(
                "--unit và --all-units không dùng cùng nhau; dùng --parent để chọn nhánh"
            )
        _generate_all(
            ctx,
            period,
            chosen,
            Path(out_dir).resolve() if out_dir else settings.output_dir,
            parent=parent,
            workers=workers,
            issued_on=parse_cli_date(issued, "--date") if issued else None,
        )
        return
    if emails:
        from datetime import UTC, datetime

        from reports.core.period_time import refuse_unended
        from reports.produce import preflight

        # a send: not of a period still running, and not after writing files for nothing
        refuse_unended(period, datetime.now(UTC).astimezone(settings.tz).date(), "--email")
        preflight.templates(settings, mail=True, kind=period.kind)  # before any file is written
    report, paths = run_generate(
        engine_of(ctx),
        settings,
        period,
        unit=unit,
        formats=chosen,
        out_dir=Path(out_dir).resolve() if out_dir else settings.output_dir,
        issued_on=parse_cli_date(issued, "--date") if issued else None,
        show_figures_section=False if no_figures_section else None,
        written=read_sections(sections_file) if sections_file else (),
    )
    echo_lines([str(p) for p in paths])
    if emails:
        from reports.runs.manual import send_generated

        lines = send_generated(engine_of(ctx), settings, report, paths, emails, unit=unit or "")
        for line in lines:
            click.echo(line, err=True)


def _generate_all(
    ctx: click.Context,
    period: ReportPeriod,
    formats: Sequence[str],
    out_dir: Path,
    *,
    parent: str | None,
    workers: int | None,
    issued_on: date | None,
) -> None:
    from reports.produce.batch import UnitOutcome, generate_all_units

    settings = settings_of(ctx)
    interactive = sys.stderr.isatty()
    state: dict[str, Any] = {}

    def on_start(total: int) -> None:
        if interactive:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            progress = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                transient=True,
            )
            progress.start()
            state["progress"] = progress
            state["task"] = progress.add_task("Đang viết báo cáo các đơn vị", total=total)
        else:
            click.echo(f"Viết báo cáo cho {total} đơn vị…", err=True)
        state["total"] = total
        state["done"] = 0

    def on_done(outcome: UnitOutcome) -> None:
        state["done"] += 1
        if "progress" in state:
            state["progress"].advance(state["task"])
        else:
            status = "xong" if outcome.ok else f"LỖI: {outcome.error}"
            click.echo(f"[{state['done']}/{state['total']}] {outcome.code}: {status}", err=True)

    try:
        summary = generate_all_units(
            engine_of(ctx),
            settings,
            period,
            parent=parent,
            formats=formats,
            out_dir=out_dir,
            workers=workers,
            issued_on=issued_on,
            on_start=on_start,
            on_done=on_done,
        )
    finally:
        if "progress" in state:
            state["progress"].stop()
    for outcome in summary.written:
        echo_lines([str(p) for p in outcome.paths])
    click.echo(
        f"Đã viết báo cáo cho {len(summary.written)} đơn vị, lỗi {len(summary.failed)} đơn vị "
        f"(thư mục {out_dir}).",
        err=True,
    )
    for outcome in summary.failed:
        click.echo(f"  {outcome.code} ({outcome.name}): {outcome.error}", err=True)
    if summary.failed:
        ctx.exit(8)
