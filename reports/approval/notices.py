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
from reports.core.period_names import period_name, period_short
from reports.core.periods import ReportPeriod
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
        log.error("không gửi được thư tới %s (%s): %s", to, subject, exc)
        return False
    return True


def draft_link(settings: Settings, run_id: int) -> str:
    """The draft's page in the web queue, when ``web.base_url`` is set; else ""."""
    return f"{settings.web.base_url}/drafts/{run_id}" if settings.web.base_url else ""


def period_words(period: ReportPeriod) -> str:
    """The period as people say it: ``quý III/2026``, ``tuần 39/2020 (21/9-27/9/2020)``."""
    name = period_name(period)
    if period.kind == "week":
        return f"{name} ({period_short(period)})"
    return name


def data_state(settings: Settings, report: Report) -> str:
    """What is known of the data's completeness, and no more."""
    if report.provisional:
        return f"CẢNH BÁO - {report.provisional}"
    if not settings.completeness.sources:
        return (
            "Chưa kiểm tra được số liệu đã đủ hay chưa: chưa khai báo các nguồn số liệu cần có "
            "(nhờ quản trị khai báo)."
        )
    return "Số liệu đã đủ theo các nguồn khai báo trong cấu hình."


def tell_approvers(
    settings: Settings,
    job: Job,
    draft: Draft,
    report: Report,
    files: Sequence[Path],
    approvers: Sequence[str],
    sleep: Callable[[float], None],
    answers: Draft | None = None,
) -> list[str]:
    """One mail to each approver: the period in words, the key figures, the data's true state,
    one link; no commands, paths or job names. ``answers``: the returned draft this one
    redoes (its comment is quoted)."""
    period = period_words(draft.period)
    lines = [f"Báo cáo {period} đang chờ đồng chí duyệt.", ""]
    if answers is not None:
        lines += [
            f"Đây là bản đã sửa, thay bản dự thảo ngày {answers.created_at:%d/%m/%Y} mà "
            f"{answers.decided_by} đã trả lại với ý kiến: «{answers.comment}».",
            "",
        ]
    lines += [
        *([report.replaces, ""] if report.replaces else []),
        "Số liệu chính:",
        draft.summary,
        "",
        f"Tình trạng số liệu: {data_state(settings, report)}",
        "",
    ]
    if link := draft_link(settings, draft.run_id):
        lines.append(f"Xem và duyệt: {link}")
    else:
        lines.append("Xem và duyệt trên trang Duyệt báo cáo.")
    if files:
        lines += ["", "Bản dự thảo đính kèm chưa có số và ngày; số văn bản được cấp khi duyệt."]
    subject = f"[baocao] Chờ duyệt: báo cáo {period}" + (
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
    period = period_words(draft.period)
    lines = [
        f"{draft.decided_by} đã trả lại bản dự thảo báo cáo {period}.",
        "",
        f"Ý kiến: {draft.comment}",
        "",
        "Sửa số liệu (tải lên tệp mới) hoặc phần viết, rồi bấm «Tạo lại và gửi duyệt» trên "
        "trang của bản dự thảo:",
    ]
    link = draft_link(settings, draft.run_id)
    lines.append(f"  {link}" if link else "  (trang Duyệt báo cáo, mục Bị trả lại)")
    subject = f"[baocao] Trả lại: báo cáo {period}"
    return to if _send(settings, to, subject, "\n".join(lines) + "\n", sleep) else None


def tell_held(
    settings: Settings, job: Job, run: Run, reasons: str, sleep: Callable[[float], None]
) -> None:
    """The specialist (else the owner) learns the run waits for data, and what is missing."""
    to = job.specialist or job.owner or settings.smtp.owner
    if not to:
        log.warning("Công việc %s đang chờ nhưng chưa đặt ai để báo", job.id)
        return
    period = period_words(run.period)
    body = (
        f"Báo cáo {period} chưa được gửi vì chưa đủ số liệu:\n"
        f"  {reasons}\n\n"
        "Tải lên số liệu còn thiếu ở trang Nhập dữ liệu; báo cáo sẽ được tạo lại và gửi tiếp. "
        f"Quá {job.hold_hours} giờ mà vẫn thiếu, người phụ trách sẽ được báo.\n"
    )
    if settings.web.base_url:
        body += f"\n{settings.web.base_url}/nhap-du-lieu/\n"
    subject = f"[baocao] Chờ số liệu: báo cáo {period}"
    _send(settings, to, subject, body, sleep)
