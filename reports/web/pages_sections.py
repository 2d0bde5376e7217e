"""The sections a person writes, edited on the draft's page (issue 19).

The draft's page includes ``_sections_edit.html`` (one line); the form posts here, and the
view calls :func:`reports.approval.written.save_sections`, the function ``baocao sections
RUN_ID FILE`` calls: the sections are stored with the draft, its Word and PDF files rendered
again, and an edit after approval voids the approval (the draft is pending again).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from reports import approval
from reports.accounts.audit import audit
from reports.approval.written import EDITABLE, draft_sections, save_sections
from reports.core import vi
from reports.core.errors import ApprovalError
from reports.core.sections import WrittenSection, blocks_from_text
from reports.web.auth import allowed, core
from reports.web.steps import say

bp = Blueprint("sections", __name__, url_prefix="/drafts")

FIELD_PREFIX = "phan_"
MAX_CHARS = 20_000
"""One section's text at most (a few pages): more is refused, not cut."""


class SectionsForm(FlaskForm):
    """Only the CSRF token: the sections' text areas are named after their keys."""


def sections_of(d: approval.Draft) -> list[dict[str, Any]]:
    """The draft's sections for the editor: key, heading, text as typed, the form field."""
    engine, settings = core()
    report = approval.report_of(engine, d.id)
    return [
        {"key": s.key, "title": s.title, "text": s.as_text(), "field": FIELD_PREFIX + s.key}
        for s in draft_sections(settings, report)
    ]


def sections_editable(d: approval.Draft) -> bool:
    return d.state in EDITABLE


@bp.route("/<int:run_id>/phan-viet", methods=["POST"])
@allowed("generate")
def save(run_id: int) -> Any:
    engine, settings = core()
    if not SectionsForm().validate_on_submit():
        abort(400)
    try:
        d = approval.draft(engine, run_id)
    except ApprovalError:
        abort(404)
    before = approval.report_of(engine, d.id)
    sections = []
    for s in draft_sections(settings, before):
        text = request.form.get(FIELD_PREFIX + s.key, "")
        if len(text) > MAX_CHARS:
            message = f"Phần “{s.title}” dài quá {vi.number(MAX_CHARS)} ký tự; rút gọn rồi lưu lại."
            return render_template("error.html", code=400, message=message), 400
        sections.append(WrittenSection(s.key, s.title, blocks_from_text(text)))
    try:
        after = save_sections(engine, settings, run_id, tuple(sections))
    except ApprovalError as exc:
        audit(
            engine, g.user.name, "draft.sections", f"không lưu được lần chạy #{run_id}: {say(exc)}"
        )
        return render_template("error.html", code=400, message=say(exc)), 400
    voided = d.state != approval.PENDING
    audit(
        engine,
        g.user.name,
        "draft.sections",
        f"sửa các phần do người viết của lần chạy #{run_id}"
        + (f" ({approval.STATE_VI[d.state]} → chờ duyệt)" if voided else ""),
    )
    flash(
        "Đã lưu các phần do người viết và viết lại báo cáo."
        + (f" Bản này trước đó {approval.STATE_VI[d.state]}: nay phải duyệt lại." if voided else "")
    )
    return redirect(url_for("drafts.show", run_id=after.run_id))


bp.add_app_template_global(sections_of, "written_sections_of")
bp.add_app_template_global(sections_editable, "written_sections_editable")
