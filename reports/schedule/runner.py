"""Run one job for one period, exactly once: claim, write the files, mail each recipient.

The same function serves ``baocao jobs run`` and the scheduler: a run by hand is a run as the
scheduler would make it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from reports import vi
from reports.deliver import mail
from reports.errors import BaocaoError, DeliveryError, JobError
from reports.model import Report
from reports.periods import ReportPeriod
from reports.schedule import ledger
from reports.schedule.jobs import Job
from reports.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class RunOutcome:
    status: str
    """delivered, already-delivered, busy (another process has it), taken-over (this process
    lost its lease to another while working), failed"""
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


def _local(moment: datetime, job: Job) -> str:
    """A ledger time as the office reads it: in the job's time zone."""
    return f"{moment.astimezone(job.tz):%H:%M %d/%m/%Y} ({job.timezone})"


class LeaseLost(JobError):
    """Another process took the run over after this one's lease ran out."""


class Lease:
    """Keeps a claimed run's lease alive while it works.

    A daemon thread renews it every third of ``lease_s`` (so a long rendering is not mistaken
    for a dead process); :meth:`renew` renews it at once and raises :class:`LeaseLost` if the
    run is no longer ours, so nobody is mailed by two processes.
    """

    def __init__(
        self,
        engine: Engine,
        run: ledger.Run,
        lease_s: int,
        clock: Callable[[], datetime],
        max_s: float | None = None,
    ) -> None:
        self.engine, self.run, self.lease_s, self.clock = engine, run, lease_s, clock
        self.max_s = max_s
        """Past this many seconds the lease is no longer renewed: a process stuck in its work
        (a hung render or mail server) loses the run to another instead of holding it."""
        self.started = clock()
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{run.id}", daemon=True)

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(max(self.lease_s / 3, 1.0)):
            if self._overdue():
                log.warning("run #%d passed its deadline: its lease is not renewed", self.run.id)
                self.lost = True
                return
            try:
                if not ledger.renew(self.engine, self.run, now=self.clock(), lease_s=self.lease_s):
                    self.lost = True
                    return
            except Exception:  # noqa: BLE001 - a database hiccup: the next beat tries again
                log.warning("could not renew the lease of run #%d", self.run.id, exc_info=True)

    def _overdue(self) -> bool:
        return self.max_s is not None and (self.clock() - self.started).total_seconds() > self.max_s

    def renew(self) -> None:
        if self._overdue():
            self.lost = True
            raise LeaseLost(
                f"Lần chạy #{self.run.id} ({self.run.job_id} kỳ "
                f"{vi.period_short(self.run.period)}) quá {self.max_s:g} giây "
                "(smtp.run_deadline_s); dừng tại đây, không gửi thêm cho ai. "
                "Xem 'baocao runs' rồi chạy lại."
            )
        if self.lost or not ledger.renew(
            self.engine, self.run, now=self.clock(), lease_s=self.lease_s
        ):
            self.lost = True
            raise LeaseLost(
                f"Lần chạy #{self.run.id} ({self.run.job_id} kỳ "
                f"{vi.period_short(self.run.period)}) đã được tiến trình khác tiếp quản vì quá "
                f"{self.lease_s} giây không gia hạn; dừng tại đây để không gửi trùng. "
                "Xem 'baocao runs' để biết kết quả."
            )


