"""Long work started from a page, run in a background thread with its progress kept for the
page: the all-units batch (:func:`~reports.produce.batch.generate_all_units`, the one
``baocao generate --all-units`` calls; its files zipped into one kept file) and a single report
with its PDF and page previews (:func:`~reports.produce.keep.generate_kept`). Both wait in the
same queue (:data:`MAX_RUNNING`): LibreOffice conversions started from the page never pile up.
Their results are kept files, listed on Báo cáo and Lịch sử after the page is left."""

from __future__ import annotations

import logging
import secrets
import tempfile
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from reports.accounts.audit import audit
from reports.core import period_names
from reports.core.errors import BaocaoError, Said
from reports.core.periods import ReportPeriod
from reports.produce import keep
from reports.produce.batch import UnitOutcome, generate_all_units
from reports.render import pdf_gate
from reports.settings.load import Settings

log = logging.getLogger(__name__)

UNEXPECTED = (
    "Đã có lỗi không mong đợi; chi tiết đã ghi vào nhật ký của máy chủ. "
    "Báo bộ phận CNTT kèm thời điểm xảy ra."
)

BATCH = "batch"
"""The kind of a kept batch zip in ``stored_files``."""


@dataclass(kw_only=True)
class Work:
    """One piece of long work started from a page, as far as it has gone."""

    id: str
    period: ReportPeriod
    by: str
    finished: bool = False
    error: str | None = None
    raised: Exception | None = field(default=None, repr=False, compare=False)
    """What stopped it, for a door to word (``error`` is the core's own message)."""
    waiting: bool = True
    """Queued behind the work already running (:data:`MAX_RUNNING`)."""
    ended: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    """Set once ``finished`` is: whoever waits for the work waits on this."""

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work has finished (True) or ``timeout`` seconds passed (False)."""
        return self.ended.wait(timeout)


@dataclass(kw_only=True)
class BatchProgress(Work):
    parent: str | None
    total: int | None = None
    done: int = 0
    failed: list[tuple[str, Said]] = field(default_factory=list)
    """Each unit that failed, and why (for a door to word)."""
    zip_id: int | None = None


@dataclass(kw_only=True)
class ReportProgress(Work):
    unit: str | None
    steps: tuple[str, ...]
    """:func:`reports.produce.keep.report_steps`: what the work goes through, in order."""
    step: str | None = None
    """The step under way (None before the first)."""
    report_id: int | None = None
    """The kept report's main file, once written."""

    @property
    def done(self) -> int:
        """How many steps are behind it."""
        if self.finished:
            return len(self.steps)
        return self.steps.index(self.step) if self.step in self.steps else 0


MAX_RUNNING = 1
"""Batches run one at a time (each already uses a process per core); the others wait."""
TURNS = threading.BoundedSemaphore(MAX_RUNNING)
"""The queue's turns: whoever holds one runs; batches and single reports alike."""

_WORK: dict[str, Work] = {}
_LOCK = threading.Lock()
KEPT_IN_MEMORY = 50
"""The newest pieces of work whose progress is remembered (their results are kept files)."""


def _remember(work: Work) -> None:
    with _LOCK:
        _WORK[work.id] = work
        for old in list(_WORK)[:-KEPT_IN_MEMORY]:
            if _WORK[old].finished:
                del _WORK[old]


def batch_progress(batch_id: str) -> BatchProgress | None:
    with _LOCK:
        found = _WORK.get(batch_id)
    return found if isinstance(found, BatchProgress) else None


def report_progress(work_id: str) -> ReportProgress | None:
    with _LOCK:
        found = _WORK.get(work_id)
    return found if isinstance(found, ReportProgress) else None


def recent_work(limit: int = 10) -> list[Work]:
    """The newest work first, running or finished, since this server started."""
    with _LOCK:
        return list(reversed(_WORK.values()))[:limit]


def _in_background(work: Work, run: Callable[[], None]) -> None:
    """Run ``run`` in its turn (one at a time), then mark ``work`` finished, with the error
    it raised shown on the page."""

    def queued() -> None:
        try:
            # bounded: a seventh batch waits instead of starting 25 more processes; no page
            # waits on this thread, so its conversions wait their turn however long it takes
            with TURNS, pdf_gate.patient():
                work.waiting = False
                run()
        except Exception as exc:  # noqa: BLE001 - shown on the page; the server keeps running
            log.exception("việc nền %s %s lỗi", type(work).__name__, work.id)
            work.raised = exc
            work.error = str(exc) if isinstance(exc, BaocaoError) else UNEXPECTED
        finally:
            work.finished = True
            work.ended.set()

    threading.Thread(target=queued, name=f"work-{work.id}", daemon=True).start()


def _begin(engine: Engine, work: Work, action: str, what: str, which: str) -> None:
    """Remember ``work`` for its page and write in Nhật ký that it began: "<what> kỳ <period>
    <which>"."""
    _remember(work)
    detail = f"{what} kỳ {period_names.period_short(work.period)}"
    audit(engine, work.by, action, f"{detail} {which}" if which else detail)


def start_batch(
    engine: Engine, settings: Settings, period: ReportPeriod, *, parent: str | None, by: str
) -> BatchProgress:
    """Start one report per unit (of ``parent``'s branch, or all) and return its progress."""
    progress = BatchProgress(id=secrets.token_hex(8), period=period, parent=parent, by=by)
    which = f"nhánh {parent}" if parent else ""
    _begin(engine, progress, "generate.batch", "viết báo cáo các đơn vị", which)

    def on_start(total: int) -> None:
        progress.total = total

    def on_done(outcome: UnitOutcome) -> None:
        progress.done += 1
        if not outcome.ok:
            progress.failed.append((outcome.code, outcome.said or Said(outcome.error or "")))

    def run() -> None:
        with tempfile.TemporaryDirectory(prefix="baocao-batch-") as tmp:
            out = Path(tmp) / "out"
            generate_all_units(
                engine,
                settings,
                period,
                parent=parent,
                out_dir=out,
                on_start=on_start,
                on_done=on_done,
            )
            bundle = Path(tmp) / f"bao-cao-cac-don-vi-{period.slug()}.zip"
            with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as z:
                for path in sorted(out.rglob("*")):
                    if path.is_file():
                        z.write(path, path.relative_to(out).as_posix())
            kept = keep.keep_file(
                engine,
                settings,
                bundle,
                BATCH,
                by=by,
                meta={"period": period_names.period_short(period)},
            )
            progress.zip_id = kept.id

    _in_background(progress, run)
    return progress


def start_report(
    engine: Engine,
    settings: Settings,
    period: ReportPeriod,
    *,
    unit: str | None,
    by: str,
    formats: tuple[str, ...] | None = None,
) -> ReportProgress:
    """Start one report (the office's, or ``unit``'s) with its PDF and page previews, in the
    queue the batches wait in; its progress step by step."""
    formats = formats or keep.page_formats()
    progress = ReportProgress(
        id=secrets.token_hex(8),
        period=period,
        unit=unit,
        by=by,
        steps=keep.report_steps(formats),
    )
    _begin(engine, progress, "generate", "viết báo cáo", f"đơn vị {unit}" if unit else "")

    def on_step(step: str) -> None:
        progress.step = step

    def run() -> None:
        kept = keep.generate_kept(
            engine, settings, period, unit=unit, by=by, formats=formats, on_step=on_step
        )
        progress.report_id = kept.id

    _in_background(progress, run)
    return progress
