"""Run a job now, from a page: the same :func:`run_job` the scheduler and ``baocao jobs run``
call (claimed in the ledger like any run), in a thread so that the page does not wait."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from reports.accounts.users import audit
from reports.core import period_names
from reports.core.period_time import refuse_unended
from reports.core.periods import ReportPeriod
from reports.schedule.overrides import effective_job
from reports.schedule.runner import run_job
from reports.settings.load import Settings

log = logging.getLogger(__name__)


def start_run(
    engine: Engine,
    settings: Settings,
    job_id: str,
    period: ReportPeriod | None,
    *,
    by: str,
    force: bool = False,
) -> tuple[ReportPeriod, threading.Thread]:
    """Start ``job_id`` for ``period`` (default: the period a run now would report on)."""
    job = effective_job(engine, settings, job_id)
    chosen = period or job.period_for(datetime.now(UTC), settings)
    refuse_unended(chosen, datetime.now(UTC).astimezone(job.tz).date(), f"Chạy ngay {job.id}")
    audit(
        engine,
        by,
        "job.run",
        f"chạy ngay {job.id} kỳ {period_names.period_short(chosen)}",
    )

    def work() -> None:
        try:
            outcome = run_job(engine, settings, job, chosen, force=force)
            log.info("job %s run from the web for %s: %s", job.id, chosen.slug(), outcome.status)
        except Exception:  # noqa: BLE001 - a failing run is recorded by run_job; never kill the server
            log.exception("job %s run from the web for %s raised", job.id, chosen.slug())

    thread = threading.Thread(target=work, name=f"run-{job.id}", daemon=True)
    thread.start()
    return chosen, thread
