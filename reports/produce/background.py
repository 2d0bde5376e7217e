"""The all-units batch started from a page: :func:`~reports.produce.batch.generate_all_units`
(the one ``baocao generate --all-units`` calls) in a background thread, its progress kept for the
page, its files zipped into one kept file to download."""

from __future__ import annotations

import logging
import secrets
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from reports.accounts.users import audit
from reports.core import period_names
from reports.core.periods import ReportPeriod
from reports.produce import keep
from reports.produce.batch import UnitOutcome, generate_all_units
from reports.settings.load import Settings

log = logging.getLogger(__name__)

BATCH = "batch"
"""The kind of a kept batch zip in ``stored_files``."""


@dataclass
class BatchProgress:
    id: str
    period: ReportPeriod
    parent: str | None
    by: str
    total: int | None = None
    done: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    finished: bool = False
    error: str | None = None
    zip_id: int | None = None
    ended: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    """Set once ``finished`` is: whoever waits for the batch waits on this."""

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the batch has finished (True) or ``timeout`` seconds passed (False)."""
        return self.ended.wait(timeout)

    waiting: bool = True
    """Queued behind the batches already running (:data:`MAX_RUNNING`)."""


MAX_RUNNING = 1
"""Batches run one at a time (each already uses a process per core); the others wait."""
_RUNNING = threading.BoundedSemaphore(MAX_RUNNING)

_BATCHES: dict[str, BatchProgress] = {}
_LOCK = threading.Lock()


def batch_progress(batch_id: str) -> BatchProgress | None:
    with _LOCK:
        return _BATCHES.get(batch_id)


def start_batch(
    engine: Engine, settings: Settings, period: ReportPeriod, *, parent: str | None, by: str
) -> BatchProgress:
    """Start one report per unit (of ``parent``'s branch, or all) and return its progress."""
    progress = BatchProgress(secrets.token_hex(8), period, parent, by)
    with _LOCK:
        _BATCHES[progress.id] = progress
    audit(
        engine,
        by,
        "generate.batch",
        f"viết báo cáo các đơn vị kỳ {period_names.period_short(period)}"
        + (f" nhánh {parent}" if parent else ""),
    )

    def on_start(total: int) -> None:
        progress.total = total

    def on_done(outcome: UnitOutcome) -> None:
        progress.done += 1
        if not outcome.ok:
            progress.failed.append((outcome.code, outcome.error or ""))

    def work() -> None:
        with _RUNNING:  # bounded: a seventh batch waits instead of starting 25 more processes
            progress.waiting = False
            run()

    def run() -> None:
        try:
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
        except Exception as exc:  # noqa: BLE001 - shown on the page; the server keeps running
            log.exception("batch %s failed", progress.id)
            progress.error = str(exc)
        finally:
            progress.finished = True
            progress.ended.set()

    threading.Thread(target=work, name=f"batch-{progress.id}", daemon=True).start()
    return progress
