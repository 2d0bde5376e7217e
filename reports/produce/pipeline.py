"""One pipeline, two doors (CLI, scheduler): figures → report → files.

This is an edge: it reads the database and the clock, then hands pure values to the renderers.
Renderers are imported where used, so a command that renders nothing starts fast.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from reports.compose.assemble import compose_report
from reports.compose.unit_profile import absorbed_units, unit_header
from reports.core import vi
from reports.core.errors import ConfigError, UsageError
from reports.core.files import report_file_name
from reports.core.model import FigureSet, Report, UnitRow
from reports.core.periods import ReportPeriod
from reports.core.sections import WrittenSection, declared_sections
from reports.figures import indicators
from reports.figures.recorded import recorded_kinds
from reports.figures.unit_queries import root_unit
from reports.produce.details import Details, record_sheets, start_details
from reports.settings.load import Settings

log = logging.getLogger(__name__)

FORMATS = ("docx", "xlsx", "pdf")


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"docx,xlsx"`` → ``("docx", "xlsx")``, checked, duplicates removed, order kept."""
    items = text.split(",") if isinstance(text, str) else list(text)
    out: list[str] = []
    for item in (i.strip().lower() for i in items):
        if not item:
            continue
        if item not in FORMATS:
            raise UsageError(
                f"--format: không có định dạng {item!r}; chọn trong {', '.join(FORMATS)}"
            )
        if item not in out:
            out.append(item)
    if not out:
        raise UsageError(f"--format: cần ít nhất một định dạng ({', '.join(FORMATS)})")
    return tuple(out)


def running_line(period: ReportPeriod, day: date) -> str:
    """``Số liệu đến ngày 27/9/2020: kỳ chưa kết thúc …`` for a preview of a running period
    (it may be generated, never sent); "" for a period that has ended."""
    from reports.core.period_time import has_ended

    if has_ended(period, day):
        return ""
    return (
        f"Số liệu đến ngày {vi.numeric_date(day)}: kỳ chưa kết thúc (đến hết ngày "
        f"{vi.numeric_date(period.end)}), số liệu còn thay đổi."
    )


def today(settings: Settings) -> date:
    return datetime.now(settings.tz).date()


def build_report_conn(
    conn: Connection,
    settings: Settings,
    period: ReportPeriod,
    *,
    unit: str | None = None,
    issued_on: date | None = None,
    show_figures_section: bool | None = None,
    written: Sequence[WrittenSection] = (),
) -> Report:
    from reports.render.template_sections import written_titles  # the template's sections too

    indicators.check_unit(conn, unit)
    asked = unit
    if unit and unit == root_unit(conn):
        unit = None  # the root unit's report is the office's: its figures, header and signer
    header: dict[str, Any] = {}
    if unit:
        row = indicators.unit_rows(conn, [unit]).get(unit) or UnitRow(unit, unit)
        header = unit_header(settings, row)
    figures = unit_figure_set(conn, settings, period, unit)
    report = compose_report(
        settings,
        figures,
        indicators.period_directives(conn, period, unit),
        indicators.period_highlights(conn, period, unit),
        issued_on=issued_on or today(settings),
        show_figures_section=show_figures_section,
        written=declared_sections(written_titles(settings, period.kind), tuple(written)),
        **header,
    )
    if asked != unit:
        report = replace(report, unit_code=asked)
    from reports.figures.completeness import gaps, provisional_line

    lines = [provisional_line(gaps(conn, settings, period)), running_line(period, today(settings))]
    if line := " ".join(x for x in lines if x):
        report = replace(report, provisional=line)
    return report


def unit_figure_set(
    conn: Connection, settings: Settings, period: ReportPeriod, unit: str | None
) -> FigureSet:
    """The figures of the office or of one unit, with the units merged into it."""
    absorbed: dict[str, tuple[str, ...]] = {}
    if unit:
        row = indicators.unit_rows(conn, [unit]).get(unit) or UnitRow(unit, unit)
        absorbed = absorbed_units(settings, [row], [unit])
    figures = indicators.figure_set(conn, period, unit, settings.report.trend_periods, absorbed)
    if unit:  # a unit's report speaks only of what the unit records
        figures = replace(figures, record_kinds=recorded_kinds(conn, [unit], absorbed)[unit])
    return figures


def require_signer(settings: Settings, report: Report) -> None:
    """A unit's report is never signed by a blank (issue 19): the error says what to fill in."""
    if not report.unit_code or report.signer_name.strip():
        return
    code = report.unit_code
    if report.unit_name is None:  # the root unit's report is the office's: [signer] name
        raise ConfigError(
            "signer.name",
            f'chưa có tên người ký báo cáo của {code}; ghi name = "Họ và tên" trong [signer]',
            settings.source,
        )
    raise ConfigError(
        f"units.{code}.signer_name",
        f"chưa có tên người ký báo cáo của {report.unit_name} ({code}); ghi cột signer_name "
        f'của đơn vị trong units.csv rồi nhập lại, hoặc signer_name = "Họ và tên" trong '
        f"[units.{code}] của baocao.toml",
        settings.source,
    )


