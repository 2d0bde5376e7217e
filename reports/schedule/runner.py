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

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.accounts.users import approver_lookup
from reports.core import vi
from reports.core.errors import BaocaoError, DeliveryError, JobError
from reports.core.model import Report
from reports.core.periods import ReportPeriod
from reports.deliver import mail
from reports.figures.completeness import all_zero
from reports.produce import preflight
from reports.runs import ledger
from reports.runs.jobs import Job
from reports.schedule.resilient import is_retryable
from reports.settings.load import Settings

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


def rerun_command(job: Job, period: ReportPeriod, settings: Settings | None = None) -> str:
    """The command that re-runs ``job`` for ``period`` as pasted into a shell: with the settings
    file and, when it is not the settings' default, the database (never with a password)."""
    import shlex

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


def _now() -> datetime:
    return datetime.now(UTC)


def _local(moment: datetime, job: Job) -> str:
    """A ledger time as the office reads it: in the job's time zone."""
    return f"{moment.astimezone(job.tz):%H:%M %d/%m/%Y} ({job.timezone})"


class EmptyPeriod(JobError):
    """Every figure of the period is 0: the scheduler mails the owner, not the leaders."""


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
        also: sa.ColumnElement[bool] | None = None,
        max_s: float | None = None,
    ) -> None:
        self.engine, self.run, self.lease_s, self.clock = engine, run, lease_s, clock
        self.also = also
        """A further condition each renewal checks (an approved run: its approval stands)."""
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
                if not ledger.renew(
                    self.engine, self.run, now=self.clock(), lease_s=self.lease_s, also=self.also
                ):
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
            self.engine, self.run, now=self.clock(), lease_s=self.lease_s, also=self.also
        ):
            self._lost()

    def claim_send(self, recipient: str) -> None:
        """Renew and record ``recipient`` as being sent in one transaction, or raise LeaseLost."""
        if self.lost or not ledger.claim_send(
            self.engine,
            self.run,
            recipient,
            now=self.clock(),
            lease_s=self.lease_s,
            also=self.also,
        ):
            self._lost()

    def _lost(self) -> None:
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
    send_empty: bool = False,
) -> RunOutcome:
    """Produce and deliver ``job`` for ``period``; failures are recorded and reported.

    ``now`` (aware) fixes the time the ledger sees for the whole run; ``clock`` is the same as
    a function, for tests that move time while the run works. The lease is renewed in the
    background while the files are written and before each recipient; a run that lost its lease
    (another process took it over) stops without mailing anyone else. A period whose figures are
    all 0 is not mailed (the owner is told) unless ``send_empty``.
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
    if claim.awaiting is not None:
        return RunOutcome(
            "awaiting",
            f"Công việc {job.id} kỳ {vi.period_short(period)} đang chờ duyệt (lần chạy "
            f"#{claim.awaiting.id}); không tạo lại bản dự thảo (dùng --force để tạo lại).",
            claim.awaiting.id,
            list(claim.awaiting.files),
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
    lease = Lease(engine, run, lease_s, clock, max_s=settings.smtp.run_deadline_s)
    try:
        with lease:
            if job.units == "all":
                _run_all_units(engine, settings, job, period, outcome, out_dir, me, clock, sleep)
            else:
                preflight.templates(settings, mail=bool(job.recipients))
                report, files = _files(engine, settings, job, period, run, out_dir, send_empty)
                outcome.files = files
                from reports import approval  # the gate and the approval step (issue 15)

                stop = approval.before_delivery(
                    engine, settings, job, lease, report, files, outcome, sleep,
                    force=force, send_empty=send_empty, lookup=approver_lookup(engine),
                )  # fmt: skip
                if stop is not None:  # held, or waiting for approval, or sent as approved
                    return stop
                _deliver(engine, settings, lease, job.recipients, report, files, outcome, sleep)
    except LeaseLost as exc:
        log.warning("Job %s for %s stopped: %s", job.id, period.slug(), exc)
        outcome.status, outcome.message = "taken-over", str(exc)
        return outcome
    except EmptyPeriod as exc:
        return _empty(engine, settings, job, period, run, outcome, str(exc), clock, sleep)
    except BaocaoError as exc:
        outcome.failed["*"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - recorded and reported, never kills the scheduler
        if is_retryable(exc):
            raise  # the database, not the run: the caller retries, the run resumes where it was
        log.exception("Job %s for %s crashed", job.id, period.slug())
        outcome.failed["*"] = f"{exc.__class__.__name__}: {exc}"
    if outcome.failed:
        error = "; ".join(f"{k}: {v}" if k != "*" else v for k, v in outcome.failed.items())
        if not ledger.finish(engine, run, ledger.FAILED, now=clock(), error=error):
            log.warning("Job %s for %s: run #%d was taken over", job.id, period.slug(), run.id)
        log.error("Job %s for %s failed: %s", job.id, period.slug(), error)
        outcome.message = (
            f"Công việc {job.id} kỳ {vi.period_short(period)} lỗi: {error}\n"
            f"Chạy lại: {rerun_command(job, period, settings)}"
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
        msg = mail.build_message(
            settings,
            recipient=recipient,
            period=report.period,
            figures=report.figures.current,
            previous=report.figures.previous,
            files=files,
        )
        lease.claim_send(recipient)  # raises LeaseLost: the run is not ours (or not approved)
        try:
            result = mail.send(settings.smtp, msg, recipient, sleep=sleep)
        except DeliveryError as exc:
            ledger.mark_delivery(engine, run, recipient, ledger.FAILED, now=clock(), error=str(exc))
            outcome.failed[recipient] = str(exc)
            log.warning("delivery %s %s to %s: failed: %s", run.job_id, run.period.slug(),
                        recipient, exc)  # fmt: skip
            continue
        ledger.mark_delivery(
            engine, run, recipient, ledger.SENT, now=clock(), message_id=result.message_id
        )
        log.info("delivery %s %s to %s: sent (%s)", run.job_id, run.period.slug(), recipient,
                 result.message_id)  # fmt: skip
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
    from reports.produce.batch import generate_all_units

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
                engine,
                sub.run,
                settings.scheduler.lease_s,
                clock,
                max_s=settings.smtp.run_deadline_s,
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
    send_empty: bool = True,
) -> tuple[Report, list[Path]]:
    from reports.produce.pipeline import build_report_conn, write_files

    with engine.connect() as conn:
        report = build_report_conn(
            conn, settings, period, unit=job.unit, show_figures_section=job.figures_section
        )
        # an all-zero period: a job that holds incomplete data waits for it (reports.approval);
        # one that sends provisional data would mail zeros, so the owner is told instead
        if not send_empty and job.incomplete != "hold" and all_zero(report.figures.current):
            raise EmptyPeriod(
                f"mọi số liệu kỳ {vi.period_short(period)} đều bằng 0 (chưa nhập dữ liệu của kỳ "
                "này?); không gửi cho người nhận"
            )
        if job.approval:  # a draft: unnumbered, and saying what released document it replaces
            from reports.approval import prepare_draft

            report = prepare_draft(conn, job, report)
        if run.files and all(f.exists() for f in run.files):
            return report, list(run.files)  # a resumed run mails the files it already wrote
        target = (out_dir or settings.output_dir) / job.id / period.slug()
        files = write_files(conn, settings, report, formats=job.formats, out_dir=target)
    ledger.record_files(engine, run, files)
    return report, files


def _empty(
    engine: Engine,
    settings: Settings,
    job: Job,
    period: ReportPeriod,
    run: ledger.Run,
    outcome: RunOutcome,
    problem: str,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
) -> RunOutcome:
    """An all-zero period: recorded as not delivered (a later run may still send it), the owner
    told what to do; the leaders get nothing."""
    ledger.finish(engine, run, ledger.FAILED, now=clock(), error=problem)
    rerun = rerun_command(job, period, settings)
    outcome.status = "empty"
    outcome.message = (
        f"Công việc {job.id} kỳ {vi.period_short(period)}: {problem}.\n"
        f"Sau khi nhập dữ liệu, chạy lại: {rerun}\n"
        f"Gửi dù số liệu bằng 0: {rerun} --send-empty"
    )
    log.warning("Job %s for %s not mailed: all figures are 0", job.id, period.slug())
    _tell_owner(settings, job, period, problem, sleep, empty=True)
    return outcome


def _tell_owner(
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
        log.warning("Job %s for %s failed and no owner is set to be told", job.id, period.slug())
        return
    rerun = rerun_command(job, period, settings)
    body = (
        f"Công việc {job.id} (tệp {job.source}) cho kỳ {vi.period_long(period)} "
        "không hoàn thành.\n\n"
        f"Lỗi: {error}\n\n"
        f"Sau khi khắc phục, chạy lại bằng lệnh:\n  {rerun}\n"
        "Những người đã nhận thư sẽ không bị gửi lại.\n"
    )
    subject = f"[baocao] Lỗi công việc {job.id} kỳ {vi.period_short(period)}"
    if empty:
        subject = f"[baocao] Chưa gửi {job.id} kỳ {vi.period_short(period)}: số liệu bằng 0"
        body += f"Gửi dù số liệu bằng 0:\n  {rerun} --send-empty\n"
    msg = mail.owner_message(settings, owner, subject, body)
    try:
        mail.send(settings.smtp, msg, owner, sleep=sleep)
    except DeliveryError as exc:
        log.error("could not tell owner %s about job %s: %s", owner, job.id, exc)
