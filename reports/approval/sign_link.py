"""Signing on the page: a single-use, short-lived link pair for the signer's local signing
service (the VGCA Sign Service, ``../shared/spec/exchange.md`` §1).

The page asks for a link as the logged-in approver; the service on the signer's PC fetches the
approved, numbered PDF from the download URL and POSTs the signed PDF to the upload URL. The
service has no browser session, so the URL carries a random token: only its SHA-256 is stored,
bound to the run, the approved PDF's SHA-256 and the user; it expires after
:data:`LINK_MINUTES` and is spent by the first upload, accepted or not. The upload goes
through :func:`reports.approval.signed.accept_signed`, as ``baocao sign`` does.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.accounts.audit import audit
from reports.approval import core as d_
from reports.approval import register
from reports.approval.approvers import require_approver
from reports.approval.decisions import Decision
from reports.approval.signed import accept_signed, approved_pdf, is_signed
from reports.core.errors import ApprovalError
from reports.settings.load import Settings
from reports.store.db import as_utc
from reports.store.schema import sign_links

LINK_MINUTES = 15


@dataclass(frozen=True)
class SignLink:
    token: str
    run_id: int
    pdf_name: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def awaiting_signature(d: d_.Draft) -> bool:
    """The draft is approved, has a PDF, and its signed PDF has not come yet."""
    return (
        d.state == d_.APPROVED
        and any(f.path.suffix == ".pdf" for f in d.final_files)
        and not is_signed(d)
    )


def issue_link(
    engine: Engine, run_id: int, by: str, *, where: str = "", now: datetime | None = None
) -> SignLink:
    """A new link for ``by`` (one of the job's approvers) to sign run #``run_id``'s PDF."""
    now = now or datetime.now(UTC)
    d = d_.draft(engine, run_id)
    require_approver(engine, d, by, "sign", where)
    if not awaiting_signature(d):
        raise ApprovalError(f"Lần chạy #{run_id} không chờ ký số ({d_.STATE_VI[d.state]}).")
    pdf = approved_pdf(d)
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(minutes=LINK_MINUTES)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(sign_links).values(
                token_sha256=_digest(token),
                run_id=run_id,
                pdf_sha256=pdf.sha256,
                user_name=by,
                created_at=now,
                expires_at=expires,
            )
        )
    audit(engine, by, "draft.sign.link", f"đường dẫn ký số lần chạy #{run_id}, từ {where or '-'}")
    return SignLink(token, run_id, pdf.path.name, expires)


def _live(engine: Engine, token: str, now: datetime) -> sa.Row[tuple[object, ...]]:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(sign_links).where(sign_links.c.token_sha256 == _digest(token))
        ).first()
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= now:  # type: ignore[arg-type]
        raise ApprovalError(
            "Đường dẫn ký số không còn dùng được (đã dùng hoặc quá "
            f"{LINK_MINUTES} phút); bấm Ký số trên trang để lấy đường dẫn mới."
        )
    return row


def approved_pdf_for(
    engine: Engine, token: str, *, now: datetime | None = None
) -> tuple[str, bytes]:
    """The name and the frozen bytes of the PDF the link is for (the download does not spend
    the link)."""
    row = _live(engine, token, now or datetime.now(UTC))
    data = register.stored_file(engine, str(row.pdf_sha256))  # type: ignore[attr-defined]
    if data is None:
        raise ApprovalError("Không còn bản lưu của tệp PDF đã duyệt.")
    d = d_.draft(engine, int(row.run_id))  # type: ignore[attr-defined]
    return approved_pdf(d).path.name, data


def receive_signed(
    engine: Engine,
    settings: Settings,
    token: str,
    signed: bytes,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Decision:
    """Spend the link, then check and keep the signed PDF and send it (as ``baocao sign``)."""
    now = now or datetime.now(UTC)
    row = _live(engine, token, now)
    with engine.begin() as conn:
        spent = conn.execute(
            sa.update(sign_links)
            .where(sign_links.c.token_sha256 == _digest(token), sign_links.c.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
    if spent != 1:
        raise ApprovalError("Đường dẫn ký số vừa được dùng; bấm Ký số để lấy đường dẫn mới.")
    run_id, user = int(row.run_id), str(row.user_name)  # type: ignore[attr-defined]
    try:
        decision = accept_signed(engine, settings, run_id, signed, now=now, sleep=sleep)
    except ApprovalError as exc:
        audit(engine, user, "draft.sign", f"bản ký số lần chạy #{run_id} không nhận: {exc}")
        raise
    audit(engine, user, "draft.sign", f"bản ký số lần chạy #{run_id}: {decision.message}")
    return decision
