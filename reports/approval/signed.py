"""A signed PDF of an approved report (optional): signed in the office's own signing tool with
the leader's token, uploaded back, checked, and sent instead of the unsigned PDF.

Accepted only when pyHanko's validation finds the signature intact, valid and issued by one of
``signing.trust_roots``, covering the whole file, and the file is the approved, numbered PDF
byte for byte with the signature appended as one incremental update: what was signed is what
was approved.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.approval import core as d_
from reports.approval import register, signer
from reports.approval.decisions import Decision
from reports.approval.pdf_diff import changes_beyond_signatures
from reports.approval.signer import SignatureReport
from reports.core.errors import ApprovalError
from reports.core.files import atomic_output
from reports.runs import ledger
from reports.runs.jobs import find_job
from reports.settings.load import Settings
from reports.store.schema import approvals, runs

log = logging.getLogger(__name__)

SIGNED_SUFFIX = "-da-ky.pdf"


def approved_pdf(d: d_.Draft) -> d_.FileRecord:
    for f in d.final_files:
        if f.path.suffix == ".pdf":
            return f
    raise ApprovalError(
        f'Văn bản số {d.reference} không có bản PDF; thêm "pdf" vào formats của công việc '
        f"{d.job_id}."
    )


def is_signed(d: d_.Draft) -> bool:
    return any(f.path.name.endswith(SIGNED_SUFFIX) for f in d.final_files)


def check_signed(
    settings: Settings,
    approved: bytes,
    signed: bytes,
    reference: str,
    approver: str,
    approved_at: datetime,
) -> SignatureReport:
    """The signature's report when ``signed`` is ``approved`` plus one signature over the whole
    file, whose revision changes nothing but signature fields, by a trusted certificate of
    ``approver``, made after ``approved_at``; otherwise :class:`ApprovalError` with the reason
    in Vietnamese."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    other = (
        f"Tệp PDF đã ký không phải bản PDF đã duyệt của văn bản số {reference} (nội dung "
        "khác); ký đúng tệp PDF đã tải về từ baocao rồi gửi lại."
    )
    if len(signed) <= len(approved) or signed[: len(approved)] != approved:
        raise ApprovalError(other)
    try:
        revisions = PdfFileReader(io.BytesIO(approved)).xrefs.total_revisions
        reader = PdfFileReader(io.BytesIO(signed))
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError) as exc:
        raise ApprovalError(f"Không đọc được tệp PDF đã ký ({exc}).") from exc
    if len(signatures) != 1 or reader.xrefs.total_revisions != revisions + 1:
        raise ApprovalError(
            f"Tệp PDF đã ký phải có đúng một chữ ký thêm vào bản đã duyệt số {reference}, "
            f"nhận được {len(signatures)} chữ ký."
        )
    (signature,) = signatures
    try:
        status = validate_pdf_signature(signature, signer.context(settings))
    except (SignatureValidationError, PdfReadError, ValueError) as exc:
        raise ApprovalError(f"Chữ ký trên văn bản số {reference} không đọc được ({exc}).") from exc
    if signature.signed_revision != revisions or status.coverage != (
        SignatureCoverageLevel.ENTIRE_FILE
    ):
        raise ApprovalError(other)
    if not (status.intact and status.valid):
        raise ApprovalError(f"Chữ ký trên văn bản số {reference} không hợp lệ.")
    changed = changes_beyond_signatures(approved, reader)
    if changed is not None:
        log.warning("từ chối bản PDF đã ký của %s: %s", reference, changed)
        raise ApprovalError(
            f"Bản đã ký của văn bản số {reference} sửa nội dung ngoài chữ ký (bản ký thêm thay "
            "đổi trang hoặc đối tượng khác của bản đã duyệt); không nhận. Ký lại đúng tệp PDF "
            "đã tải về, không chỉnh sửa."
        )
    if not status.trusted:
        problem = signer.certificate_problem(settings, status.signing_cert)
        raise ApprovalError(
            f"Chứng thư số ký văn bản số {reference} không được chấp nhận: "
            f"{problem or 'chứng thư số không hợp lệ'}. Ký bằng chứng thư số còn hiệu lực do "
            "nơi cấp có trong signing.trust_roots (baocao.toml) phát hành."
        )
    path = status.validation_path
    anchor = signer.first_name(next(iter(path.iter_certs(include_root=True)))) if path else ""
    report = signer.describe(settings, status, f"hợp lệ (chuỗi tin cậy đến {anchor})")
    signer.require_signer(settings, report, approver)
    # a PDF signing time has whole seconds: a signature in the approval's own second is after it
    if report.signed_at is None or report.signed_at < approved_at.replace(microsecond=0):
        when = (
            f"{report.signed_at.astimezone(settings.tz):%H:%M %d/%m/%Y}"
            if report.signed_at
            else "không có"
        )
        raise ApprovalError(
            f"Thời điểm ký văn bản số {reference} ({when}) trước thời điểm duyệt "
            f"({approved_at.astimezone(settings.tz):%H:%M %d/%m/%Y}); không nhận. Ký bản PDF "
            "đã duyệt sau khi duyệt."
        )
    if report.revocation.startswith("không xác định") and not (
        settings.signing.allow_unknown_revocation
    ):
        raise ApprovalError(
            f"Không kiểm tra được tình trạng thu hồi chứng thư số ký văn bản số {reference} "
            "(không xác định); không nhận. Nếu mạng của cơ quan không có internet, đặt "
            "signing.allow_unknown_revocation = true trong baocao.toml."
        )
    return report


