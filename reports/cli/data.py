"""Commands that bring data in and show it: import, figures, units, demo."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reports.cli.app import cli, echo_lines, engine_of, settings_of
from reports.cli.period_option import period_options, required_period

if TYPE_CHECKING:
    from reports.core.model import FigureSet


def _import_lines(results: Sequence[Any]) -> list[str]:
    from reports.sources.check import import_line

    return [line for r in results for line in (import_line(r), *(f"  {n}" for n in r.notes))]


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--kind",
    help="Loại bản ghi: documents, dossiers, receptions, petitions, directives, highlights, units.",
)
@click.option("--mapping", type=click.Path(dir_okay=False), help="Tệp ánh xạ cột (TOML).")
@click.option("--encoding", help="Bảng mã của tệp CSV (mặc định: tự nhận UTF-8 / cp1258).")
@click.option(
    "--skip-invalid", is_flag=True, help="Nhập các dòng hợp lệ, ghi dòng lỗi ra tệp .rejected.csv."
)
@click.option(
    "--accept-unknown-units",
    is_flag=True,
    help="Nhập cả các dòng có mã đơn vị không có trong bảng units (và liệt kê các mã đó).",
)
@click.option(
    "--as-of",
    "as_of",
    metavar="NGÀY",
    help="Ngày chốt số liệu của tệp xuất (mặc định: ngày muộn nhất trong các dòng).",
)
@click.pass_context
def import_cmd(
    ctx: click.Context,
    files: tuple[str, ...],
    kind: str | None,
    mapping: str | None,
    encoding: str | None,
    skip_invalid: bool,
    accept_unknown_units: bool,
    as_of: str | None,
) -> None:
    """Nhập các tệp CSV/Excel xuất từ các hệ thống (tất cả hoặc không gì cả)."""
    from reports.core.period_pick import parse_cli_date
    from reports.schedule.intake import import_and_go_on

    packages = [Path(f) for f in files if Path(f).suffix.lower() == ".edxml"]
    if packages:  # edXML packages: documents and status, not record tables
        from reports.exchange.edxml_read import import_packages

        done = import_packages(engine_of(ctx), settings_of(ctx), packages)
        echo_lines([r.line() for r in done])
        files = tuple(f for f in files if Path(f).suffix.lower() != ".edxml")
        if not files:
            return
    intake = import_and_go_on(
        engine_of(ctx),
        settings_of(ctx),
        [Path(f) for f in files],
        kind=kind,
        mapping=Path(mapping) if mapping else None,
        encoding=encoding,
        skip_invalid=skip_invalid,
        as_of=parse_cli_date(as_of, "--as-of") if as_of else None,
        accept_unknown_units=accept_unknown_units,
    )
    echo_lines(_import_lines(intake.results))
    echo_lines(intake.warnings)  # the official forms' identities, checked after the import
    echo_lines(intake.held)  # runs waiting for this data went on (issue 15)


def _figures_table(fs: FigureSet) -> list[str]:
    from reports.compose.tables import figure_table

    table = figure_table(fs)
    rows = [list(table.header), list(table.periods), *(list(r) for r in table.rows)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(table.header))]
    lines = []
    for n, r in enumerate(rows):
        lines.append(
            "  ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(r)
            ).rstrip()
        )
        if n == 1:
            lines.append("  ".join("-" * w for w in widths))
    return lines


@cli.command()
@period_options()
@click.option("--unit", help="Mã đơn vị (tính cả các đơn vị trực thuộc).")
@click.option("--json", "as_json", is_flag=True, help="In ra JSON.")
@click.pass_context
def figures(
    ctx: click.Context,
    period_text: str | None,
    start: str | None,
    end: str | None,
    unit: str | None,
    as_json: bool,
) -> None:
    """In các số liệu của kỳ, với kỳ trước, cùng kỳ năm trước và lũy kế từ đầu năm."""
    from reports.compose.figures_json import figures_json
    from reports.figures.indicators import check_unit
    from reports.produce.pipeline import unit_figure_set
    from reports.store.db import empty_store_warning

    settings = settings_of(ctx)
    period = required_period(settings, period_text, start, end)
    with engine_of(ctx).connect() as conn:
        check_unit(conn, unit)
        fs = unit_figure_set(conn, settings, period, unit)
    if warning := empty_store_warning(engine_of(ctx), settings.database_url):
        click.echo(warning, err=True)
    if as_json:
        from reports.forms.generate import forms_json

        data = figures_json(fs) | {"forms": forms_json(engine_of(ctx), settings, period, unit)}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        echo_lines(_figures_table(fs))


@cli.command()
@click.option("--parent", help="Chỉ các đơn vị trực thuộc đơn vị này.")
@click.pass_context
def units(ctx: click.Context, parent: str | None) -> None:
    """Liệt kê các đơn vị (mã, tên, đơn vị cấp trên)."""
    from reports.figures.indicators import list_units
    from reports.store.db import empty_store_warning

    if warning := empty_store_warning(engine_of(ctx), settings_of(ctx).database_url):
        click.echo(warning, err=True)
    with engine_of(ctx).connect() as conn:
        rows = list_units(conn, parent)
    for code, name, parent_code in rows:
        click.echo(f"{code}\t{name}\t{parent_code or ''}")


# --- reports ------------------------------------------------------------------------------


@cli.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Tạo dữ liệu mẫu, nhập vào SQLite và viết báo cáo tuần 21/9-28/9/2020."""
    from reports.core.periods import ReportPeriod
    from reports.produce.pipeline import generate as run_generate
    from reports.sample.city import write_sample
    from reports.sources.importer import import_files

    settings = settings_of(ctx)
    folder = settings.data_dir / "sample"
    files = write_sample(folder)
    click.echo(f"Dữ liệu mẫu: {folder}")
    order = [
        "units",
        "documents",
        "dossiers",
        "receptions",
        "petitions",
        "directives",
        "highlights",
    ]
    results = import_files(engine_of(ctx), [files[k] for k in order if k in files])
    echo_lines(_import_lines(results))
    if any(r.kind == "dossiers" for r in results):  # the official form's identities, checked
        from reports.forms.generate import import_warnings

        echo_lines(import_warnings(engine_of(ctx), settings_of(ctx)))
    period = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
    _, paths = run_generate(
        engine_of(ctx),
        settings,
        period,
        formats=("docx", "xlsx"),
        out_dir=settings.output_dir,
        issued_on=date(2020, 9, 28),
    )
    click.echo(f"Cơ sở dữ liệu: {settings.database_url}")
    click.echo("Báo cáo tuần 21/9-28/9/2020:")
    echo_lines([f"  {p}" for p in paths])


# --- schedule & delivery -----------------------------------------------------------------
