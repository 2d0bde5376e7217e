"""Delivering a run: each recipient claimed, mailed and recorded once; the owner told of a
failure with the command that runs it again."""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from reports.core.errors import DeliveryError
from reports.core.model import Report
from reports.core.period_names import period_long, period_short
from reports.core.periods import ReportPeriod
from reports.deliver import mail
from reports.runs import ledger
from reports.runs.jobs import Job
from reports.runs.lease import Lease, RunOutcome
from reports.settings.load import Settings

log = logging.getLogger(__name__)


def rerun_command(job: Job, period: ReportPeriod, settings: Settings | None = None) -> str:
    """The command that re-runs ``job`` for ``period`` as pasted into a shell: with the settings
    file and, when it is not the settings' default, the database (never with a password)."""
    words = ["baocao"]
    if settings is not None:
        if settings.source is not None:
            words += ["--settings", str(settings.source)]
        default_db = f"sqlite:///{settings.data_dir / 'baocao.sqlite'}"
        if settings.database_url != default_db:
            from reports.store.db import safe_url

            shown = safe_url(settings.database_url)
            if shown == settings.database_url:  # with a password it stays in BAOCAO_DB
                words += ["--db", shown]
    words += ["jobs", "run", job.id, "--from", period.start.isoformat()]
    words += ["--to", period.end.isoformat()]
    return shlex.join(words)


def local_time(moment: datetime, job: Job) -> str:
    """A ledger time as the office reads it: in the job's time zone."""
    return f"{moment.astimezone(job.tz):%H:%M %d/%m/%Y} ({job.timezone})"


def deliver_run(
    engine: Engine,
    settings: Settings,
    lease: Lease,
    recipients: tuple[str, ...],
    report: Report,
    files: list[Path],
    outcome: RunOutcome,
    sleep: Callable[[float], None],
    to: tuple[str, ...] = (),
    cc: tuple[str, ...] = (),
) -> None:
    """Mail each recipient not yet mailed for the lease's run, recording before and after."""
    run, clock = lease.run, lease.clock
    already = ledger.sent_recipients(engine, run)
    for recipient in recipients:
        if recipient in already:
            outcome.sent.append(recipient)
            continue
        msg = mail.build_message(
            settings,
            recipient=recipient,
            period=report.period,
            figures=report.figures.current,
            previous=report.figures.previous,
            files=files,
            to=to,
            cc=cc,
        )
        lease.claim_send(recipient)  # raises LeaseLost: the run is not ours (or not approved)
        try:
            result = mail.send(settings.smtp, msg, recipient, sleep=sleep)
        except DeliveryError as exc:
            ledger.mark_delivery(engine, run, recipient, ledger.FAILED, now=clock(), error=str(exc))
            outcome.failed[recipient] = str(exc)
            log.warning("thư báo cáo %s %s tới %s: lỗi: %s", run.job_id, run.period.slug(),
                        recipient, exc)  # fmt: skip
            continue
        ledger.mark_delivery(
            engine, run, recipient, ledger.SENT, now=clock(), message_id=result.message_id
        )
        log.info("thư báo cáo %s %s tới %s: đã gửi (%s)", run.job_id, run.period.slug(), recipient,
                 result.message_id)  # fmt: skip
        outcome.sent.append(recipient)


def tell_owner(
    settings: Settings,
    job: Job,
    period: ReportPeriod,
    error: str,
    sleep: Callable[[float], None],
    *,
    empty: bool = False,
) -> None:
    owner = job.owner or settings.smtp.owner
    if not owner:
        log.warning(
            "Công việc %s kỳ %s lỗi và chưa đặt người phụ trách để báo", job.id, period.slug()
        )
        return
    rerun = rerun_command(job, period, settings)
    body = (
        f"Công việc {job.id} (tệp {job.source}) cho kỳ {period_long(period)} "
        "không hoàn thành.\n\n"
        f"Lỗi: {error}\n\n"
        f"Sau khi khắc phục, chạy lại bằng lệnh:\n  {rerun}\n"
        "Những người đã nhận thư sẽ không bị gửi lại.\n"
    )
    subject = f"[baocao] Lỗi công việc {job.id} kỳ {period_short(period)}"
    if empty:
        subject = f"[baocao] Chưa gửi {job.id} kỳ {period_short(period)}: số liệu bằng 0"
        body += f"Gửi dù số liệu bằng 0:\n  {rerun} --send-empty\n"
    msg = mail.owner_message(settings, owner, subject, body)
    try:
        mail.send(settings.smtp, msg, owner, sleep=sleep)
    except DeliveryError as exc:
        log.error("không báo được cho người phụ trách %s về công việc %s: %s", owner, job.id, exc)
