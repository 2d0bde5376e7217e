"""Issuing on the page: "Ký số" (the hand-off to the signer's local signing service) and the
evidence pack of a run (a link in Lịch sử).

The views call :mod:`reports.approval.sign_link` and :mod:`reports.approval.evidence`, as
``baocao sign`` and ``baocao evidence`` do. The signing service posts the signed PDF with no
browser session: that view is exempt from CSRF (in :func:`reports.web.create_app`) and is
authenticated by the link's single-use token instead.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from flask import Blueprint, abort, g, jsonify, request, send_file, url_for
from flask_wtf import FlaskForm

from reports.accounts.audit import audit
from reports.approval import core as d_
from reports.approval.evidence import evidence_pack
from reports.approval.sign_link import (
    approved_pdf_for,
    awaiting_signature,
    issue_link,
    receive_signed,
)
from reports.approval.signed import signature_of
from reports.core.errors import ApprovalError
from reports.web.auth import allowed, core
from reports.web.steps import say

bp = Blueprint("sign", __name__)
log = logging.getLogger(__name__)


class LinkForm(FlaskForm):
    pass


def _external(endpoint: str, **values: Any) -> str:
    """An address the signing service reaches: from ``web.base_url`` when set."""
    _, settings = core()
    if settings.web.base_url:
        return settings.web.base_url + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


@bp.route("/drafts/<int:run_id>/ky-so", methods=["POST"])
@allowed("approve")
def link(run_id: int) -> Any:
    """The parameters the page hands to the signing service (its ``SignApproved`` call)."""
    engine, _ = core()
    if not LinkForm().validate_on_submit():
        abort(400)
    try:
        made = issue_link(engine, run_id, g.user.name, where=f"trang web, {request.remote_addr}")
    except ApprovalError as exc:
        return jsonify({"error": say(exc)}), 400
    return jsonify(
        {
            "FileName": _external("sign.download", token=made.token),
            "FileUploadHandler": _external("sign.upload", token=made.token),
            "SessionId": "",
            "JWTToken": "",
        }
    )


@bp.route("/ky-so/<token>/tep.pdf")
def download(token: str) -> Any:
    engine, _ = core()
    try:
        name, data = approved_pdf_for(engine, token)
    except ApprovalError:
        abort(404)
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name)


@bp.route("/ky-so/<token>/tai-len", methods=["POST"])
def upload(token: str) -> Any:
    """The signed PDF, posted by the signing service (multipart; the first file part whatever
    its name, as the tools differ). Answered as the service expects: Status 0 or 1."""
    engine, settings = core()
    parts = list(request.files.items())
    if not parts:
        return jsonify({"Status": 1, "Message": "Không nhận được tệp PDF đã ký."})
    field, stored = parts[0]
    log.info("nhận tệp PDF đã ký trong trường %r của biểu mẫu", field)
    try:
        decision = receive_signed(engine, settings, token, stored.read())
    except ApprovalError as exc:
        return jsonify({"Status": 1, "Message": say(exc)})
    signed = next((f.path.name for f in decision.draft.final_files if f.path.suffix == ".pdf"), "")
    return jsonify(
        {"Status": 0, "Message": say(decision.said), "FileName": signed, "FileServer": ""}
    )


@bp.route("/lich-su/<int:run_id>/ho-so-chung-cu")
@allowed("history")
def evidence(run_id: int) -> Any:
    engine, settings = core()
    name, data = evidence_pack(engine, settings, run_id)
    audit(engine, g.user.name, "evidence.download", f"tải hồ sơ chứng cứ lần chạy #{run_id}")
    return send_file(
        io.BytesIO(data), mimetype="application/zip", as_attachment=True, download_name=name
    )


def waits_for_signature(d: d_.Draft) -> bool:
    return awaiting_signature(d)


def signature_lines(d: d_.Draft) -> list[str]:
    """The accepted signature's report in Vietnamese (empty before one is accepted)."""
    engine, settings = core()
    report = signature_of(engine, d.run_id)
    return report.lines(settings.tz) if report is not None else []


bp.add_app_template_global(waits_for_signature, "cho_ky_so")
bp.add_app_template_global(signature_lines, "ket_qua_ky_so")