def run_job(
    engine: Engine,
    settings: Settings,
    job: Job,
    period: ReportPeriod,
    *,
    force: bool = False,
    out_dir: Path | None = None,
    now: datetime | None = None,
    owner: str | None = None,
    clock: Callable[[], datetime] = _now,
    sleep: Callable[[float], None] = time.sleep,
) -> RunOutcome:
    """Produce and deliver ``job`` for ``period``; failures are recorded and reported.

    ``now`` (aware) fixes the time the ledger sees for the whole run; ``clock`` is the same as
    a function, for tests that move time while the run works. The lease is renewed in the
    background while the files are written and before each recipient; a run that lost its lease
    (another process took it over) stops without mailing anyone else.
    """
    if now is not None:
        if now.tzinfo is None:
            raise ValueError("run_job: now must be an aware datetime")
        fixed = now
        clock = lambda: fixed  # noqa: E731
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
            f"(từ {_local(held.started_at, job)}); không làm lại.",
            held.id,
        )
    if claim.already_delivered is not None:
        done = claim.already_delivered
        when = done.finished_at or done.started_at
        return RunOutcome(
            "already-delivered",
            f"Công việc {job.id} kỳ {vi.period_short(period)} đã gửi lúc "
            f"{_local(when, job)}; "
            "không gửi lại (dùng --force để gửi lại).",
            done.id,
            list(done.files),
        )
    run = claim.run
    assert run is not None
    outcome = RunOutcome("failed", "", run.id)
    lease = Lease(engine, run, lease_s, clock, settings.smtp.run_deadline_s)
    try:
        with lease:
            if job.units == "all":
                _run_all_units(engine, settings, job, period, outcome, out_dir, me, clock, sleep)
            else:
                report, files = _files(engine, settings, job, period, run, out_dir)
                outcome.files = files
                _deliver(engine, settings, lease, job.recipients, report, files, outcome, sleep)
    except LeaseLost as exc:
        log.warning("Job %s for %s stopped: %s", job.id, period.slug(), exc)
        outcome.status, outcome.message = "taken-over", str(exc)
        return outcome
    except BaocaoError as exc:
        outcome.failed["*"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - recorded and reported, never kills the scheduler
        log.exception("Job %s for %s crashed", job.id, period.slug())
        outcome.failed["*"] = f"{exc.__class__.__name__}: {exc}"
    if outcome.failed:
        error = "; ".join(f"{k}: {v}" if k != "*" else v for k, v in outcome.failed.items())
        if not ledger.finish(engine, run, ledger.FAILED, now=clock(), error=error):
            log.warning("Job %s for %s: run #%d was taken over", job.id, period.slug(), run.id)
        log.error("Job %s for %s failed: %s", job.id, period.slug(), error)
        outcome.message = (
            f"Công việc {job.id} kỳ {vi.period_short(period)} lỗi: {error}\n"
            f"Chạy lại: {rerun_command(job, period)}"
        )
        _tell_owner(settings, job, period, error, sleep)
        return outcome
    if not ledger.finish(engine, run, ledger.DELIVERED, now=clock()):
        log.warning("Job %s for %s: run #%d was taken over", job.id, period.slug(), run.id)
    outcome.status = "delivered"
    outcome.message = (
        f"Công việc {job.id} kỳ {vi.period_short(period)}: đã gửi {len(outcome.sent)} người nhận."
    )
    log.info("Job %s for %s delivered to %d recipients", job.id, period.slug(), len(outcome.sent))
    return outcome


def _deliver(
    engine: Engine,
    settings: Settings,
    lease: Lease,
    recipients: tuple[str, ...],
    report: Report,
    files: list[Path],
    outcome: RunOutcome,
    sleep: Callable[[float], None],
) -> None:
    """Mail each recipient not yet mailed for the lease's run, recording before and after."""
    run, clock = lease.run, lease.clock
    already = ledger.sent_recipients(engine, run)
    for recipient in recipients:
        if recipient in already:
            outcome.sent.append(recipient)
            continue
        lease.renew()  # raises LeaseLost: someone else has the run now, they mail the rest
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
        try:
            with Lease(
                engine, sub.run, settings.scheduler.lease_s, clock, settings.smtp.run_deadline_s
            ) as unit_lease:
                _deliver(
                    engine,
                    settings,
                    unit_lease,
                    recipients,
                    summary.reports[unit.code],
                    list(unit.paths),
                    unit_outcome,
                    sleep,
                )
        except LeaseLost as exc:
            log.warning("Job %s for %s, unit %s stopped: %s", job.id, period.slug(), unit.code, exc)
            outcome.sent.extend(unit_outcome.sent)
            continue  # the process that took it over finishes this unit
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
