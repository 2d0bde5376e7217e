"""The step the run path takes before mailing anyone: the gate, the draft, the approved send.

:func:`before_delivery` is called by the runner once the files are written. It holds a run
whose data is incomplete (``incomplete = "hold"``), stops an approval job at its draft, or
resumes the delivery of an approved draft; ``None`` lets the ordinary delivery go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.approval import core as d_
from reports.approval import register
from reports.approval.notices import tell_approvers, tell_held
from reports.core.errors import ApprovalError, JobError, Step
from reports.core.files import atomic_output
from reports.core.model import Report
from reports.core.period_names import period_short
from reports.figures.completeness import incomplete_reasons
from reports.runs import ledger
from reports.runs.jobs import Job
from reports.runs.lease import Lease, LeaseLost, RunOutcome
from reports.runs.send import deliver_run
from reports.settings.load import Settings
from reports.store.schema import approvals

log = logging.getLogger(__name__)


_STOPPED = {
    d_.REVOKED: "phê duyệt đã bị thu hồi",
    d_.VOID: "phê duyệt hết hiệu lực vì bản dự thảo đã được tạo lại",
    d_.APPROVED: "lần chạy đã được tiến trình khác tiếp quản",
}


def _approval_stands(draft_id: int) -> sa.ColumnElement[bool]:
    """The run's draft is still approved: checked with every send claim, in its transaction."""
    return sa.exists().where(approvals.c.id == draft_id, approvals.c.state == d_.APPROVED)


def before_delivery(
    engine: Engine,
    settings: Settings,
    job: Job,
    lease: Lease,
    report: Report,
    files: Sequence[Path],
    outcome: RunOutcome,
    sleep: Callable[[float], None],
    *,
    force: bool = False,
    send_empty: bool = False,
    lookup: d_.Lookup | None = None,
) -> RunOutcome | None:
    """Hold, stop at the draft, or send the approved files; None: deliver as usual.

    A run whose draft is approved resumes sending it; with ``force`` it is made again instead
    (from the data as it is now), which voids the approval. ``send_empty`` (a hand-run's
    ``--send-empty``) does not hold a period for its figures being all zero.
    """
    run, now = lease.run, lease.clock()
    if job.approval:
        try:
            current = d_.draft(engine, run.id)
        except ApprovalError:  # no draft yet for this run
            current = None
        if current is not None and current.state == d_.APPROVED:
            if not force:
                return deliver_approved(engine, settings, job, run, current, now, sleep)
            files = _render_again(engine, settings, job, run, report, current)
            outcome.files = list(files)
    reasons = incomplete_reasons(report, zero_is_incomplete=not send_empty)
    if reasons and job.incomplete == "hold":
        return _hold(engine, settings, job, run, reasons, outcome, now, sleep)
    if not job.approval:
        return None
    approvers = d_.resolve_approvers(job.approvers, lookup)
    draft = d_.submit(engine, job, run, report, files, approvers, now=now)
    answers = d_.answered_return(engine, draft)
    told = tell_approvers(settings, job, draft, report, files, approvers, sleep, answers)
    outcome.status = "awaiting"
    outcome.message = (
        f"Công việc {job.id} kỳ {period_short(run.period)}: bản dự thảo chờ duyệt "
        f"(lần chạy #{run.id}); đã gửi thư cho {len(told)} người duyệt."
    )
    outcome.step, outcome.step_args = Step.DECIDE, {"run": str(run.id)}
    return outcome


def _render_again(
    engine: Engine,
    settings: Settings,
    job: Job,
    run: ledger.Run,
    report: Report,
    approved: d_.Draft,
) -> list[Path]:
    """The draft made again (``--force``) from the data as it is now, in a folder of its own
    next to the approved draft's: the draft that was approved is kept as it was."""
    from reports.produce.pipeline import write_files

    folder = approved.files[0].path.parent / f"tao-lai-{approved.id}"
    if job.form:
        from reports.forms.generate import write_form_files

        written = write_form_files(
            engine, settings, job.form, run.period, job.unit, job.formats, folder
        )
        ledger.record_files(engine, run, written)
        return written
    with engine.connect() as conn:
        written = write_files(conn, settings, report, formats=job.formats, out_dir=folder)
    ledger.record_files(engine, run, written)
    return written


