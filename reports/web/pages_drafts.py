"""Duyệt báo cáo: the approval queue, one draft with its pages, approve or return it.

The views call :mod:`reports.approval` (the functions ``baocao drafts|approve|return`` call);
a file is found by the draft's record and the file's place in it, never by a path from the
request. The users table is where a job's ``approvers`` logins and roles are looked up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from reports import approval
from reports.accounts.users import audit
from reports.core.errors import ApprovalError
from reports.produce.previews import draft_pages, draft_preview
from reports.web.auth import allowed, core

bp = Blueprint("drafts", __name__, url_prefix="/drafts")

_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
}


class ApproveForm(FlaskForm):
    pass


class ReturnForm(FlaskForm):
    comment = TextAreaField(
        "Ý kiến (điều cần sửa)", validators=[DataRequired("Nhập ý kiến khi trả lại.")]
    )


def _draft(run_id: int) -> approval.Draft:
    engine, _ = core()
    try:
        return approval.draft(engine, run_id)
    except ApprovalError:
        abort(404)


@bp.route("/")
@allowed("drafts")
def index() -> Any:
    engine, _ = core()
    return render_template("drafts.html", drafts=approval.drafts(engine))


@bp.route("/<int:run_id>")
@allowed("drafts")
def show(run_id: int) -> Any:
    _, settings = core()
    d = _draft(run_id)
    pages, no_preview = (
        draft_preview(settings, d.id, [f.path for f in d.files])
        if d.state == approval.PENDING
        else ([], None)
    )
    return render_template(
        "draft_show.html",
        d=d,
        state=approval.STATE_VI.get(d.state, d.state),
        pages=range(1, len(pages) + 1),
        no_preview=no_preview,
        approve_form=ApproveForm(),
        return_form=ReturnForm(),
    )


@bp.route("/<int:run_id>/trang/<int:page>")
@allowed("drafts")
def page(run_id: int, page: int) -> Any:
    _, settings = core()
    d = _draft(run_id)
    made = draft_pages(settings, d.id)
    if not 1 <= page <= len(made):
        abort(404)
    return send_file(made[page - 1], mimetype="image/png")


@bp.route("/<int:run_id>/tep/<int:index>")
@allowed("drafts")
def download(run_id: int, index: int) -> Any:
    """The draft's file number ``index`` (from 1), or — once numbered — the final one."""
    engine, _ = core()
    d = _draft(run_id)
    paths = approval.frozen_paths(engine, d) if d.final_files else [f.path for f in d.files]
    if not 1 <= index <= len(paths) or not paths[index - 1].is_file():
        abort(404)
    path = paths[index - 1]
    return send_file(
        path,
        mimetype=_TYPES.get(path.suffix, "application/octet-stream"),
        as_attachment=True,
        download_name=path.name,
    )


def _error(message: str) -> Any:
    return render_template("error.html", code=400, message=message), 400


@bp.route("/<int:run_id>/duyet", methods=["POST"])
@allowed("approve")
def approve(run_id: int) -> Any:
    engine, settings = core()
    if not ApproveForm().validate_on_submit():
        abort(400)
    before = _draft(run_id)
    try:
        decision = approval.approve(
            engine, settings, run_id, g.user.name, where=f"trang web, {request.remote_addr}"
        )
    except ApprovalError as exc:
        audit(engine, g.user.name, "draft.approve", f"không duyệt được lần chạy #{run_id}: {exc}")
        return _error(str(exc))
    audit(engine, g.user.name, "draft.approve", decision.message)
    reference = decision.draft.reference
    if before.state == approval.RELEASED or not reference:
        flash(decision.message)
    else:
        flash(f"Đã duyệt. Số: {reference}. {decision.message}")
    if decision.failed:
        flash(
            "Chưa gửi được cho: "
            + ", ".join(f"{who} ({why})" for who, why in decision.failed.items())
            + ". Bấm Duyệt lần nữa để gửi tiếp cho những người chưa nhận."
        )
    return redirect(url_for("drafts.show", run_id=run_id))


@bp.route("/<int:run_id>/tra-lai", methods=["POST"])
@allowed("approve")
def return_(run_id: int) -> Any:
    engine, settings = core()
    form = ReturnForm()
    if not form.validate_on_submit():
        if form.comment.errors:
            return _error("Trả lại cần ý kiến: ghi điều cần sửa vào ô Ý kiến.")
        abort(400)
    _draft(run_id)
    comment = (form.comment.data or "").strip()
    try:
        decision = approval.return_draft(
            engine,
            settings,
            run_id,
            g.user.name,
            comment,
            where=f"trang web, {request.remote_addr}",
        )
    except ApprovalError as exc:
        audit(engine, g.user.name, "draft.return", f"không trả lại được lần chạy #{run_id}: {exc}")
        return _error(str(exc))
    audit(engine, g.user.name, "draft.return", f"{decision.message} Ý kiến: {comment}")
    flash(decision.message)
    return redirect(url_for("drafts.show", run_id=run_id))


def summary_lines(d: approval.Draft) -> list[str]:
    return [line.removeprefix("- ") for line in d.summary.splitlines() if line.strip()]


def local_day(at: datetime) -> str:
    """dd/mm/yyyy of ``at`` in the office's time zone."""
    _, settings = core()
    return f"{at.astimezone(settings.tz):%d/%m/%Y}"


bp.add_app_template_filter(summary_lines, "summary_lines")
bp.add_app_template_filter(local_day, "ngay_vn")
