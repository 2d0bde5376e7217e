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

from reports.accounts.users import audit
from reports.core.errors import BaocaoError
from reports.core.period_pick import parse_period
from reports.exchange.edxml_write import edxml_package
from reports.figures.indicators import list_units
from reports.forms.catalog import FORMS
from reports.forms.generate import fill_form, write_form
from reports.web.auth import allowed, core
from reports.web.steps import say

bp = Blueprint("forms", __name__, url_prefix="/bieu-mau")


@bp.app_context_processor
def official_forms() -> dict[str, Any]:
    """The forms' select on any page that includes ``form_select.html`` (the Báo cáo page)."""
    return {"official_forms": list(FORMS.values())}


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
    try:
        period = parse_period(
            request.form.get("period", ""),
            settings.periods.cutoffs,
            settings.report.week_convention,
        )
        filled = fill_form(engine, settings, code, period, unit)
        if problems := filled.problems():
            return render_template("forms.html", problem="; ".join(problems), **_choices()), 409
        with tempfile.TemporaryDirectory(prefix="baocao-") as tmp:
            paths = write_form(engine, settings, filled, ("xlsx", "docx"), Path(tmp))
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in paths:
                    archive.write(path, path.name)
    except BaocaoError as exc:
        return render_template("forms.html", problem=say(exc), **_choices()), 400
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
