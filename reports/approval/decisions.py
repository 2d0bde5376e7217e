"""Decisions on a draft: approve (number it, freeze its files, deliver once), return or revoke.

Every change of state is a conditional UPDATE (``… WHERE id = ? AND state = <seen>``) inside
one transaction, as healthchecks claims its reports: of two approvers acting at once one wins
and the other is told; approving twice numbers and sends nothing twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.approval import register
from reports.approval.approvers import require_approver
from reports.approval.core import (
    APPROVED,
    PENDING,
    RELEASED,
    RETURNED,
    REVOKED,
    STATE_VI,
    VOID,
    Draft,
    FileRecord,
    draft,
    dump_files,
    report_of,
)
from reports.approval.final_files import final_files, same_as_approved
from reports.core.errors import ApprovalError, Said, Step
from reports.core.files import safe_name
from reports.runs import ledger
from reports.runs.jobs import Job, find_job
from reports.settings.load import Settings
from reports.store.schema import approvals, runs


@dataclass
class Decision:
    message: str
    """Door-neutral; ``step`` is what to do next, worded by each door."""
    draft: Draft
    sent: list[str]
    failed: dict[str, str]
    step: Step | None = None
    step_args: dict[str, str] = field(default_factory=dict)

    @property
    def said(self) -> Said:
        return Said(self.message, self.step, self.step_args)

    @property
    def exit_code(self) -> int:
        return 6 if self.failed else 0


def _changed_files(d: Draft) -> list[str]:
    return [
        str(f.path)
        for f in d.files
        if not f.path.is_file() or register.sha256(f.path.read_bytes()) != f.sha256
    ]


def _void(engine: Engine, d: Draft) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.update(approvals)
            .where(approvals.c.id == d.id, approvals.c.state.in_([PENDING, APPROVED]))
            .values(state=VOID)
        )


def approve(
    engine: Engine,
    settings: Settings,
    run_id: int,
    by: str,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    where: str = "",
) -> Decision:
    """Approve the draft of run #``run_id`` as ``by``: number it, freeze it, deliver it once.

    Only one of the job's approvers may (anyone else is refused and the attempt recorded).
    Already approved and delivered: nothing happens again. Approved but not all delivered (a
    mail server down): the delivery resumes, those already mailed are skipped. ``where`` (the
    host or address the decision came from) goes into the evidence pack.
    """
    from reports.approval.delivery import deliver_approved

    now = now or datetime.now(UTC)
    d = draft(engine, run_id)
    require_approver(engine, d, by, "approve", where)
    job = find_job(settings.jobs_dir, d.job_id, settings.smtp.owner)
    if d.state == RELEASED:
        return Decision(
            f"Văn bản số {d.reference} (lần chạy #{run_id}) đã được {d.decided_by} duyệt và đã "
            "gửi; không gửi lại.",
            d,
            [],
            {},
        )
    if d.state in (RETURNED, REVOKED, VOID):
        raise ApprovalError(
            f"Bản dự thảo của lần chạy #{run_id} {STATE_VI[d.state]}; không duyệt được."
        ).leads_to(Step.SEE_DRAFTS)
    run: ledger.Run | None = None
    if d.state == PENDING:
        if changed := _changed_files(d):
            _void(engine, d)
            raise ApprovalError(
                f"Bản dự thảo của lần chạy #{run_id} đã bị sửa hoặc tạo lại sau khi gửi duyệt "
                f"({', '.join(changed)}); không duyệt. Chạy lại công việc để gửi duyệt bản mới."
            )
        if job.form:  # an official form whose identities fail is not approved
            from reports.forms.generate import approval_problem

            if problem := approval_problem(engine, settings, job.form, d.period, d.unit or None):
                raise ApprovalError(f"Không duyệt lần chạy #{run_id}: {problem}")
        report = report_of(engine, d.id)
        for f in d.files:
            if f.path.suffix == ".docx" and not job.form:
                same_as_approved(settings, report, d, f)
        issued = now.astimezone(settings.tz).date()
        if not _number(engine, d, by, where, now, issued) or not _freeze(
            engine, settings, job, draft(engine, run_id), now
        ):
            return _busy(engine, run_id)
        run = ledger.get(engine, run_id)
    elif _stalled(settings, d, now):
        if not _freeze(engine, settings, job, d, now):
            return _busy(engine, run_id)
        run = ledger.get(engine, run_id)
    elif d.state == APPROVED and not d.final_files:
        return _busy(engine, run_id)
    if job.signed_pdf and not any(f.path.name.endswith("-da-ky.pdf") for f in d.final_files):
        d = draft(engine, run_id)
        return Decision(
            f"Văn bản số {d.reference} đã duyệt; chờ bản PDF đã ký.",
            d,
            [],
            {},
            Step.SIGN,
            {"pdf": str(_pdf_of(d)), "run": str(run_id)},
        )
    if d.state == APPROVED and run is None:  # approved before, not all delivered
        claim = ledger.claim(
            engine,
            d.job_id,
            d.period,
            unit=d.unit,
            owner=ledger.default_owner(),
            now=now,
            lease_s=settings.scheduler.lease_s,
        )
        if claim.run is None or claim.run.id != run_id:
            held = claim.held_by.owner if claim.held_by else "một tiến trình khác"
            return Decision(
                f"Văn bản số {d.reference} đang được gửi bởi {held}; không gửi lại.", d, [], {}
            )
        run = claim.run
    assert run is not None
    outcome = deliver_approved(engine, settings, job, run, draft(engine, run_id), now, sleep)
    return Decision(
        outcome.message,
        draft(engine, run_id),
        outcome.sent,
        outcome.failed,
        outcome.step,
        outcome.step_args,
    )


def _busy(engine: Engine, run_id: int) -> Decision:
    d = draft(engine, run_id)
    return Decision(
        f"Bản dự thảo của lần chạy #{run_id} vừa được {d.decided_by} xử lý "
        f"({STATE_VI[d.state]}); không gửi lại.",
        d,
        [],
        {},
    )


def _pdf_of(d: Draft) -> str:
    return next((str(f.path) for f in d.final_files if f.path.suffix == ".pdf"), "")


def _number(engine: Engine, d: Draft, by: str, where: str, now: datetime, issued: date) -> bool:
    """The decision and the number, in one short transaction (the register's row is locked
    only for this); False when someone else decided first (nothing is changed then)."""
    prefix = report_of(engine, d.id).reference_prefix
    with engine.begin() as conn:
        won = conn.execute(
            sa.update(approvals)
            .where(approvals.c.id == d.id, approvals.c.state == PENDING)
            .values(state=APPROVED, decided_by=by, decided_at=now, decided_from=where or None)
        ).rowcount
        if won != 1:
            return False  # decided meanwhile by someone else
        if (
            d.number is not None
            and d.prefix == prefix
            and d.issued_on is not None
            and (d.issued_on.year == issued.year)
        ):
            number = d.number  # given to this draft by an approval that failed to freeze
        else:
            number = register.next_number(conn, prefix, issued.year)
        conn.execute(
            sa.update(approvals)
            .where(approvals.c.id == d.id)
            .values(number=number, prefix=prefix, year=issued.year, issued_on=issued)
        )
    return True


def _freeze(engine: Engine, settings: Settings, job: Job, d: Draft, now: datetime) -> bool:
    """Render the numbered files (LibreOffice, outside any transaction: an import or another
    approval does not wait for it), then keep them and claim the run to send, in one
    transaction; False when another process froze them first."""
    assert d.number is not None and d.issued_on is not None and d.prefix is not None
    report = report_of(engine, d.id)
    numbered = replace(report, number=str(d.number), issued_on=d.issued_on, draft=False)
    folder = d.files[0].path.parent / (
        f"so-{d.number:02d}-{safe_name(d.prefix)}-{d.issued_on.year}"
    )
    try:
        paths = final_files(settings, report, numbered, d, folder, copy=bool(job.form))
        return _keep(engine, settings, job, d, [(p, p.read_bytes()) for p in paths], now)
    except BaseException:
        with engine.begin() as conn:  # undecided again; the draft keeps its number (no gap)
            conn.execute(
                sa.update(approvals)
                .where(
                    approvals.c.id == d.id,
                    approvals.c.state == APPROVED,
                    approvals.c.final_files.is_(None),
                )
                .values(state=PENDING, decided_by=None, decided_at=None, decided_from=None)
            )
        raise


def _keep(
    engine: Engine,
    settings: Settings,
    job: Job,
    d: Draft,
    contents: list[tuple[Path, bytes]],
    now: datetime,
) -> bool:
    """The numbered files kept and the run claimed to send, in one transaction."""
    with engine.begin() as conn:
        final = [FileRecord(p, register.store_file(conn, data)) for p, data in contents]
        kept = conn.execute(
            sa.update(approvals)
            .where(
                approvals.c.id == d.id,
                approvals.c.state == APPROVED,
                approvals.c.final_files.is_(None),
            )
            .values(final_files=dump_files(final))
        ).rowcount
        if kept != 1:
            return False
        if job.signed_pdf:
            return True  # the run waits for the signed PDF (reports.approval.signed)
        claimed = conn.execute(
            sa.update(runs)
            .where(runs.c.id == d.run_id, runs.c.status == ledger.AWAITING)
            .values(
                status=ledger.RUNNING,
                owner=ledger.default_owner(),
                lease_until=now + timedelta(seconds=settings.scheduler.lease_s),
                finished_at=None,
            )
        ).rowcount
        if claimed != 1:
            raise ApprovalError(f"Lần chạy #{d.run_id} không còn chờ duyệt; không duyệt.").leads_to(
                Step.SEE_RUNS
            )
    return True


def _stalled(settings: Settings, d: Draft, now: datetime) -> bool:
    """Numbered but not frozen for longer than a conversion may take: the process that
    approved it died between the two steps, and this one finishes its work."""
    if d.state != APPROVED or d.final_files or d.decided_at is None:
        return False
    return now - d.decided_at > timedelta(seconds=2 * settings.pdf_timeout_s + 60)


def return_draft(
    engine: Engine,
    settings: Settings,
    run_id: int,
    by: str,
    comment: str,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    where: str = "",
) -> Decision:
    """Send the draft back with ``comment`` (the specialist is told), or revoke an approval:
    a delivery in progress stops before its next recipient."""
    from reports.approval.notices import tell_returned

    now = now or datetime.now(UTC)
    if not comment.strip():
        raise ApprovalError("Trả lại cần ý kiến (điều cần sửa).").leads_to(Step.COMMENT)
    d = draft(engine, run_id)
    require_approver(engine, d, by, "return", where)
    if d.state == RELEASED:
        raise ApprovalError(f"Văn bản số {d.reference} đã phát hành; không thu hồi được.").leads_to(
            Step.REPLACE,
            job=d.job_id,
            start=d.period.start.isoformat(),
            end=d.period.end.isoformat(),
        )
    if d.state not in (PENDING, APPROVED):
        raise ApprovalError(f"Bản dự thảo của lần chạy #{run_id} {STATE_VI[d.state]}.")
    new_state = RETURNED if d.state == PENDING else REVOKED
    with engine.begin() as conn:
        changed = conn.execute(
            sa.update(approvals)
            .where(approvals.c.id == d.id, approvals.c.state == d.state)
            .values(
                state=new_state,
                decided_by=by,
                decided_at=now,
                comment=comment,
                decided_from=where or None,
            )
        ).rowcount
        if changed != 1:
            raise ApprovalError(
                f"Bản dự thảo của lần chạy #{run_id} vừa được người khác xử lý."
            ).leads_to(Step.SEE_DRAFTS)
        conn.execute(
            sa.update(runs)
            .where(runs.c.id == run_id, runs.c.status != ledger.DELIVERED)
            .values(
                status=ledger.RETURNED,
                finished_at=now,
                lease_until=now,
                error=f"{STATE_VI[new_state]}: {comment}",
            )
        )
    job = find_job(settings.jobs_dir, d.job_id, settings.smtp.owner)
    d = draft(engine, run_id)
    told = tell_returned(settings, job, d, sleep)
    what = "Đã thu hồi phê duyệt" if new_state == REVOKED else "Đã trả lại"
    return Decision(
        f"{what} bản dự thảo của lần chạy #{run_id}"
        + (f"; đã báo {told}." if told else "; không có ai để báo (đặt specialist hoặc owner)."),
        d,
        [told] if told else [],
        {},
    )
