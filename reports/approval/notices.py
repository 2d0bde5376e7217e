"""The mails of the approval chain: to the approvers, the specialist, the owner.

Plain text in Vietnamese, through the same SMTP path as the reports; a mail that cannot be
sent is logged, never fatal (the draft, the return or the hold is recorded all the same).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reports.core.errors import DeliveryError
from reports.core.model import Report
from reports.core.period_names import period_long, period_short
from reports.deliver import mail
from reports.runs.jobs import Job
from reports.settings.load import Settings

if TYPE_CHECKING:
    from reports.approval.core import Draft
    from reports.runs.ledger import Run

log = logging.getLogger(__name__)


def _send(settings: Settings, to: str, subject: str, body: str, sleep: Callable[[float], None],
          files: Sequence[Path] = ()) -> bool:  # fmt: skip
    msg = mail.owner_message(settings, to, subject, body)
    limit = settings.smtp.max_attachment_mb * 1024 * 1024
    if files and sum(f.stat().st_size for f in files) <= limit:
        for f in files:
            maintype, subtype = mail.MIME_TYPES.get(
                f.suffix.lower(), ("application", "octet-stream")
            )
            msg.add_attachment(f.read_bytes(), maintype=maintype, subtype=subtype, filename=f.name)
    try:
        mail.send(settings.smtp, msg, to, sleep=sleep)
    except DeliveryError as exc:
        log.error("could not mail %s (%s): %s", to, subject, exc)
        return False
    return True


def draft_link(settings: Settings, run_id: int) -> str:
    """The draft's page in the web queue, when ``web.base_url`` is set; else ""."""
    return f"{settings.web.base_url}/drafts/{run_id}" if settings.web.base_url else ""


def tell_approvers(
    settings: Settings,
    job: Job,
    draft: Draft,
    report: Report,
    files: Sequence[Path],
    approvers: Sequence[str],
    sleep: Callable[[float], None],
) -> list[str]:
    """One mail to each approver: the period, the key figures, the data's state, the link."""
    period = period_long(draft.period)
    state = (
        f"CẢNH BÁO - {report.provisional}"
        if report.provisional
        else "Số liệu đã đủ theo các nguồn khai báo trong cấu hình."
    )
    lines = [
        f"Báo cáo {job.id} {period} đang chờ duyệt (lần chạy #{draft.run_id}).",
        *([report.replaces] if report.replaces else []),
        "",
        "Số liệu chính:",
        draft.summary,
        "",
        f"Tình trạng số liệu: {state}",
        "",
    ]
    if link := draft_link(settings, draft.run_id):
        lines.append(f"Xem và duyệt: {link}")
    lines += [
        f"Trên máy chủ: baocao approve {draft.run_id}   hoặc   "
        f'baocao return {draft.run_id} --comment "điều cần sửa"',
        "",
        "Bản dự thảo đính kèm (chưa có số và ngày; số văn bản được cấp khi duyệt):",
        *(f"  {f}" for f in files),
    ]
    subject = f"[baocao] Chờ duyệt: báo cáo {period_short(draft.period)} (#{draft.run_id})" + (
        " - SỐ LIỆU TẠM TÍNH" if report.provisional else ""
    )
    body = "\n".join(lines) + "\n"
    return [a for a in approvers if _send(settings, a, subject, body, sleep, files)]


def tell_returned(
    settings: Settings, job: Job, draft: Draft, sleep: Callable[[float], None]
) -> str | None:
    """The specialist (else the job's owner) learns who returned the draft and why."""
    to = job.specialist or job.owner or settings.smtp.owner
    if not to:
        return None
    body = (
        f"{draft.decided_by} đã trả lại bản dự thảo báo cáo {job.id} "
        f"{period_long(draft.period)} (lần chạy #{draft.run_id}).\n\n"
        f"Ý kiến: {draft.comment}\n\n"
        "Sau khi sửa số liệu hoặc câu chữ, tạo lại và gửi duyệt bằng lệnh:\n"
        f"  baocao jobs run {job.id} --from {draft.period.start.isoformat()} "
        f"--to {draft.period.end.isoformat()}\n"
    )
    subject = f"[baocao] Trả lại: báo cáo {period_short(draft.period)} (#{draft.run_id})"
    return to if _send(settings, to, subject, body, sleep) else None


def tell_held(
    settings: Settings, job: Job, run: Run, reasons: str, sleep: Callable[[float], None]
) -> None:
    """The specialist (else the owner) learns the run waits for data, and what is missing."""
    to = job.specialist or job.owner or settings.smtp.owner
    if not to:
        log.warning("Job %s held and nobody is set to be told", job.id)
        return
    body = (
        f"Báo cáo {job.id} {period_long(run.period)} chưa được gửi vì chưa đủ số liệu:\n"
        f"  {reasons}\n\n"
        "Nhập số liệu còn thiếu (baocao import …, có thể kèm --as-of NGÀY_CHỐT); báo cáo sẽ "
        f"được tạo lại và gửi tiếp. Quá {job.hold_hours} giờ mà vẫn thiếu, người phụ trách "
        "sẽ được báo.\n"
    )
    subject = f"[baocao] Chờ số liệu: báo cáo {period_short(run.period)} (#{run.id})"
    _send(settings, to, subject, body, sleep)
