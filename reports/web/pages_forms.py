"""Biểu mẫu: an official form for a period and unit, written and downloaded; the edXML package
of an issued report (Lịch sử). Calls the same core functions as ``baocao forms`` and
``baocao edxml``."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from flask import Blueprint, render_template, request, send_file

from reports.accounts.audit import audit
from reports.core.errors import BaocaoError
from reports.exchange.edxml_write import edxml_package
from reports.figures.indicators import list_units
from reports.forms.catalog import FORMS
from reports.forms.generate import fill_form, write_form
from reports.web.auth import allowed, core
from reports.web.period_form import FORM_PRESETS, Picked, read_period
from reports.web.steps import say

bp = Blueprint("forms", __name__, url_prefix="/bieu-mau")


@bp.app_context_processor
def official_forms() -> dict[str, Any]:
    """The forms' select on any page that includes ``form_select.html`` (the Báo cáo page),
    with its period picker (last quarter unless the page gives the one the user sent)."""

    def form_picked() -> Picked:
        _, settings = core()
        return read_period(
            settings, {}, prefix=PREFIX, default_preset="quy-truoc", presets=FORM_PRESETS
        )

    return {"official_forms": list(FORMS.values()), "form_picked": form_picked}


PREFIX = "bieu-"


def _picked() -> Picked:
    """The period the form's picker names; ``period`` (the typed code alone, as scripts and
    the first version of this page sent it) when the picker's fields are absent."""
    _, settings = core()
    fields = dict(request.form)
    if not any(k.startswith(PREFIX) for k in fields) and fields.get("period"):
        fields[f"{PREFIX}ky_go"] = fields["period"]
    return read_period(settings, fields, prefix=PREFIX, presets=FORM_PRESETS)


def _choices() -> dict[str, Any]:
    engine, _ = core()
    with engine.connect() as conn:
        units = list_units(conn)
    return {"units": [(code, name) for code, name, _ in units]}


@bp.route("/", methods=["GET"])
@allowed("report")
def index() -> Any:
    return render_template("forms.html", problem=None, **_choices())


@bp.route("/", methods=["POST"])
@allowed("generate")
def generate() -> Any:
    """The form's files as one .zip (and its broken identities said on the page, if any)."""
    from flask import g

    engine, settings = core()
    code = request.form.get("form", "")
    unit = request.form.get("unit") or None
    picked = _picked()

    def page(problem: str | None, status: int) -> tuple[str, int]:
        html = render_template("forms.html", problem=problem, form_picked=picked, **_choices())
        return html, status

    if picked.period is None:
        return page(None, 400)
    period = picked.period
    try:
        filled = fill_form(engine, settings, code, period, unit)
        if problems := filled.problems():
            return page("; ".join(problems), 409)
        with tempfile.TemporaryDirectory(prefix="baocao-") as tmp:
            paths = write_form(engine, settings, filled, ("xlsx", "docx"), Path(tmp))
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in paths:
                    archive.write(path, path.name)
    except BaocaoError as exc:
        return page(say(exc), 400)
    audit(engine, g.user.name, "form", f"lập biểu {filled.spec.code} kỳ {period.code()}")
    buffer.seek(0)
    name = paths[0].with_suffix(".zip").name
    return send_file(buffer, mimetype="application/zip", as_attachment=True, download_name=name)


@bp.route("/edxml/<int:run_id>")
@allowed("report")
def edxml(run_id: int) -> Any:
    """The edXML package of the report issued by run #``run_id``."""
    engine, settings = core()
    try:
        data = edxml_package(engine, settings, run_id)
    except BaocaoError as exc:
        return render_template("error.html", code=409, message=say(exc)), 409
    return send_file(
        io.BytesIO(data),
        mimetype="application/xml",
        as_attachment=True,
        download_name=f"van-ban-lan-chay-{run_id}.edxml",
    )
