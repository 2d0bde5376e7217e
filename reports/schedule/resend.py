"""Send one recipient of a finished run its files again: "Gửi lại" in Lịch sử and
``baocao resend RUN --to ADDR``.

What is attached is what the run sent: for a run whose draft was approved, the numbered, frozen
files (restored from the store if changed on disk) and the figures of the approved report; for
any other run, the files it kept, with its SHA-256 checked against what it recorded. The
delivery row records the new attempt and Message-ID, and the audit log who asked for it, so a
resend is never mistaken for the run's own mail.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from reports import approval
from reports.accounts.audit import audit
from reports.core.errors import ApprovalError, DeliveryError, JobError, Step
from reports.core.files import sha256_file
from reports.core.model import FigureSet
from reports.core.periods import ReportPeriod
from reports.deliver import mail
from reports.figures.indicators import engine_figure_set
from reports.runs import ledger
from reports.settings.load import Settings


def resend(engine: Engine, settings: Settings, run_id: int, recipient: str, *, by: str) -> str:
    """Mail ``recipient`` the files of run ``run_id`` again; the new Message-ID."""
    run = ledger.get_run(engine, run_id)
    if run is None:
        raise JobError(f"không có lần chạy #{run_id}; xem Lịch sử")
    if recipient not in {d.recipient for d in ledger.deliveries_of(engine, run_id)}:
        raise JobError(f"lần chạy #{run_id} không gửi tới {recipient}; chỉ gửi lại người đã nhận")
    approved = _approved(engine, run_id)
    if approved is not None:
        files, period, figures = approved
    else:
        files, period, figures = _kept(engine, run)
    msg = mail.build_message(
        settings,
        recipient=recipient,
        period=period,
        figures=figures.current,
        previous=figures.previous,
        files=files,
    )
    ledger.mark_delivery(engine, run, recipient, ledger.SENDING, now=datetime.now(UTC))
    try:
        result = mail.send(settings.smtp, msg, recipient)
    except DeliveryError as exc:
        ledger.mark_delivery(
            engine, run, recipient, ledger.FAILED, now=datetime.now(UTC), error=str(exc)
        )
        audit(engine, by, "delivery.resend", f"gửi lại #{run_id} tới {recipient}: lỗi {exc}")
        raise
    ledger.mark_delivery(
        engine, run, recipient, ledger.SENT, now=datetime.now(UTC), message_id=result.message_id
    )
    audit(
        engine,
        by,
        "delivery.resend",
        f"gửi lại lần chạy #{run_id} ({run.job_id}) tới {recipient}, "
        f"Message-ID {result.message_id}",
    )
    return result.message_id


def _approved(engine: Engine, run_id: int) -> tuple[list[Path], ReportPeriod, FigureSet] | None:
    """The frozen files and the approved report's figures of a run whose draft was approved."""
    try:
        d = approval.draft(engine, run_id)
    except ApprovalError:
        return None
    if d.state not in (approval.APPROVED, approval.RELEASED) or not d.final_files:
        return None
    report = approval.report_of(engine, d.id)
    return approval.frozen_paths(engine, d), report.period, report.figures


def _kept(engine: Engine, run: ledger.Run) -> tuple[list[Path], ReportPeriod, FigureSet]:
    """The files an ordinary run sent, each still the one it recorded before mailing."""
    missing = [p.name for p in run.files if not p.is_file()]
    recorded = ledger.sent_hashes(engine, run.id)
    changed = [
        p.name
        for p in run.files
        if p.is_file() and recorded.get(str(p)) not in (None, sha256_file(p))
    ]
    if missing or changed or not run.files:
        gone = ", ".join(missing + changed) or "không có tệp"
        raise JobError(f"lần chạy #{run.id} không còn đủ tệp đã gửi để gửi lại ({gone}).").leads_to(
            Step.RERUN,
            job=run.job_id,
            start=run.period.start.isoformat(),
            end=run.period.end.isoformat(),
        )
    figures = engine_figure_set(engine, run.period, run.unit or None, 1)
    return list(run.files), run.period, figures
