"""Run one job for one period, exactly once: claim, write the files, mail each recipient.

The same function serves ``baocao jobs run`` and the scheduler: a run by hand is a run as the
scheduler would make it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from reports.accounts.users import approver_lookup
from reports.core.errors import BaocaoError, JobError, Step, UsageError
from reports.core.model import Report
from reports.core.period_names import period_short
from reports.core.period_time import has_ended, refuse_unended
from reports.core.periods import ReportPeriod
from reports.figures.completeness import all_zero
from reports.produce import preflight
from reports.runs import ledger
from reports.runs.jobs import Job
from reports.runs.lease import Lease, LeaseLost, RunOutcome
from reports.runs.send import deliver_run, local_time, rerun_command, tell_owner
from reports.schedule.resilient import is_retryable
from reports.settings.load import Settings

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


class EmptyPeriod(JobError):
    """Every figure of the period is 0: the scheduler mails the owner, not the leaders."""


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
    today = clock().astimezone(job.tz).date()
    if not has_ended(period, today):  # every door: the scheduler, jobs run, run now, held
        try:
            refuse_unended(period, today, f"Công việc {job.id}")
        except UsageError as exc:
            log.warning("Công việc %s kỳ %s bị từ chối: kỳ chưa kết thúc", job.id, period.slug())
            return RunOutcome("not-ended", str(exc), step=exc.step, step_args=dict(exc.step_args))
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
            f"Công việc {job.id} kỳ {period_short(period)} đang do {held.owner} thực hiện "
            f"(từ {local_time(held.started_at, job)}); không làm lại.",
            held.id,
        )
    if claim.awaiting is not None:
        return RunOutcome(
            "awaiting",
            f"Công việc {job.id} kỳ {period_short(period)} đang chờ duyệt (lần chạy "
            f"#{claim.awaiting.id}); không tạo lại bản dự thảo.",
            claim.awaiting.id,
            list(claim.awaiting.files),
            step=Step.REDRAFT,
        )
    if claim.already_delivered is not None:
        done = claim.already_delivered
        when = done.finished_at or done.started_at
        return RunOutcome(
            "already-delivered",
            f"Công việc {job.id} kỳ {period_short(period)} đã gửi lúc "
            f"{local_time(when, job)}; "
            "không gửi lại.",
            done.id,
            list(done.files),
            step=Step.RESEND,
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
                preflight.templates(settings, mail=bool(job.recipients), kind=period.kind)
                report, files = _files(engine, settings, job, period, run, out_dir, send_empty)
                outcome.files = files
                from reports import approval  # the gate and the approval step (issue 15)

                stop = approval.before_delivery(
                    engine, settings, job, lease, report, files, outcome, sleep,
                    force=force, send_empty=send_empty, lookup=approver_lookup(engine),
                )  # fmt: skip
                if stop is not None:  # held, or waiting for approval, or sent as approved
                    return stop
                deliver_run(
                    engine,
                    settings,
                    lease,
                    job.recipients,
                    report,
                    files,
                    outcome,
                    sleep,
                    to=job.to,
                    cc=job.cc,
                )
    except LeaseLost as exc:
        log.warning("Công việc %s kỳ %s dừng: %s", job.id, period.slug(), exc)
        outcome.status, outcome.message = "taken-over", str(exc)
        return outcome
    except EmptyPeriod as exc:
        return _empty(engine, settings, job, period, run, outcome, str(exc), clock, sleep)
    except BaocaoError as exc:
        outcome.failed["*"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - recorded and reported, never kills the scheduler
        if is_retryable(exc):
            raise  # the database, not the run: the caller retries, the run resumes where it was
        log.exception("Công việc %s kỳ %s gặp lỗi không mong đợi", job.id, period.slug())
        outcome.failed["*"] = f"{exc.__class__.__name__}: {exc}"
    if outcome.failed:
        error = "; ".join(f"{k}: {v}" if k != "*" else v for k, v in outcome.failed.items())
        if not ledger.finish(engine, run, ledger.FAILED, now=clock(), error=error):
            log.warning(
                "Công việc %s kỳ %s: lần chạy #%d đã được máy khác nhận lại",
                job.id,
                period.slug(),
                run.id,
            )
        log.error("Công việc %s kỳ %s lỗi: %s", job.id, period.slug(), error)
        outcome.message = f"Công việc {job.id} kỳ {period_short(period)} lỗi: {error}"
        outcome.step = Step.RUN_AGAIN
        outcome.step_args = {"command": rerun_command(job, period, settings)}
        tell_owner(settings, job, period, error, sleep)
        return outcome
    if not ledger.finish(engine, run, ledger.DELIVERED, now=clock()):
        log.warning(
            "Công việc %s kỳ %s: lần chạy #%d đã được máy khác nhận lại",
            job.id,
            period.slug(),
            run.id,
        )
    outcome.status = "delivered"
    outcome.message = (
        f"Công việc {job.id} kỳ {period_short(period)}: đã gửi {len(outcome.sent)} người nhận."
    )
    log.info(
        "Công việc %s kỳ %s: đã gửi cho %d người nhận", job.id, period.slug(), len(outcome.sent)
    )
    return outcome


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
                deliver_run(
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
            log.warning(
                "Công việc %s kỳ %s, đơn vị %s dừng: %s", job.id, period.slug(), unit.code, exc
            )
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
                f"mọi số liệu kỳ {period_short(period)} đều bằng 0 (chưa nhập dữ liệu của kỳ "
                "này?); không gửi cho người nhận"
            )
        if job.approval:  # a draft: unnumbered, and saying what released document it replaces
            from reports.approval import prepare_draft

            report = prepare_draft(conn, job, report)
            from reports.approval.written import carried_sections  # issue 19

            report = replace(report, written=carried_sections(conn, job, report))
        if run.files and all(f.exists() for f in run.files):
            return report, list(run.files)  # a resumed run mails the files it already wrote
        target = (out_dir or settings.output_dir) / job.id / period.slug()
        if job.approval:  # each attempt's draft is kept: a new one never overwrites a returned one
            target = target / f"lan-{run.attempt}"
        if job.form:
            from reports.forms.generate import write_form_files

            files = write_form_files(
                engine, settings, job.form, period, job.unit, job.formats, target
            )
        else:
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
    outcome.message = f"Công việc {job.id} kỳ {period_short(period)}: {problem}."
    outcome.step, outcome.step_args = Step.AFTER_IMPORT, {"command": rerun}
    log.warning("Công việc %s kỳ %s không gửi thư: mọi số liệu đều bằng 0", job.id, period.slug())
    tell_owner(settings, job, period, problem, sleep, empty=True)
    return outcome
