"""Báo cáo: pick a period and a unit, generate, preview the pages, download the files."""

from __future__ import annotations

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
from wtforms import StringField

from reports.figures.indicators import list_units
from reports.produce import keep
from reports.produce.background import (
    BATCH,
    batch_progress,
    report_progress,
    start_batch,
    start_report,
)
from reports.web.auth import allowed, core
from reports.web.period_form import Picked, UnitPick, read_period, read_unit

bp = Blueprint("report", __name__, url_prefix="/bao-cao")

_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".zip": "application/zip",
}


class GenerateForm(FlaskForm):
    pass


class BatchForm(FlaskForm):
    parent = StringField("Chỉ các đơn vị trực thuộc (để trống: tất cả)")


def _page(
    picked: Picked | None = None,
    batch_picked: Picked | None = None,
    unit: UnitPick | None = None,
    status: int = 200,
) -> Any:
    engine, settings = core()
    with engine.connect() as conn:
        units = list_units(conn)
    return render_template(
        "report.html",
        form=GenerateForm(),
        batch=BatchForm(prefix="batch"),
        picked=picked or read_period(settings, {}, default_preset="tuan-truoc"),
        batch_picked=batch_picked
        or read_period(settings, {}, prefix="batch-", default_preset="tuan-truoc"),
        units=units,
        unit=unit or UnitPick(None, ""),
        reports=list(keep.recent(engine, keep.REPORT_MAIN, 20)),
        batches=list(keep.recent(engine, BATCH, 10)),
    ), status


@bp.route("/", methods=["GET"])
@allowed("report")
def index() -> Any:
    return _page()


@bp.route("/tat-ca", methods=["POST"])
@allowed("generate")
def batch_start() -> Any:
    engine, settings = core()
    form = BatchForm(prefix="batch")
    if not form.validate_on_submit():
        abort(400)
    picked = read_period(settings, request.form, prefix="batch-")
    if not picked.ok:
        return _page(batch_picked=picked, status=400)
    assert picked.period is not None
    progress = start_batch(
        engine,
        settings,
        picked.period,
        parent=(form.parent.data or "").strip() or None,
        by=g.user.name,
    )
    return redirect(url_for("report.batch_show", batch_id=progress.id))


@bp.route("/tat-ca/<batch_id>")
@allowed("report")
def batch_show(batch_id: str) -> Any:
    progress = batch_progress(batch_id)
    if progress is None:
        abort(404)
    return render_template("batch.html", p=progress)


@bp.route("/", methods=["POST"])
@allowed("generate")
def generate() -> Any:
    engine, settings = core()
    if not GenerateForm().validate_on_submit():
        abort(400)
    picked = read_period(settings, request.form)
    with engine.connect() as conn:
        unit = read_unit(list_units(conn), request.form.get("don_vi", ""))
    if not picked.ok or unit.error:
        return _page(picked=picked, unit=unit, status=400)
    assert picked.period is not None
    # in the background, in the batches' queue: the PDF and the page previews take a while
    progress = start_report(engine, settings, picked.period, unit=unit.code, by=g.user.name)
    return redirect(url_for("report.report_wait", work_id=progress.id))


@bp.route("/dang-viet/<work_id>")
@allowed("report")
def report_wait(work_id: str) -> Any:
    """A report being written: its steps, the page reloading itself; once written, the report."""
    progress = report_progress(work_id)
    if progress is None:
        abort(404)
    if progress.finished and progress.report_id is not None:
        flash("Đã viết báo cáo.")
        return redirect(url_for("report.show", file_id=progress.report_id))
    return render_template("report_wait.html", p=progress, steps=STEP_WORDS)


STEP_WORDS = {
    "figures": "Tính số liệu",
    "docx": "Viết bản Word",
    "xlsx": "Viết bản Excel",
    "pdf": "Chuyển sang PDF",
    "preview": "Tạo trang xem trước",
}
"""What each step of :func:`reports.produce.keep.report_steps` is called on the page."""


@bp.route("/<int:file_id>")
@allowed("report")
def show(file_id: int) -> Any:
    engine, _ = core()
    main = keep.get_file(engine, file_id, (keep.REPORT,))
    if main is None or main.parent_id is not None:
        abort(404)
    parts = keep.children(engine, main.id)
    files = [main, *(p for p in parts if p.kind == keep.REPORT)]
    pages = [p for p in parts if p.kind == keep.PREVIEW]
    return render_template("report_show.html", main=main, files=files, pages=pages)


@bp.route("/tep/<int:file_id>")
@allowed("report")
def download(file_id: int) -> Any:
    engine, _ = core()
    found = keep.get_file(engine, file_id, (keep.REPORT, keep.PREVIEW, BATCH))
    if found is None:
        abort(404)
    inline = found.kind == keep.PREVIEW
    return send_file(
        found.path,
        mimetype=_TYPES.get(found.path.suffix, "application/octet-stream"),
        as_attachment=not inline,
        download_name=found.name,
    )
