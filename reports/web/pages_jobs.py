"""Lịch gửi (the jobs, run one now) and Lịch sử (runs, deliveries, the files sent)."""

from __future__ import annotations

from datetime import UTC, datetime
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
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from reports.approval.evidence import has_pack
from reports.core import period_names
from reports.core.cron import DAY_WORDS
from reports.core.errors import DeliveryError
from reports.produce import keep
from reports.produce.background import BATCH, BatchProgress, recent_work
from reports.runs import ledger
from reports.runs.jobs import Job
from reports.schedule.now import start_run, why_not_run
from reports.schedule.overrides import effective_job, effective_jobs, parse_addresses, save_edit
from reports.schedule.pause import paused_jobs, set_paused
from reports.schedule.resend import resend
from reports.schedule.service import next_run_times
from reports.schedule.words import (
    REPEATS,
    WEEK_ORDER,
    Choice,
    choice_from_cron,
    cron_from_choice,
    parse_days,
    schedule_words,
    when_words,
)
from reports.web.auth import allowed, core
from reports.web.pages_schedule import NewJobForm
from reports.web.period_form import Picked, read_period
from reports.web.steps import say

bp = Blueprint("jobs", __name__)


class EditForm(FlaskForm):
    schedule = StringField("Lịch dạng cron (nâng cao: phút giờ ngày tháng thứ; 1 là thứ Hai)")
    to = TextAreaField("Gửi tới (mỗi dòng một địa chỉ)")
    cc = TextAreaField("Đồng gửi")


class PauseForm(FlaskForm):
    pass


class ResendForm(FlaskForm):
    recipient = HiddenField()


class RunForm(FlaskForm):
    force = BooleanField("Gửi lại dù kỳ này đã gửi")


def _row(job: Job, upcoming: datetime | None, paused: set[str], tz: Any) -> dict[str, Any]:
    engine, _ = core()
    last = ledger.history(engine, job.id, limit=1)
    return {
        "job": job,
        "words": schedule_words(job.schedule, job.on_holiday),
        "next": when_words(upcoming.astimezone(tz) if upcoming else None),
        "choice": choice_from_cron(job.schedule, job.on_holiday) or Choice(),
        "last": last[0][0] if last else None,
        "form": RunForm(prefix=job.id),
        "picked": Picked(None, {}, prefix=f"{job.id}-chay-"),
        "edit": EditForm(
            prefix=f"{job.id}-sua",
            data={"schedule": job.schedule, "to": "\n".join(job.to), "cc": "\n".join(job.cc)},
        ),
        "paused": job.id in paused,
    }


@bp.route("/lich-gui")
@allowed("jobs")
def jobs() -> Any:
    engine, settings = core()
    found = effective_jobs(engine, settings)
    upcoming = next_run_times(settings, found, datetime.now(UTC))
    paused = paused_jobs(engine)
    return render_template(
        "jobs.html",
        rows=[_row(job, upcoming[job.id], paused, settings.tz) for job in found],
        tz=settings.tz,
        status=ledger.STATUS_VI,
        pause=PauseForm(),
        days=[(d, DAY_WORDS[d]) for d in WEEK_ORDER],
        repeats=REPEATS,
        new=NewJobForm(),
    )


def _choice(prefix: str) -> Choice | None:
    """The schedule picked in the form's lists, or None when they were not sent."""
    form = request.form
    repeat = form.get(prefix + "lap", "")
    if not repeat:
        return None

    def number(name: str, default: int) -> int:
        value = form.get(prefix + name, "")
        return int(value) if value.isdigit() else default

    return Choice(
        repeat,
        days=parse_days(form.getlist(prefix + "thu")),
        day=number("ngay", 1),
        hour=number("gio", 8),
        minute=number("phut", 0),
    )


@bp.route("/lich-gui/<job_id>/sua", methods=["POST"])
@allowed("run")
def edit(job_id: str) -> Any:
    engine, settings = core()
    form = EditForm(prefix=f"{job_id}-sua")
    if not form.validate_on_submit():
        abort(400)
    current = effective_job(engine, settings, job_id)
    typed = " ".join((form.schedule.data or "").split())
    choice = _choice(f"{job_id}-sua-")
    schedule, on_holiday = typed, None
    if choice is not None and typed in ("", current.schedule):
        schedule, on_holiday = cron_from_choice(choice)
    job = save_edit(
        engine,
        settings,
        job_id,
        schedule=schedule,
        to=parse_addresses(form.to.data or "", "Gửi tới"),
        cc=parse_addresses(form.cc.data or "", "Đồng gửi"),
        by=g.user.name,
        on_holiday=on_holiday,
    )
    nxt = next_run_times(settings, [job], datetime.now(UTC))[job.id]
    flash(
        f"Đã lưu {job.id}: {schedule_words(job.schedule, job.on_holiday)} (lần tới "
        f"{when_words(nxt.astimezone(settings.tz) if nxt else None)}), gửi tới "
        f"{', '.join(job.to)}. Bộ lập lịch nhận thay đổi trong vòng một phút."
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
    """Run now, saying what it did: started, already sent (with the link and the resend
    choice), or refused (the period has not ended, its data is not all in)."""
    engine, settings = core()
    form = RunForm(prefix=job_id)
    if not form.validate_on_submit():
        abort(400)
    effective_job(engine, settings, job_id)  # an unknown job is told before anything else
    picked = read_period(settings, request.form, prefix=f"{job_id}-chay-")
    if not picked.ok and any(picked.values.values()):
        for message in picked.errors.values():
            flash(f"Chưa chạy {job_id}: {message}")
        return redirect(url_for("jobs.jobs", _anchor=f"job-{job_id}"))
    force = bool(form.force.data)
    chosen, refusal = why_not_run(engine, settings, job_id, picked.period, force=force)
    if refusal is not None:
        flash(f"Chưa chạy {job_id}: {refusal.message}")
        if refusal.run_id is not None:
            return redirect(url_for("jobs.history", _anchor=f"run-{refusal.run_id}"))
        return redirect(url_for("jobs.jobs", _anchor=f"job-{job_id}"))
    start_run(engine, settings, job_id, chosen, by=g.user.name, force=force)
    flash(
        f"Đã bắt đầu chạy {job_id} cho kỳ {period_names.period_name(chosen)} "
        f"({period_names.period_short(chosen)}); kết quả và từng người nhận hiện ở Lịch sử."
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
        "history.html",
        runs=runs,
        tz=settings.tz,
        status=ledger.STATUS_VI,
        resend=ResendForm(),
        batches=list(keep.recent(engine, BATCH, 10)),
        reports=list(keep.recent(engine, keep.REPORT_MAIN, 10)),
        work=[(w, isinstance(w, BatchProgress)) for w in recent_work()],
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
        flash(f"Không gửi lại được tới {form.recipient.data}: {say(exc)}")
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