def _hold(
    engine: Engine,
    settings: Settings,
    job: Job,
    run: ledger.Run,
    reasons: list[str],
    outcome: RunOutcome,
    now: datetime,
    sleep: Callable[[float], None],
) -> RunOutcome:
    error = " ".join(reasons)
    ledger.record_files(engine, run, [])  # written from incomplete data: rendered again later
    ledger.finish(engine, run, ledger.HELD, now=now, error=error)
    tell_held(settings, job, run, error, sleep)
    outcome.status = "held"
    outcome.message = (
        f"Công việc {job.id} kỳ {period_short(run.period)}: chưa gửi, chờ đủ số liệu "
        f"({error}). Sẽ thử lại khi nhập số liệu mới; quá {job.hold_hours} giờ sẽ báo người "
        "phụ trách."
    )
    log.info("Công việc %s kỳ %s đang chờ: %s", job.id, run.period.slug(), error)
    return outcome


def frozen_paths(engine: Engine, draft: d_.Draft) -> list[Path]:
    """The approved, numbered files on disk, each restored from the store if it was changed
    or removed: what is sent is byte for byte what was approved."""
    out = []
    for f in draft.final_files:
        if not f.path.is_file() or register.sha256(f.path.read_bytes()) != f.sha256:
            data = register.stored_file(engine, f.sha256)
            if data is None:
                raise JobError(f"Không còn bản lưu của tệp {f.path} (SHA-256 {f.sha256}).")
            log.warning("khôi phục %s từ cơ sở dữ liệu (tệp đã bị sửa hoặc xóa)", f.path)
            with atomic_output(f.path) as tmp:
                tmp.write_bytes(data)
        out.append(f.path)
    return out


def deliver_approved(
    engine: Engine,
    settings: Settings,
    job: Job,
    run: ledger.Run,
    draft: d_.Draft,
    now: datetime,
    sleep: Callable[[float], None],
) -> RunOutcome:
    """Mail the frozen files of an approved draft to each recipient not yet mailed.

    The run must be ours (claimed by the approval or by the runner). Each send claim checks, in
    its own transaction, that the approval still stands: a revoked or voided approval stops
    the delivery before the next recipient.
    """
    outcome = RunOutcome("failed", "", run.id)
    fresh = ledger.get(engine, run.id)
    if fresh is None or fresh.status != ledger.RUNNING or fresh.owner != run.owner:
        outcome.status = "busy"
        outcome.message = f"Lần chạy #{run.id} không ở trạng thái gửi được."
        outcome.step = Step.SEE_RUNS
        return outcome
    paths = frozen_paths(engine, draft)
    ledger.record_files(engine, fresh, paths)  # Lịch sử shows and serves what was sent
    outcome.files = paths
    report = replace(d_.report_of(engine, draft.id), number=str(draft.number))
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731
    lease = Lease(engine, fresh, settings.scheduler.lease_s, clock, _approval_stands(draft.id))
    try:
        with lease:
            deliver_run(
                engine,
                settings,
                lease,
                job.recipients,
                report,
                paths,
                outcome,
                sleep,
                to=job.to,
                cc=job.cc,
            )
    except LeaseLost:
        state = d_.draft(engine, run.id).state
        outcome.status = "stopped"
        outcome.message = (
            f"Văn bản số {draft.reference}: {_STOPPED.get(state, _STOPPED[d_.APPROVED])}; dừng "
            f"gửi (đã gửi {len(outcome.sent)} người nhận)."
        )
        return outcome
    if outcome.failed:
        error = "; ".join(f"{k}: {v}" for k, v in outcome.failed.items())
        ledger.finish(engine, fresh, ledger.FAILED, now=clock(), error=error)
        outcome.message = f"Văn bản số {draft.reference}: lỗi khi gửi ({error})."
        outcome.step, outcome.step_args = Step.SEND_ON, {"run": str(run.id)}
        return outcome
    with engine.begin() as conn:
        conn.execute(
            sa.update(approvals)
            .where(approvals.c.id == draft.id, approvals.c.state == d_.APPROVED)
            .values(state=d_.RELEASED)
        )
    ledger.finish(engine, fresh, ledger.DELIVERED, now=clock())
    outcome.status = "delivered"
    outcome.message = (
        f"Văn bản số {draft.reference} ({job.id} kỳ {period_short(run.period)}): đã gửi "
        f"{len(outcome.sent)} người nhận."
    )
    return outcome
