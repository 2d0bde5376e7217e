"""Send one recipient of a finished run its files again, from Lịch sử.

The exact files the run kept (the ledger's paths) are attached again; the mail's figures are
counted again for the run's period. The delivery row records the new attempt and Message-ID,
and the audit log who asked for it, so a resend is never mistaken for the run's own mail.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from reports.accounts.users import audit
from reports.core.errors import DeliveryError, JobError
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
    missing = [p.name for p in run.files if not p.is_file()]
    if missing or not run.files:
        gone = ", ".join(missing) or "không có tệp"
        raise JobError(
            f"lần chạy #{run_id} không còn đủ tệp để gửi lại ({gone}); "
            f"chạy lại công việc: baocao jobs run {run.job_id} --from {run.period.start} "
            f"--to {run.period.end} --force"
        )
    figures = engine_figure_set(engine, run.period, run.unit or None, 1)
    msg = mail.build_message(
        settings,
        recipient=recipient,
        period=run.period,
        figures=figures.current,
        previous=figures.previous,
        files=list(run.files),
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
