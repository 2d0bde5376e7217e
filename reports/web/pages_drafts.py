"""Duyệt báo cáo: the approval queue, one draft with its pages, approve or return it.

The views call :mod:`reports.approval` (the functions ``baocao drafts|approve|return`` call);
a file is found by the draft's record and the file's place in it, never by a path from the
request. The users table is where a job's ``approvers`` logins and roles are looked up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from reports import approval
from reports.accounts.audit import audit
from reports.approval.notices import data_state
from reports.approval.queue import upcoming_reference
from reports.core import period_names
from reports.core.errors import ApprovalError
from reports.produce.previews import draft_pages, draft_preview
from reports.schedule.now import start_run
from reports.web.auth import allowed, core
from reports.web.steps import say

bp = Blueprint("drafts", __name__, url_prefix="/drafts")

_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
}


class ApproveForm(FlaskForm):
    pass


class RedoForm(FlaskForm):
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
    return render_template(
        "drafts.html", drafts=approval.drafts(engine), returned=approval.open_returns(engine)
    )


def _context(d: approval.Draft) -> dict[str, Any]:
    """What the draft's page and its confirmation show: the document, its figures, the data's
    state, the written sections, and the returned draft it answers."""
    engine, settings = core()
    shown = d.state in (approval.PENDING, approval.RETURNED)
    pages, no_preview = (
        draft_preview(settings, d.id, [f.path for f in d.files]) if shown else ([], None)
    )
    report = approval.report_of(engine, d.id)
    return {
        "d": d,
        "state": approval.STATE_VI.get(d.state, d.state),
        "pages": range(1, len(pages) + 1),
        "no_preview": no_preview,
        "written": report.written,
        "data_state": data_state(settings, report),
        "answers": approval.answered_return(engine, d),
        "redone": approval.redone_by(engine, d) if d.state == approval.RETURNED else None,
        "waiting_redo": request.args.get("dang_tao") == "1",
        "approve_form": ApproveForm(),
        "return_form": ReturnForm(),
        "redo_form": RedoForm(),
    }


@bp.route("/<int:run_id>")
@allowed("drafts")
def show(run_id: int) -> Any:
    return render_template("draft_show.html", **_context(_draft(run_id)))


@bp.route("/<int:run_id>/duyet", methods=["GET"])
@allowed("approve")
def confirm(run_id: int) -> Any:
    """The confirmation before approving: the number and the date the document will get."""
    engine, settings = core()
    d = _draft(run_id)
    if d.state != approval.PENDING:
        return redirect(url_for("drafts.show", run_id=run_id))
    reference, issued = upcoming_reference(engine, settings, d)
    return render_template("draft_confirm.html", **_context(d), reference=reference, issued=issued)


@bp.route("/<int:run_id>/tao-lai", methods=["POST"])
@allowed("generate")
def redo(run_id: int) -> Any:
    """A returned draft made again from the data and sections as they are now; the new draft
    goes to the approvers (one mail each) and names the comment it answers."""
    engine, settings = core()
    if not RedoForm().validate_on_submit():
        abort(400)
    d = _draft(run_id)
    if d.state != approval.RETURNED:
        flash("Chỉ tạo lại được bản dự thảo đã bị trả lại.")
        return redirect(url_for("drafts.show", run_id=run_id))
    start_run(engine, settings, d.job_id, d.period, by=g.user.name)
    flash(
        f"Đang tạo lại bản dự thảo {period_names.period_name(d.period)} từ số liệu và phần viết "
        "hiện có; bản mới được gửi người duyệt và hiện ở đây khi xong."
    )
    audit(
        engine,
        g.user.name,
        "draft.regenerate",
        f"tạo lại bản dự thảo {period_names.period_name(d.period)} (trả lời ý kiến: {d.comment})",
    )
    return redirect(url_for("drafts.show", run_id=run_id, dang_tao=1))


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
        audit(
            engine, g.user.name, "draft.approve", f"không duyệt được lần chạy #{run_id}: {say(exc)}"
        )
        return _error(say(exc))
    audit(engine, g.user.name, "draft.approve", decision.message)
    reference = decision.draft.reference
    if before.state == approval.RELEASED or not reference:
        flash(say(decision.said))
    else:
        flash(f"Đã duyệt. Số: {reference}. {say(decision.said)}")
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
        audit(
            engine,
            g.user.name,
            "draft.return",
            f"không trả lại được lần chạy #{run_id}: {say(exc)}",
        )
        return _error(say(exc))
    audit(engine, g.user.name, "draft.return", f"{decision.message} Ý kiến: {comment}")
    flash(say(decision.said))
    return redirect(url_for("drafts.show", run_id=run_id))


def summary_lines(d: approval.Draft) -> list[str]:
    return [line.removeprefix("- ") for line in d.summary.splitlines() if line.strip()]


def local_day(at: datetime) -> str:
    """dd/mm/yyyy of ``at`` in the office's time zone."""
    _, settings = core()
    return f"{at.astimezone(settings.tz):%d/%m/%Y}"


bp.add_app_template_filter(summary_lines, "summary_lines")
bp.add_app_template_filter(local_day, "ngay_vn")
