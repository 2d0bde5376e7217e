"""``baocao generate --email``: the files just written, sent through the run ledger.

A send by hand is a run like any other (one send path): claimed in the ledger under the job id
:data:`MANUAL_JOB` as a new attempt each time it is asked for (an explicit request sends again),
its files recorded with their SHA-256, each recipient claimed, mailed and recorded once, so
Lịch sử and ``baocao runs`` show it and ``baocao resend`` can send it again. A period that has
not ended in the office's time zone is not sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from reports.core.errors import DeliveryError, JobError
from reports.core.model import Report
from reports.core.period_time import refuse_unended
from reports.deliver.manual import parse_recipients
from reports.runs import ledger
from reports.runs.lease import Lease, LeaseLost, RunOutcome
from reports.runs.send import deliver_run
from reports.settings.load import Settings

MANUAL_JOB = "generate"
"""The ledger's job id of sends made with ``baocao generate --email``."""


def send_generated(
    engine: Engine,
    settings: Settings,
    report: Report,
    files: Sequence[Path],
    recipients: str,
    *,
    unit: str = "",
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """Mail ``files`` (just written for ``report``) to each of ``recipients`` as a ledger run;
    one status line per recipient. Raises :class:`DeliveryError` listing the failures."""
    addresses = tuple(parse_recipients(recipients))
    now = datetime.now(UTC)
    refuse_unended(report.period, now.astimezone(settings.tz).date(), "--email")
    claim = ledger.claim(
        engine,
        MANUAL_JOB,
        report.period,
        unit=unit,
        owner=ledger.default_owner(),
        now=now,
        lease_s=settings.scheduler.lease_s,
        force=True,
    )
    if claim.run is None:
        holder = claim.held_by.owner if claim.held_by else "một tiến trình khác"
        raise JobError(f"--email: kỳ này đang được {holder} gửi; thử lại sau ít phút.")
    run = claim.run
    ledger.record_files(engine, run, list(files))
    outcome = RunOutcome("failed", "", run.id)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731
    try:
        with Lease(engine, run, settings.scheduler.lease_s, clock) as lease:
            deliver_run(engine, settings, lease, addresses, report, list(files), outcome, sleep)
    except LeaseLost as exc:
        raise DeliveryError(str(exc)) from exc
    lines = [f"Đã gửi tới {a} (lần chạy #{run.id})" for a in outcome.sent]
    if outcome.failed:
        error = "; ".join(f"{k}: {v}" for k, v in outcome.failed.items())
        ledger.finish(engine, run, ledger.FAILED, now=clock(), error=error)
        raise DeliveryError("\n".join(lines + list(outcome.failed.values())))
    ledger.finish(engine, run, ledger.DELIVERED, now=clock())
    return lines