def write_files(
    conn: Connection,
    settings: Settings,
    report: Report,
    *,
    formats: Sequence[str],
    out_dir: Path,
    details: Details | None = None,
    on_step: Callable[[str], None] | None = None,
) -> list[Path]:
    """Render ``report`` in each format into ``out_dir``; each file appears only complete.
    ``on_step`` hears each format's name as its file is begun (a page's progress);
    ``details``: a child writing the workbook's detail sheets (:mod:`.details`)."""
    step = on_step or (lambda _: None)
    if "docx" in formats or "pdf" in formats:  # the signer's name is in the document
        require_signer(settings, report)
    period, unit = report.period, report.unit_code
    written: list[Path] = []
    if "pdf" in formats:
        from reports.render.pdf import warm_up

        warm_up()  # LibreOffice starts while the document is rendered
    docx_path: Path | None = None
    if "docx" in formats or "pdf" in formats:
        from reports.render.docx import render_docx, start_docx

    if "docx" in formats:
        step("docx")
        docx_path = out_dir / report_file_name(period, "docx", unit, draft=report.draft)
        # filled in the template child while this process writes the workbook
        finish_docx = start_docx(report, settings, docx_path)
        try:
            xlsx_path = _write_xlsx(conn, settings, report, formats, out_dir, details, step)
        except BaseException:
            with contextlib.suppress(Exception):
                finish_docx()  # frees the template child; the workbook's error is the one told
            raise
        try:
            written.append(finish_docx())
        except BaseException:
            if xlsx_path is not None:  # as before: nothing written after the report failed
                xlsx_path.unlink(missing_ok=True)
            raise
    else:
        xlsx_path = _write_xlsx(conn, settings, report, formats, out_dir, details, step)
    if xlsx_path is not None:
        written.append(xlsx_path)
    if "pdf" in formats:
        from reports.render.pdf import convert_to_pdf

        step("pdf")
        if docx_path is not None:
            written.append(convert_to_pdf(docx_path, out_dir, timeout_s=settings.pdf_timeout_s))
        else:
            with tempfile.TemporaryDirectory(prefix="baocao-") as tmp:
                source = Path(tmp) / report_file_name(period, "docx", unit, draft=report.draft)
                render_docx(report, settings, source)
                written.append(convert_to_pdf(source, out_dir, timeout_s=settings.pdf_timeout_s))
    return written


def _write_xlsx(
    conn: Connection,
    settings: Settings,
    report: Report,
    formats: Sequence[str],
    out_dir: Path,
    details: Details | None,
    step: Callable[[str], None],
) -> Path | None:
    """The workbook, when ``formats`` asks for it."""
    if "xlsx" not in formats:
        return None
    from reports.render.xlsx import render_xlsx

    step("xlsx")

    period, unit = report.period, report.unit_code
    xlsx_path = out_dir / report_file_name(period, "xlsx", unit, draft=report.draft)
    return render_xlsx(
        report,
        settings,
        xlsx_path,
        units=indicators.figures_by_unit(conn, period, unit),
        records=record_sheets(conn, period, unit),
        spilled=details,
    )


def generate(
    engine: Engine,
    settings: Settings,
    period: ReportPeriod,
    *,
    unit: str | None = None,
    formats: Sequence[str] = ("docx", "xlsx"),
    out_dir: Path,
    issued_on: date | None = None,
    show_figures_section: bool | None = None,
    written: Sequence[WrittenSection] = (),
    on_step: Callable[[str], None] | None = None,
) -> tuple[Report, list[Path]]:
    """Build the report and write it in ``formats``: the report, and its files in format order.

    The report is returned so that whoever mails the files reuses its figures. ``on_step``
    hears ``"figures"``, then each format (:func:`write_files`).
    """
    if "pdf" in formats:
        from reports.render.pdf import warm_up

        warm_up()  # LibreOffice starts while the figures are counted
    if on_step:
        on_step("figures")
    # the workbook's detail rows are written by a child meanwhile (forked before any connection)
    details = start_details(settings, period, unit, tuple(formats))
    try:
        with engine.connect() as conn:
            report = build_report_conn(
                conn,
                settings,
                period,
                unit=unit,
                issued_on=issued_on,
                show_figures_section=show_figures_section,
                written=written,
            )
            paths = write_files(
                conn,
                settings,
                report,
                formats=formats,
                out_dir=out_dir,
                details=details,
                on_step=on_step,
            )
    finally:
        if details is not None:
            details.close()
    log.info("đã viết %s cho kỳ %s: %s", ",".join(formats), period.slug(), paths)
    return report, paths
