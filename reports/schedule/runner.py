"""Run one job for one period, exactly once: claim, write the files, mail each recipient.

The same function serves ``baocao jobs run`` and the scheduler: a run by hand is a run as the
scheduler would make it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from reports import vi
from reports.deliver import mail
from reports.errors import BaocaoError, DeliveryError
from reports.model import Report
from reports.periods import ReportPeriod
from reports.schedule import ledger
from reports.schedule.jobs import Job
from reports.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class RunOutcome:
    status: str
    """delivered, already-delivered, busy, failed"""
    message: str
    run_id: int | None = None
    files: list[Path] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 6 if self.status == "failed" else 0


def rerun_command(job: Job, period: ReportPeriod) -> str:
    return (
        f"baocao jobs run {job.id} --from {period.start.isoformat()} --to {period.end.isoformat()}"
    )


def _now() -> datetime:
    return datetime.now(UTC)


def run_job(
    engine: Engine,
    settings: Settings,
    job: Job,
    period: ReportPeriod,
    *,
    force: bool = False,
    out_dir: Path | None = None,
    owner: str | None = None,
    clock: Callable[[], datetime] = _now,
    sleep: Callable[[float], None] = time.sleep,
) -> RunOutcome:
    """Produce and deliver ``job`` for ``period``; failures are recorded and reported."""
    me = owner or ledger.default_owner()
    lease_s = settings.scheduler.lease_s
    unit = job.unit or ""
    claim = ledger.claim(
        engine, job.id, period, unit=unit, owner=me, now=clock(), lease_s=lease_s, force=force
    )
    if claim.held_by is not None:
        held = claim.held_by
        return RunOutcome(
            "busy",
            f"Công việc {job.id} kỳ {vi.period_short(period)} đang do {held.owner} thực hiện "
            f"(từ {held.started_at:%d/%m/%Y %H:%M} UTC); không làm lại.",
            held.id,
        )
    if claim.already_delivered is not None:
        done = claim.already_delivered
        when = done.finished_at or done.started_at
        return RunOutcome(
            "already-delivered",
            f"Công việc {job.id} kỳ {vi.period_short(period)} đã gửi lúc "
            f"{when:%d/%m/%Y %H:%M} UTC; "
            "không gửi lại (dùng --force để gửi lại).",
            done.id,
            list(done.files),
        )
    run = claim.run
    assert run is not None
    outcome = RunOutcome("failed", "", run.id)
    try:
        if job.units == "all":
            _run_all_units(engine, settings, job, period, outcome, out_dir, me, clock, sleep)
        else:
            report, files = _files(engine, settings, job, period, run, out_dir)
            outcome.files = files
            _deliver(engine, settings, run, job.recipients, report, files, outcome, clock, sleep)
    except BaocaoError as exc:
        outcome.failed["*"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - recorded and reported, never kills the scheduler
        log.exception("Job %s for %s crashed", job.id, period.slug())
        outcome.failed["*"] = f"{exc.__class__.__name__}: {exc}"
    if outcome.failed:
        error = "; ".join(f"{k}: {v}" if k != "*" else v for k, v in outcome.failed.items())
        ledger.finish(engine, run, ledger.FAILED, now=clock(), error=error)
        log.error("Job %s for %s failed: %s", job.id, period.slug(), error)
        outcome.message = (
            f"Công việc {job.id} kỳ {vi.period_short(period)} lỗi: {error}\n"
            f"Chạy lại: {rerun_command(job, period)}"
        )
        _tell_owner(settings, job, period, error, sleep)
        return outcome
    ledger.finish(engine, run, ledger.DELIVERED, now=clock())
    outcome.status = "delivered"
    outcome.message = (
        f"Công việc {job.id} kỳ {vi.period_short(period)}: đã gửi {len(outcome.sent)} người nhận."
    )
    log.info("Job %s for %s delivered to %d recipients", job.id, period.slug(), len(outcome.sent))
    return outcome


def _deliver(
    engine: Engine,
    settings: Settings,
    run: ledger.Run,
    recipients: tuple[str, ...],
    report: Report,
    files: list[Path],
    outcome: RunOutcome,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
) -> None:
    """Mail each recipient not yet mailed for ``run``, recording before and after."""
    lease_s = settings.scheduler.lease_s
    already = ledger.sent_recipients(engine, run)
    for recipient in recipients:
        if recipient in already:
            outcome.sent.append(recipient)
            continue
        ledger.renew(engine, run, now=clock(), lease_s=lease_s)
        msg = mail.build_message(
            settings,
            recipient=recipient,
            period=report.period,
            figures=report.figures.current,
            previous=report.figures.previous,
            files=files,
        )
        ledger.mark_delivery(engine, run, recipient, ledger.SENDING, now=clock())
        try:
            result = mail.send(settings.smtp, msg, recipient, sleep=sleep)
        except DeliveryError as exc:
            ledger.mark_delivery(engine, run, recipient, ledger.FAILED, now=clock(), error=str(exc))
            outcome.failed[recipient] = str(exc)
            continue
        ledger.mark_delivery(
            engine, run, recipient, ledger.SENT, now=clock(), message_id=result.message_id
        )
        outcome.sent.append(recipient)


def _run_all_units(
    engine: Engine,
    settings: Settings,
    job: Job,
    period: ReportPeriod,
    outcome: RunOutcome,
    out_dir: Path | None,
    me: str,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
) -> None:
    """``units = "all"``: every unit's report, each mailed to that unit's own recipients.

    Each unit's delivery is a run of its own in the ledger (job, period, unit), so a re-run
    after a failure mails only the units and people not yet mailed.
    """
    from reports.batch import generate_all_units

    target = (out_dir or settings.output_dir) / job.id / period.slug()
    summary = generate_all_units(
        engine, settings, period, parent=job.unit, formats=job.formats, out_dir=target
    )
    for unit in summary.outcomes:
        outcome.files.extend(unit.paths)
        if not unit.ok:
            outcome.failed[unit.code] = unit.error or "lỗi"
            continue
        recipients = job.unit_recipients.get(unit.code, ())
        if not recipients:
            continue
        sub = ledger.claim(
            engine,
            job.id,
            period,
            unit=unit.code,
            owner=me,
            now=clock(),
            lease_s=settings.scheduler.lease_s,
        )
        if sub.run is None:
            continue  # delivered before, or another process has it
        unit_outcome = RunOutcome("failed", "", sub.run.id)
        _deliver(
            engine,
            settings,
            sub.run,
            recipients,
            summary.reports[unit.code],
            list(unit.paths),
            unit_outcome,
            clock,
            sleep,
        )
        outcome.sent.extend(unit_outcome.sent)
        outcome.failed.update(unit_outcome.failed)
        status = ledger.FAILED if unit_outcome.failed else ledger.DELIVERED
        error = "; ".join(unit_outcome.failed.values()) or None
        ledger.finish(engine, sub.run, status, now=clock(), error=error)


def _files(
    engine: Engine,
    settings: Settings,
    job: Job,
    period: ReportPeriod,
    run: ledger.Run,
    out_dir: Path | None,
) -> tuple[Report, list[Path]]:
    from reports.pipeline import build_report_conn, write_files

    with engine.connect() as conn:
        report = build_report_conn(
            conn, settings, period, unit=job.unit, show_figures_section=job.figures_section
        )
        if run.files and all(f.exists() for f in run.files):
            return report, list(run.files)  # a resumed run mails the files it already wrote
        target = (out_dir or settings.output_dir) / job.id / period.slug()
        files = write_files(conn, settings, report, formats=job.formats, out_dir=target)
    ledger.record_files(engine, run, files)
    return report, files


def _tell_owner(
    settings: Settings, job: Job, period: ReportPeriod, error: str, sleep: Callable[[float], None]
) -> None:
    owner = job.owner or settings.smtp.owner
    if not owner:
        log.warning("Job %s for %s failed and no owner is set to be told", job.id, period.slug())
        return
    body = (
        f"Công việc {job.id} (tệp {job.source}) cho kỳ {vi.period_long(period)} "
        "không hoàn thành.\n\n"
        f"Lỗi: {error}\n\n"
        f"Sau khi khắc phục, chạy lại bằng lệnh:\n  {rerun_command(job, period)}\n"
        "Những người đã nhận thư sẽ không bị gửi lại.\n"
    )
    msg = mail.owner_message(
        settings, owner, f"[baocao] Lỗi công việc {job.id} kỳ {vi.period_short(period)}", body
    )
    try:
        mail.send(settings.smtp, msg, owner, sleep=sleep)
    except DeliveryError as exc:
        log.error("could not tell owner %s about job %s: %s", owner, job.id, exc)
