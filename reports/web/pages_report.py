"""Báo cáo: pick a period and a unit, generate, preview the pages, download the files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, send_file, url_for
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired

from reports.accounts.users import audit
from reports.core import period_names
from reports.core.periods import classify, parse_cli_date, week_before
from reports.figures.indicators import list_units
from reports.produce import keep
from reports.produce.background import BATCH, batch_progress, start_batch
from reports.web.auth import allowed, core

bp = Blueprint("report", __name__, url_prefix="/bao-cao")

_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".zip": "application/zip",
}


class BatchForm(FlaskForm):
    start = StringField("Từ ngày", validators=[DataRequired("Nhập ngày đầu kỳ.")])
    end = StringField("Đến ngày", validators=[DataRequired("Nhập ngày cuối kỳ.")])
    parent = StringField("Chỉ các đơn vị trực thuộc (mã, để trống: tất cả)")


class GenerateForm(FlaskForm):
    start = StringField("Từ ngày (dd/mm/yyyy)", validators=[DataRequired("Nhập ngày đầu kỳ.")])
    end = StringField(
        "Đến ngày (dd/mm/yyyy, tính cả ngày này)", validators=[DataRequired("Nhập ngày cuối kỳ.")]
    )
    unit = SelectField("Đơn vị", default="")


def _form() -> GenerateForm:
    engine, settings = core()
    form = GenerateForm()
    with engine.connect() as conn:
        units = list_units(conn)
    form.unit.choices = [SelectChoice("", "Toàn thành phố")] + [
        SelectChoice(code, name) for code, name, _ in units
    ]
    if not form.is_submitted():
        week = week_before(datetime.now(settings.tz), settings.report.week_convention)
        form.start.data = f"{week.start:%d/%m/%Y}"
        form.end.data = f"{week.end:%d/%m/%Y}"
    return form


@bp.route("/", methods=["GET"])
@allowed("report")
def index() -> Any:
    engine, _ = core()
    form = _form()
    batch = BatchForm(prefix="batch", data={"start": form.start.data, "end": form.end.data})
    return render_template(
        "report.html",
        form=form,
        batch=batch,
        reports=list(keep.recent(engine, keep.REPORT_MAIN, 20)),
    )


@bp.route("/tat-ca", methods=["POST"])
@allowed("generate")
def batch_start() -> Any:
    engine, settings = core()
    form = BatchForm(prefix="batch")
    if not form.validate_on_submit():
        abort(400)
    period = classify(  # with its kind, as the CLI's --from/--to
        parse_cli_date(form.start.data or "", "Từ ngày"),
        parse_cli_date(form.end.data or "", "Đến ngày"),
        settings.periods.cutoffs,
        settings.report.week_convention,
    )
    progress = start_batch(
        engine, settings, period, parent=(form.parent.data or "").strip() or None, by=g.user.name
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
    form = _form()
    if not form.validate_on_submit():
        return render_template("report.html", form=form, reports=[]), 400
    period = classify(  # with its kind, as the CLI's --from/--to
        parse_cli_date(form.start.data or "", "Từ ngày"),
        parse_cli_date(form.end.data or "", "Đến ngày"),
        settings.periods.cutoffs,
        settings.report.week_convention,
    )
    unit = form.unit.data or None
    kept = keep.generate_kept(engine, settings, period, unit=unit, by=g.user.name)
    audit(
        engine,
        g.user.name,
        "generate",
        f"viết báo cáo kỳ {period_names.period_short(period)}"
        + (f" đơn vị {unit}" if unit else ""),
    )
    flash("Đã viết báo cáo.")
    return redirect(url_for("report.show", file_id=kept.id))


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
