"""The evidence pack of an issued report (``baocao evidence RUN``, and a link in Lịch sử).

One ZIP file: the draft that was approved, the numbered files as approved and as sent (bytes
from the store, so a file changed on disk since does not leak in), the signed PDF and its
validation report when there is one, the timeline (made, submitted, returned or approved,
signed, sent: who, when, from where) and a ``SHA256SUMS`` of every file in the pack.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.approval import core as d_
from reports.approval import register
from reports.approval.signer import SignatureReport
from reports.core.errors import ApprovalError
from reports.core.period_names import period_short
from reports.runs import ledger
from reports.settings.load import Settings
from reports.store.schema import approvals

_FIXED = (2000, 1, 1, 0, 0, 0)  # entries carry no clock: the same pack twice is the same bytes


def _extra(engine: Engine, draft_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            sa.select(
                approvals.c.decided_from,
                approvals.c.signed_by,
                approvals.c.signed_at,
                approvals.c.signature_report,
            ).where(approvals.c.id == draft_id)
        ).first()


def _attempt_lines(
    engine: Engine, run: ledger.Run, at: Callable[[datetime | None], str]
) -> list[str]:
    lines = [
        f"{at(run.started_at)}  lần {run.attempt}, lần chạy #{run.id}: tạo dự thảo, máy {run.owner}"
    ]
    try:
        d = d_.draft(engine, run.id)
    except ApprovalError:
        return lines
    lines.append(f"{at(d.created_at)}  gửi duyệt: người duyệt {', '.join(d.approvers)}")
    extra = _extra(engine, d.id)
    where = f", từ {extra.decided_from}" if extra is not None and extra.decided_from else ""
    if d.decided_at is not None:
        what = {d_.RETURNED: "trả lại", d_.REVOKED: "thu hồi phê duyệt"}.get(d.state, "duyệt")
        number = (
            f", số {d.reference}, ngày ban hành {d.issued_on:%d/%m/%Y}"
            if (d.reference and d.issued_on)
            else ""
        )
        comment = f", ý kiến: {d.comment}" if d.comment else ""
        lines.append(f"{at(d.decided_at)}  {what}: {d.decided_by}{where}{number}{comment}")
    if extra is not None and extra.signed_at is not None:
        lines.append(f"{at(extra.signed_at)}  ký số: {extra.signed_by} (thời điểm người ký khai)")
    return lines


def timeline(engine: Engine, settings: Settings, run_id: int) -> list[str]:
    """What happened to run #``run_id``'s report, in order, one line each, in the office's
    time zone: the earlier attempts of the same report (returned drafts) first."""
    run = ledger.get(engine, run_id)
    if run is None:
        raise ApprovalError(f"Không có lần chạy #{run_id}; xem 'baocao runs'.")
    tz = settings.tz

    def at(moment: datetime | None) -> str:
        return f"{moment.astimezone(tz):%H:%M:%S %d/%m/%Y}" if moment else "-"

    lines = [
        f"Lần chạy #{run.id}: {run.job_id} kỳ {period_short(run.period)} "
        f"({run.period.start:%d/%m/%Y}-{run.period.end:%d/%m/%Y}), lần {run.attempt}",
    ]
    earlier = [
        r
        for r, _ in ledger.history(engine, run.job_id, limit=500)
        if r.period == run.period and r.unit == run.unit and r.attempt < run.attempt
    ]
    for r in sorted(earlier, key=lambda r: r.attempt):
        lines += _attempt_lines(engine, r, at)
    lines += _attempt_lines(engine, run, at)
    for delivery in ledger.deliveries_of(engine, run_id):
        status = ledger.STATUS_VI.get(delivery.status, delivery.status)
        lines.append(
            f"{at(delivery.sent_at)}  gửi {delivery.recipient}: {status}, "
            f"{delivery.attempts} lần, Message-ID {delivery.message_id or '-'}"
        )
    return lines


def has_pack(engine: Engine, run_id: int) -> bool:
    """Run #``run_id`` has an approved, numbered report (its evidence pack can be made)."""
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(approvals.c.id).where(
                approvals.c.run_id == run_id,
                approvals.c.state.in_([d_.APPROVED, d_.RELEASED]),
                approvals.c.final_files.is_not(None),
            )
        ).first()
    return found is not None


def evidence_pack(engine: Engine, settings: Settings, run_id: int) -> tuple[str, bytes]:
    """The pack's file name and its ZIP bytes."""
    d = d_.draft(engine, run_id)
    if not d.final_files:
        raise ApprovalError(
            f"Lần chạy #{run_id} chưa có văn bản đã duyệt ({d_.STATE_VI[d.state]}); hồ sơ "
            "chứng cứ có khi văn bản đã được duyệt và cấp số."
        )
    entries: list[tuple[str, bytes]] = []
    for f in d.files:
        data = f.path.read_bytes() if f.path.is_file() else b""
        if register.sha256(data) == f.sha256:
            entries.append((f"du-thao/{f.path.name}", data))
    extra = _extra(engine, d.id)
    report = json.loads(extra.signature_report) if extra and extra.signature_report else None
    approved_pdf = report.get("approved_pdf_sha256") if report else None
    if approved_pdf:
        kept = register.stored_file(engine, approved_pdf)
        if kept is not None:
            name = next(f.path.name for f in d.final_files if f.path.suffix == ".pdf")
            entries.append((f"da-duyet/{name.removesuffix('-da-ky.pdf')}.pdf", kept))
    for f in d.final_files:
        frozen = register.stored_file(engine, f.sha256)
        if frozen is None:
            raise ApprovalError(f"Không còn bản lưu của tệp {f.path.name} (SHA-256 {f.sha256}).")
        folder = "da-ky" if f.path.name.endswith("-da-ky.pdf") else "da-duyet"
        entries.append((f"{folder}/{f.path.name}", frozen))
    if extra is not None and extra.signature_report:
        checked = SignatureReport.from_json(extra.signature_report)
        lines = [
            f"Kết quả kiểm tra chữ ký số trên văn bản số {d.reference}:",
            *checked.lines(settings.tz),
        ]
        entries.append(("kiem-tra-chu-ky.txt", ("\n".join(lines) + "\n").encode()))
    entries.append(
        ("dong-thoi-gian.txt", ("\n".join(timeline(engine, settings, run_id)) + "\n").encode())
    )
    sums = "".join(f"{register.sha256(data)}  {name}\n" for name, data in entries)
    entries.append(("SHA256SUMS", sums.encode()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, _FIXED)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    number = f"so-{d.number:02d}-{d.prefix}" if d.number is not None and d.prefix else "chua-so"
    return f"ho-so-{number}-lan-chay-{run_id}.zip".replace("/", "-"), out.getvalue()