def signature_of(engine: Engine, run_id: int) -> SignatureReport | None:
    """The validation report kept when run #``run_id``'s signed PDF was accepted."""
    d = d_.draft(engine, run_id)
    with engine.connect() as conn:
        text = conn.execute(
            sa.select(approvals.c.signature_report).where(approvals.c.id == d.id)
        ).scalar()
    return SignatureReport.from_json(text) if text else None


def accept_signed(
    engine: Engine,
    settings: Settings,
    run_id: int,
    signed: bytes,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Decision:
    """Check the signed PDF of run #``run_id``, keep it, and deliver it with the other files."""
    from reports.approval.delivery import deliver_approved

    now = now or datetime.now(UTC)
    d = d_.draft(engine, run_id)
    if d.state != d_.APPROVED or is_signed(d):
        raise ApprovalError(f"Lần chạy #{run_id} không chờ bản PDF đã ký ({d_.STATE_VI[d.state]}).")
    pdf = approved_pdf(d)
    approved = register.stored_file(engine, pdf.sha256)
    assert approved is not None
    assert d.decided_by is not None and d.decided_at is not None
    report = check_signed(settings, approved, signed, str(d.reference), d.decided_by, d.decided_at)
    target = pdf.path.with_name(pdf.path.stem + SIGNED_SUFFIX)
    with atomic_output(target) as tmp:
        tmp.write_bytes(signed)
    final = [
        f if f is not pdf else d_.FileRecord(target, register.sha256(signed)) for f in d.final_files
    ]
    with engine.begin() as conn:
        register.store_file(conn, signed)
        kept = conn.execute(
            sa.update(approvals)
            .where(approvals.c.id == d.id, approvals.c.state == d_.APPROVED)
            .values(
                final_files=d_.dump_files(final),
                signed_by=f"{report.signer} <{', '.join(report.emails)}>",
                signed_at=report.signed_at,
                signature_report=report.to_json(approved_pdf_sha256=pdf.sha256),
            )
        ).rowcount
        claimed = conn.execute(
            sa.update(runs)
            .where(runs.c.id == run_id, runs.c.status == ledger.AWAITING)
            .values(
                status=ledger.RUNNING,
                owner=ledger.default_owner(),
                lease_until=now + timedelta(seconds=settings.scheduler.lease_s),
                finished_at=None,
            )
        ).rowcount
        if kept != 1 or claimed != 1:
            raise ApprovalError(
                f"Lần chạy #{run_id} vừa thay đổi trạng thái; xem lại danh sách bản dự thảo."
            )
    job = find_job(settings.jobs_dir, d.job_id, settings.smtp.owner)
    run = ledger.get(engine, run_id)
    assert run is not None
    outcome = deliver_approved(engine, settings, job, run, d_.draft(engine, run_id), now, sleep)
    return Decision(
        outcome.message,
        d_.draft(engine, run_id),
        outcome.sent,
        outcome.failed,
        outcome.step,
        outcome.step_args,
    )
