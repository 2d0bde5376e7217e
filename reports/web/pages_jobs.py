"""Lịch gửi (the jobs, run one now) and Lịch sử (runs, deliveries, the files sent)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, send_file, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from reports.approval.evidence import has_pack
from reports.core import period_names
from reports.core.errors import DeliveryError
from reports.core.periods import classify, parse_cli_date
from reports.produce import keep
from reports.runs import ledger
from reports.schedule.now import start_run
from reports.schedule.overrides import effective_job, effective_jobs, parse_addresses, save_edit
from reports.schedule.pause import paused_jobs, set_paused
from reports.schedule.resend import resend
from reports.schedule.service import next_run_times
from reports.schedule.words import schedule_words
from reports.web.auth import allowed, core

bp = Blueprint("jobs", __name__)


class EditForm(FlaskForm):
    schedule = StringField("Lịch (cron: phút giờ ngày tháng thứ, ví dụ 0 8 * * MON)")
    to = TextAreaField("Gửi tới (mỗi dòng một địa chỉ)")
    cc = TextAreaField("Đồng gửi")


class PauseForm(FlaskForm):
    pass


class ResendForm(FlaskForm):
    recipient = HiddenField()


class RunForm(FlaskForm):
    start = StringField("Từ ngày (để trống: kỳ của lần chạy này)")
    end = StringField("Đến ngày")
    force = BooleanField("Gửi lại dù kỳ này đã gửi")


@bp.route("/lich-gui")
@allowed("jobs")
def jobs() -> Any:
    engine, settings = core()
    found = effective_jobs(engine, settings)
    upcoming = next_run_times(settings, found, datetime.now(UTC))
    paused = paused_jobs(engine)
    rows = []
    for job in found:
        last = ledger.history(engine, job.id, limit=1)
        rows.append(
            {
                "job": job,
                "words": schedule_words(job.schedule),
                "next": upcoming[job.id],
                "last": last[0][0] if last else None,
                "form": RunForm(prefix=job.id),
                "edit": EditForm(
                    prefix=f"{job.id}-sua",
                    data={
                        "schedule": job.schedule,
                        "to": "\n".join(job.to),
                        "cc": "\n".join(job.cc),
                    },
                ),
                "paused": job.id in paused,
            }
        )
    return render_template(
        "jobs.html",
        rows=rows,
        tz=settings.tz,
        status=ledger.STATUS_VI,
        folder=settings.jobs_dir,
        pause=PauseForm(),
    )


@bp.route("/lich-gui/<job_id>/sua", methods=["POST"])
@allowed("run")
def edit(job_id: str) -> Any:
    engine, settings = core()
    form = EditForm(prefix=f"{job_id}-sua")
    if not form.validate_on_submit():
        abort(400)
    job = save_edit(
        engine,
        settings,
        job_id,
        schedule=form.schedule.data or "",
        to=parse_addresses(form.to.data or "", "Gửi tới"),
        cc=parse_addresses(form.cc.data or "", "Đồng gửi"),
        by=g.user.name,
    )
    flash(
        f"Đã lưu {job.id}: {schedule_words(job.schedule)}, gửi tới {', '.join(job.to)}. "
        "Người nhận mới dùng ngay từ lần chạy tới; "
        "lịch mới có hiệu lực khi bộ lập lịch khởi động lại."
    )
    return redirect(url_for("jobs.jobs"))


@bp.route("/lich-gui/<job_id>/<any('tam-dung', 'tiep-tuc'):action>", methods=["POST"])
@allowed("run")
def pause(job_id: str, action: str) -> Any:
    engine, settings = core()
    if not PauseForm().validate_on_submit():
        abort(400)
    job = effective_job(engine, settings, job_id)
    set_paused(engine, job.id, action == "tam-dung", by=g.user.name)
    flash(f"Đã {'tạm dừng' if action == 'tam-dung' else 'cho chạy tiếp'} {job.id}.")
    return redirect(url_for("jobs.jobs"))


@bp.route("/lich-gui/<job_id>/chay", methods=["POST"])
@allowed("run")
def run_now(job_id: str) -> Any:
    engine, settings = core()
    form = RunForm(prefix=job_id)
    if not form.validate_on_submit():
        abort(400)
    period = None
    if form.start.data or form.end.data:
        period = classify(  # with its kind, as the CLI's --from/--to: a cut-off month stays one
            parse_cli_date(form.start.data or "", "Từ ngày"),
            parse_cli_date(form.end.data or "", "Đến ngày"),
            settings.periods.cutoffs,
            settings.report.week_convention,
        )
    chosen, _ = start_run(
        engine, settings, job_id, period, by=g.user.name, force=bool(form.force.data)
    )
    flash(
        f"Đã bắt đầu chạy {job_id} cho kỳ {period_names.period_short(chosen)}; "
        "kết quả và từng người nhận hiện ở Lịch sử."
    )
    return redirect(url_for("jobs.history"))


@bp.route("/lich-su")
@allowed("history")
def history() -> Any:
    engine, settings = core()
    runs = []
    for run, deliveries in ledger.history(engine, None, 50):
        sent = ledger.sent_hashes(engine, run.id)
        files = [
            (n, path.name, sent.get(str(path)), keep.sha256_of(path))
            for n, path in enumerate(run.files)
        ]
        issued = has_pack(engine, run.id)
        runs.append({"run": run, "sent": deliveries, "files": files, "issued": issued})
    return render_template(
        "history.html", runs=runs, tz=settings.tz, status=ledger.STATUS_VI, resend=ResendForm()
    )


@bp.route("/lich-su/<int:run_id>/gui-lai", methods=["POST"])
@allowed("run")
def resend_one(run_id: int) -> Any:
    engine, settings = core()
    form = ResendForm()
    if not form.validate_on_submit() or not form.recipient.data:
        abort(400)
    try:
        message_id = resend(engine, settings, run_id, form.recipient.data, by=g.user.name)
    except DeliveryError as exc:
        flash(f"Không gửi lại được tới {form.recipient.data}: {exc}")
    else:
        flash(f"Đã gửi lại tới {form.recipient.data} (Message-ID {message_id}).")
    return redirect(url_for("jobs.history"))


@bp.route("/lich-su/<int:run_id>/tep/<int:index>")
@allowed("history")
def run_file(run_id: int, index: int) -> Any:
    engine, _ = core()
    run = ledger.get_run(engine, run_id)
    if run is None or not 0 <= index < len(run.files) or not run.files[index].is_file():
        abort(404)
    path = run.files[index]
    recorded = ledger.sent_hashes(engine, run.id).get(str(path))
    if recorded is not None and recorded != keep.sha256_of(path):
        message = (
            f"Tệp {path.name} đã bị ghi đè sau khi lần chạy #{run.id} gửi đi (SHA-256 khác "
            f"{recorded}); không còn là bản người nhận đã nhận."
        )
        return render_template("error.html", code=409, message=message), 409
    return send_file(path, as_attachment=True, download_name=path.name)
