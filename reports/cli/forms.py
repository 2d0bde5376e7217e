"""forms: the official statistical forms (Biểu 06/VPCP/KSTT …); edxml: the edXML package."""

from __future__ import annotations

from pathlib import Path

import click

from reports.cli.app import cli, echo_lines, engine_of, settings_of
from reports.cli.file_options import file_options
from reports.cli.period_option import period_options, required_period


@cli.group()
def forms() -> None:
    """Biểu mẫu thống kê chính thức (Biểu số 06/VPCP/KSTT …)."""


@forms.command("list")
def forms_list() -> None:
    """Các biểu có sẵn, căn cứ ban hành và kỳ lập."""
    from reports.forms.catalog import FORMS, KIND_WORDS

    for spec in FORMS.values():
        kinds = ", ".join(KIND_WORDS[k] for k in spec.periods)
        echo_lines(
            [f"{spec.code}\t{spec.title.capitalize()}", f"\t{spec.legal_basis}; lập theo: {kinds}"]
        )


@forms.command("generate")
@click.argument("code", metavar="BIỂU")
@period_options()
@file_options(
    unit_help="Biểu của một đơn vị (tính cả các đơn vị trực thuộc).",
    formats="xlsx,docx",
    formats_help="xlsx, docx, pdf, cách nhau bởi dấu phẩy.",
)
@click.pass_context
def forms_generate(
    ctx: click.Context,
    code: str,
    period_text: str | None,
    start: str | None,
    end: str | None,
    unit: str | None,
    formats: str,
    out_dir: str | None,
) -> None:
    """Lập biểu cho kỳ và in đường dẫn từng tệp; báo các đẳng thức không khớp."""
    from reports.forms.generate import fill_form, parse_form_formats, write_form

    chosen = parse_form_formats(formats)
    settings = settings_of(ctx)
    period = required_period(settings, period_text, start, end)
    engine = engine_of(ctx)
    filled = fill_form(engine, settings, code, period, unit)
    out = Path(out_dir).resolve() if out_dir else settings.output_dir
    paths = write_form(engine, settings, filled, chosen, out)
    echo_lines([str(p) for p in paths])
    problems = filled.problems()
    if problems:
        echo_lines([f"Cảnh báo: {p}" for p in problems])
        ctx.exit(3)


@cli.command("edxml")
@click.argument("run_id", metavar="LẦN_CHẠY", type=int)
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="Tệp gói edXML sẽ ghi (ví dụ bao-cao.edxml).",
)
@click.pass_context
def edxml_cmd(ctx: click.Context, run_id: int, out_file: str) -> None:
    """Lập gói edXML (QCVN 102:2016) của văn bản đã ban hành ở lần chạy LẦN_CHẠY."""
    from reports.exchange.edxml_write import write_edxml

    path = write_edxml(engine_of(ctx), settings_of(ctx), run_id, Path(out_file).resolve())
    echo_lines([str(path)])
