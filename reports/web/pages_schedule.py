"""Lịch gửi, for quản trị: a job made, copied or deleted on the page (kept in the database;
job files stay the import/export format: ``baocao jobs export|import``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField

from reports.core.errors import JobError, UsageError
from reports.schedule.overrides import parse_addresses
from reports.schedule.stored import add_job, copy_job, delete_job
from reports.schedule.words import Choice, cron_from_choice, parse_days, schedule_words
from reports.web.auth import allowed, core
from reports.web.steps import say

bp = Blueprint("schedule", __name__)

PERIOD_WORDS = {
    "previous-week": "tuần trước",
    "previous-month": "tháng trước",
    "previous-quarter": "quý trước",
    "previous-half": "6 tháng trước",
    "previous-year": "năm trước",
}
"""A job's ``period`` as the page names it: the last complete period before the run."""


class NewJobForm(FlaskForm):
    job_id = StringField("Tên công việc (chữ thường không dấu, số, -)")
    period = SelectField(
        "Báo cáo kỳ", choices=[SelectChoice(k, v) for k, v in PERIOD_WORDS.items()]
    )
    to = TextAreaField("Gửi tới (mỗi dòng một địa chỉ)")
    cc = TextAreaField("Đồng gửi")


class CopyForm(FlaskForm):
    new_id = StringField("Tên bản sao")


def _picked_choice(prefix: str) -> Choice:
    form = request.form

    def number(name: str, default: int) -> int:
        value = form.get(prefix + name, "")
        return int(value) if value.isdigit() else default

    return Choice(
        form.get(prefix + "lap", "week"),
        days=parse_days(form.getlist(prefix + "thu")),
        day=number("ngay", 1),
        hour=number("gio", 8),
        minute=number("phut", 0),
    )


@bp.route("/lich-gui/moi", methods=["POST"])
@allowed("run")
def new() -> Any:
    engine, settings = core()
    form = NewJobForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        schedule, on_holiday = cron_from_choice(_picked_choice("moi-"))
        formats = [f for f in request.form.getlist("moi-dinh-dang") if f in ("docx", "xlsx", "pdf")]
        raw: dict[str, Any] = {
            "id": (form.job_id.data or "").strip(),
            "schedule": schedule,
            "on_holiday": on_holiday or "next-working-day",
            "formats": formats or ["docx"],
            "period": form.period.data or "previous-week",
            "email": {
                "to": list(parse_addresses(form.to.data or "", "Gửi tới")),
                "cc": list(parse_addresses(form.cc.data or "", "Đồng gửi")),
            },
        }
        if not raw["email"]["to"]:
            raise JobError("cần ít nhất một người nhận (Gửi tới)")
        job = add_job(engine, settings, raw, by=g.user.name)
    except (JobError, UsageError) as exc:
        flash(f"Chưa thêm công việc: {say(exc)}")
        return redirect(url_for("jobs.jobs", _anchor="them"))
    flash(f"Đã thêm {job.id}: {schedule_words(job.schedule, job.on_holiday)}.")
    return redirect(url_for("jobs.jobs", _anchor=f"job-{job.id}"))


@bp.route("/lich-gui/<job_id>/sao-chep", methods=["POST"])
@allowed("run")
def copy(job_id: str) -> Any:
    engine, settings = core()
    form = CopyForm(prefix=f"{job_id}-sao")
    if not form.validate_on_submit():
        abort(400)
    try:
        job = copy_job(engine, settings, job_id, form.new_id.data or "", by=g.user.name)
    except JobError as exc:
        flash(f"Chưa sao chép {job_id}: {say(exc)}")
        return redirect(url_for("jobs.jobs", _anchor=f"job-{job_id}"))
    flash(f"Đã sao chép {job_id} thành {job.id}.")
    return redirect(url_for("jobs.jobs", _anchor=f"job-{job.id}"))


@bp.route("/lich-gui/<job_id>/xoa", methods=["POST"])
@allowed("run")
def delete(job_id: str) -> Any:
    engine, settings = core()
    if not CopyForm(prefix=f"{job_id}-xoa").validate_on_submit():
        abort(400)
    delete_job(engine, settings, job_id, by=g.user.name)
    flash(f"Đã xóa công việc {job_id}.")
    return redirect(url_for("jobs.jobs"))
