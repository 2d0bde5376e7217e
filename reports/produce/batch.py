"""A report for every unit: figures for all units in one pass, rendering spread over processes.

The main process counts (one pass over the roll-ups for all units) and composes each unit's
:class:`Report` (pure values); worker processes render them, each loading the templates once
and opening its own database connection for the workbook's detail sheets. One unit failing does
not stop the others: its error is kept in its :class:`UnitOutcome`.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import date
from multiprocessing import get_context
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from reports.compose.assemble import compose_report
from reports.compose.unit_profile import absorbed_units, unit_header
from reports.core.children import temp_prefix
from reports.core.errors import BaocaoError, Said, UsageError
from reports.core.files import report_file_name, unit_file_key
from reports.core.model import Directive, Highlight, Report, UnitRow
from reports.core.periods import ReportPeriod
from reports.figures import indicators
from reports.figures.recorded import recorded_kinds
from reports.figures.unit_queries import root_unit
from reports.produce.pipeline import build_report_conn, require_signer, today, write_files
from reports.render import office_worker
from reports.settings.load import Settings
from reports.store.schema import unit_scope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UnitOutcome:
    code: str
    name: str
    paths: tuple[Path, ...] = ()
    error: str | None = None
    said: Said | None = None
    """The error as the core said it, with its next step, for a door to word."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class BatchSummary:
    outcomes: list[UnitOutcome] = field(default_factory=list)
    reports: dict[str, Report] = field(default_factory=dict)
    """Each unit's composed report, by unit code (for the mail body)."""

    @property
    def written(self) -> list[UnitOutcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[UnitOutcome]:
        return [o for o in self.outcomes if not o.ok]


def _scopes(conn: Connection, codes: Sequence[str]) -> dict[str, set[str]]:
    """descendant → the listed units it belongs to (itself included)."""
    out: dict[str, set[str]] = {}
    stmt = sa.select(unit_scope.c.ancestor, unit_scope.c.descendant).where(
        unit_scope.c.ancestor.in_(sa.bindparam("codes", expanding=True))
    )
    for ancestor, descendant in conn.execute(stmt, {"codes": list(codes)}):
        out.setdefault(descendant, set()).add(ancestor)
    return out


def compose_unit_reports(
    conn: Connection,
    settings: Settings,
    period: ReportPeriod,
    *,
    parent: str | None = None,
    issued_on: date,
) -> list[Report]:
    """Every unit's report (under ``parent`` when given), with a constant number of queries."""
    listed = indicators.list_units(conn, parent)
    if not listed:
        where = f" trực thuộc {parent}" if parent else ""
        raise UsageError(f"Không có đơn vị nào{where} trong bảng units; nhập tệp units.csv trước.")
    rows = indicators.unit_rows(conn, [code for code, _, _ in listed])
    # a unit dissolved before the period starts has no report of its own for it
    listed = [u for u in listed if not _dissolved(rows.get(u[0]), period)]
    codes = [code for code, _, _ in listed]
    root = root_unit(conn)
    absorbed = absorbed_units(settings, list(rows.values()), codes)
    sets = indicators.figure_sets(conn, period, codes, settings.report.trend_periods, absorbed)
    recorded = recorded_kinds(conn, codes, absorbed)  # a unit speaks only of what it records
    sets = {code: replace(sets[code], record_kinds=recorded[code]) for code in codes}
    scopes = _scopes(conn, codes)
    directives: dict[str, list[Directive]] = {c: [] for c in codes}
    for d, unit in indicators.directives_with_units(conn, period):
        for owner in scopes.get(unit or "", ()):
            directives[owner].append(d)
    highlights: dict[str, list[Highlight]] = {c: [] for c in codes}
    for h, unit in indicators.highlights_with_units(conn, period):
        for owner in scopes.get(unit or "", ()):
            highlights[owner].append(h)
    reports = []
    for code, name, _ in listed:
        if code == root:  # the root unit's report is the office's (issue 19)
            office = build_report_conn(conn, settings, period, issued_on=issued_on)
            reports.append(replace(office, unit_code=code))
            continue
        reports.append(
            compose_report(
                settings,
                sets[code],
                directives[code],
                highlights[code],
                issued_on=issued_on,
                **unit_header(settings, rows.get(code) or UnitRow(code, name)),
            )
        )
    return reports


def _dissolved(row: UnitRow | None, period: ReportPeriod) -> bool:
    return row is not None and row.dissolved_on is not None and row.dissolved_on < period.start


def _check_folders(codes: Sequence[str]) -> None:
    """Refuse, before anything is written, units whose folders would be the same one (on a
    file system that ignores case, as Windows shares do)."""
    by_folder: dict[str, list[str]] = {}
    for code in codes:
        by_folder.setdefault(unit_file_key(code).casefold(), []).append(code)
    clashes = [sorted(same) for same in by_folder.values() if len(same) > 1]
    if clashes:
        shown = "; ".join(" và ".join(repr(c) for c in same) for same in clashes[:10])
        raise UsageError(
            f"Các mã đơn vị sau trùng tên thư mục khi ghi báo cáo (không phân biệt hoa thường): "
            f"{shown}. Chưa ghi tệp nào; đổi mã đơn vị trong units.csv cho khác nhau."
        )


# --- workers -----------------------------------------------------------------------------

_worker_settings: Settings | None = None
_worker_engine: Engine | None = None


def _init_worker(settings: Settings) -> None:
    global _worker_settings, _worker_engine
    from reports.core.children import die_with_parent
    from reports.store.db import open_store

    die_with_parent()
    _worker_settings = settings
    _worker_engine = open_store(
        settings.database_url, migrate=False, busy_timeout_s=settings.database_busy_timeout_s
    )


def _attempt(code: str, name: str, work: Callable[[], tuple[Path, ...]]) -> UnitOutcome:
    """``work``'s files as the unit's outcome, or its error: one unit failing must not stop
    the others."""
    try:
        return UnitOutcome(code, name, work())
    except BaocaoError as exc:
        return UnitOutcome(code, name, error=str(exc), said=exc.said)
    except OSError as exc:
        return UnitOutcome(code, name, error=f"không ghi được {exc.filename}: {exc.strerror}")
    except Exception as exc:  # noqa: BLE001 - one unit failing must not stop the others
        log.exception("không viết được báo cáo của đơn vị %s", code)
        return UnitOutcome(code, name, error=f"{exc.__class__.__name__}: {exc}")


def _render_one(report: Report, formats: Sequence[str], out_dir: Path) -> UnitOutcome:
    assert _worker_settings is not None and _worker_engine is not None
    settings, engine = _worker_settings, _worker_engine
    code = report.unit_code or ""
    folder = out_dir / unit_file_key(code)

    def work() -> tuple[Path, ...]:
        with engine.connect() as conn:
            paths = write_files(conn, settings, report, formats=formats, out_dir=folder)
        if any(p.parent != folder for p in paths):  # a unit's mail carries its own files only
            raise RuntimeError(f"files of unit {code!r} outside its folder: {paths}")
        return tuple(paths)

    return _attempt(code, report.unit_name or code, work)


def _render_list(report: Report, formats: Sequence[str], out_dir: Path) -> list[UnitOutcome]:
    return [_render_one(report, formats, out_dir)]


PDF_BATCH = 25
"""Reports a worker converts to PDF with one ``soffice`` when there is no ``python3-uno``."""


def _render_batch(
    reports: Sequence[Report], formats: Sequence[str], out_dir: Path
) -> list[UnitOutcome]:
    """:func:`_render_one` for each of ``reports``, their PDFs made by one LibreOffice run
    (:func:`reports.render.pdf.convert_batch`) instead of one each."""
    from reports.render.docx import render_docx
    from reports.render.pdf import convert_batch

    assert _worker_settings is not None
    settings = _worker_settings
    other = tuple(f for f in formats if f != "pdf")
    outcomes: list[UnitOutcome] = []
    staged: list[tuple[UnitOutcome, Path, Path]] = []  # files so far, the .docx, the folder
    with tempfile.TemporaryDirectory(prefix=temp_prefix("pdfbatch")) as tmp:
        for n, report in enumerate(reports):
            outcome = _render_one(report, other, out_dir) if other else None
            if outcome is not None and not outcome.ok:
                outcomes.append(outcome)
                continue
            code = report.unit_code or ""
            folder = out_dir / unit_file_key(code)
            paths = outcome.paths if outcome is not None else ()

            def docx(
                report: Report = report, paths: tuple[Path, ...] = paths, n: int = n
            ) -> tuple[Path, ...]:
                made = [p for p in paths if p.suffix == ".docx"]
                if made:
                    return (made[0],)
                require_signer(settings, report)  # as write_files does for a PDF alone
                name = report_file_name(report.period, "docx", report.unit_code, draft=report.draft)
                return (render_docx(report, settings, Path(tmp) / str(n) / name),)

            source = _attempt(code, report.unit_name or code, docx)
            if not source.ok:
                outcomes.append(source)
                continue
            staged.append((UnitOutcome(code, source.name, paths), source.paths[0], folder))
        pdfs = convert_batch(
            [s for _, s, _ in staged], [f for _, _, f in staged], timeout_s=settings.pdf_timeout_s
        )
    for (done, _, _), pdf in zip(staged, pdfs, strict=True):
        if isinstance(pdf, Path):
            outcomes.append(replace(done, paths=(*done.paths, pdf)))
        else:
            outcomes.append(replace(done, error=str(pdf), said=pdf.said))
    return outcomes


def generate_all_units(
    engine: Engine,
    settings: Settings,
    period: ReportPeriod,
    *,
    parent: str | None = None,
    formats: Sequence[str] = ("docx", "xlsx"),
    out_dir: Path,
    workers: int | None = None,
    issued_on: date | None = None,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[UnitOutcome], None] | None = None,
) -> BatchSummary:
    """One report per unit, each in its own folder ``out_dir/<unit code>/``."""
    with engine.connect() as conn:
        reports = compose_unit_reports(
            conn, settings, period, parent=parent, issued_on=issued_on or today(settings)
        )
    _check_folders([r.unit_code or "" for r in reports])
    if on_start:
        on_start(len(reports))
    summary = BatchSummary(reports={r.unit_code or "": r for r in reports})
    workers = max(1, min(workers or os.cpu_count() or 1, len(reports)))
    ctx = get_context("spawn")
    # without python3-uno, PDFs are made a batch of reports at a time (one soffice each)
    batched = "pdf" in formats and not office_worker.available()
    size = max(1, min(PDF_BATCH, -(-len(reports) // workers))) if batched else 1
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(settings,)
    ) as pool:
        pending: set[Future[list[UnitOutcome]]] = {
            pool.submit(_render_batch, reports[i : i + size], tuple(formats), out_dir)
            if batched
            else pool.submit(_render_list, reports[i], tuple(formats), out_dir)
            for i in range(0, len(reports), size)
        }
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                for outcome in fut.result():
                    summary.outcomes.append(outcome)
                    if on_done:
                        on_done(outcome)
    summary.outcomes.sort(key=lambda o: o.code)
    return summary
