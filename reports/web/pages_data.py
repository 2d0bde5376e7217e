"""Nhập dữ liệu: upload, the validation report before anything is stored, import, the log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, send_file, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, SelectChoice, SelectField

from reports.accounts.audit import audit
from reports.core.domain import KINDS
from reports.core.errors import DataImportError, Step, UnknownUnitsError, UploadError
from reports.figures.datastate import import_log
from reports.produce import keep
from reports.schedule.intake import import_upload
from reports.sources.check import check_report, office_mappings
from reports.sources.importer import kind_from_name
from reports.web.auth import allowed, core
from reports.web.steps import PAGE_STEPS, say

bp = Blueprint("data", __name__, url_prefix="/nhap-du-lieu")

_MAX_SHOWN = 500
"""Problems kept for the page per file (the count says how many there were)."""


class UploadForm(FlaskForm):
    files = MultipleFileField("Tệp xuất từ hệ thống (CSV hoặc .xlsx)")
    kind = SelectField("Loại bản ghi", default="")
    mapping = SelectField("Ánh xạ cột", default="")


class ImportForm(FlaskForm):
    skip_invalid = BooleanField("Bỏ qua các dòng lỗi, nhập các dòng hợp lệ")
    accept_unknown_units = BooleanField("Vẫn nhập, ghi nhận các mã đơn vị chưa có trong danh mục")


def _upload_form() -> UploadForm:
    _, settings = core()
    form = UploadForm()
    form.kind.choices = [SelectChoice("", "Tự nhận theo tên tệp")] + [
        SelectChoice(k, v.label) for k, v in KINDS.items()
    ]
    form.mapping.choices = [SelectChoice("", "Không dùng ánh xạ")] + [
        SelectChoice(name, name) for name in office_mappings(settings.base_dir)
    ]
    return form


@bp.route("/", methods=["GET"])
@allowed("data")
def index() -> Any:
    engine, _ = core()
    uploads = list(keep.recent(engine, keep.UPLOAD, 20))
    return render_template(
        "data.html", form=_upload_form(), uploads=uploads, log=import_log(engine, 30)
    )


@bp.route("/", methods=["POST"])
@allowed("data")
def upload() -> Any:
    engine, settings = core()
    form = _upload_form()
    if not form.validate_on_submit():
        abort(400)
    chosen = [f for f in form.files.data or [] if f and f.filename]
    if not chosen:
        flash("Chọn ít nhất một tệp để tải lên.")
        return redirect(url_for("data.index"))
    mappings = office_mappings(settings.base_dir)
    last = None
    for item in chosen:
        name = Path(item.filename or "tep").name
        try:
            stored = keep.store_upload(engine, settings, item.stream, name, by=g.user.name)
        except UploadError as exc:
            return render_template("data.html", form=form, uploads=[], log=[], error=say(exc)), 400
        kind = form.kind.data or kind_from_name(Path(name))
        meta: dict[str, Any] = {"kind": kind or "", "mapping": form.mapping.data or ""}
        meta.update(
            check_report(
                stored.path,
                stored.name,
                kind=kind,
                mapping=mappings.get(form.mapping.data or ""),
                max_shown=_MAX_SHOWN,
            )
        )
        keep.update_meta(engine, stored.id, meta)
        audit(engine, g.user.name, "upload", f"tải lên {name} ({stored.sha256[:12]}…)")
        last = stored.id
    return redirect(url_for("data.show", file_id=last))


@bp.route("/<int:file_id>")
@allowed("data")
def show(file_id: int) -> Any:
    engine, _ = core()
    stored = keep.get_file(engine, file_id, (keep.UPLOAD,))
    if stored is None:
        abort(404)
    rejected = keep.children(engine, stored.id)
    return render_template(
        "upload.html",
        f=stored,
        form=ImportForm(),
        rejected=rejected,
        unknown_units_step=PAGE_STEPS[Step.ACCEPT_UNKNOWN_UNITS],
    )


@bp.route("/<int:file_id>/nhap", methods=["POST"])
@allowed("data")
def do_import(file_id: int) -> Any:
    engine, settings = core()
    stored = keep.get_file(engine, file_id, (keep.UPLOAD,))
    form = ImportForm()
    if stored is None:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    if stored.meta.get("imported"):
        flash("Tệp này đã được nhập.")
        return redirect(url_for("data.show", file_id=file_id))
    try:
        intake = import_upload(
            engine,
            settings,
            stored,
            skip_invalid=bool(form.skip_invalid.data),
            by=g.user.name,
            accept_unknown_units=bool(form.accept_unknown_units.data),
        )
    except UnknownUnitsError as exc:
        # The upload is kept: the page lists the codes and offers the same import again with
        # the codes accepted (the CLI's --accept-unknown-units), without uploading again.
        meta = dict(stored.meta)
        meta["unknown_units"] = [
            {"where": f"{stored.name}:{p.row}:{p.column}", "code": str(p.value)}
            | {"problem": p.problem}
            for p in exc.problems
        ]
        meta["skip_invalid"] = bool(form.skip_invalid.data)
        keep.update_meta(engine, stored.id, meta)
        flash(
            f"Chưa nhập: {len(exc.codes)} mã đơn vị chưa có trong danh mục đơn vị "
            f"({', '.join(exc.codes)})."
        )
        return redirect(url_for("data.show", file_id=file_id))
    except DataImportError as exc:
        flash(say(exc).replace(str(stored.path), stored.name))
        return redirect(url_for("data.show", file_id=file_id))
    flash("Đã nhập: " + "; ".join(intake.lines))
    for line in [*intake.warnings, *intake.held]:  # as after `baocao import`
        flash(line)
    return redirect(url_for("data.show", file_id=file_id))


@bp.route("/tep/<int:file_id>")
@allowed("data")
def download(file_id: int) -> Any:
    engine, _ = core()
    stored = keep.get_file(engine, file_id, (keep.REJECTED, keep.UPLOAD))
    if stored is None:
        abort(404)
    return send_file(stored.path, as_attachment=True, download_name=stored.name)
