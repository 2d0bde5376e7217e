"""Schedule and delivery: scheduler, jobs list|run, runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from reports.cli.app import cli, echo_lines, engine_of, settings_of
from reports.cli.period_option import chosen_period, period_options
from reports.cli.steps import cli_words
from reports.core.period_names import period_short

if TYPE_CHECKING:
    pass


@cli.command()
@click.pass_context
def scheduler(ctx: click.Context) -> None:
    """Chạy các công việc trong jobs/ theo lịch cho đến khi dừng (Ctrl-C / SIGTERM)."""
    import logging

    from reports.schedule.service import serve

    settings = settings_of(ctx)
    # a service logs each run and each delivery (one line each) even without -v
    reports_log = logging.getLogger("reports")
    reports_log.setLevel(min(reports_log.getEffectiveLevel(), logging.INFO))
    click.echo(
        f"Bộ lập lịch đang chạy với các công việc trong {settings.jobs_dir}. Ctrl-C để dừng."
    )
    serve(None, settings)  # opened there, retried for scheduler.db_retry_s
    click.echo("Đã dừng bộ lập lịch.")


@cli.group()
def jobs() -> None:
    """Các công việc theo lịch (tệp jobs/*.toml)."""


@jobs.command("list")
@click.pass_context
def jobs_list(ctx: click.Context) -> None:
    """Mỗi công việc: lịch, lần chạy tới, lần chạy gần nhất và kết quả."""
    from datetime import UTC, datetime

    from reports.runs import ledger
    from reports.schedule.overrides import effective_jobs
    from reports.schedule.service import next_run_times
    from reports.schedule.words import schedule_words, when_words

    settings = settings_of(ctx)
    found = effective_jobs(engine_of(ctx), settings)
    if not found:
        click.echo(f"Không có công việc nào trong {settings.jobs_dir}.")
        return
    upcoming = next_run_times(settings, found, datetime.now(UTC))
    runs = {job.id: ledger.history(engine_of(ctx), job.id, limit=1) for job in found}
    for job in found:
        nxt = upcoming[job.id]
        last = runs[job.id]
        if last:
            run, _ = last[0]
            last_text = f"{period_short(run.period)} {ledger.STATUS_VI.get(run.status, run.status)}"
        else:
            last_text = "chưa chạy"
        next_text = when_words(nxt.astimezone(job.tz) if nxt else None)
        words = schedule_words(job.schedule, job.on_holiday)
        click.echo(
            f"{job.id}\t{job.schedule} ({job.timezone}, {words})"
            f"\tlần tới: {next_text}\t"
            f"gần nhất: {last_text}\tgửi: {', '.join(job.recipients) or '-'}"
        )


@jobs.command("export")
@click.argument("folder", type=click.Path(file_okay=False))
@click.pass_context
def jobs_export(ctx: click.Context, folder: str) -> None:
    """Ghi mọi công việc (tệp và công việc tạo trên trang, kèm các sửa đổi) ra FOLDER/*.toml."""
    from reports.schedule.stored import export_jobs

    written = export_jobs(engine_of(ctx), settings_of(ctx), Path(folder))
    click.echo(f"Đã ghi {len(written)} công việc vào {folder}.")


@jobs.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True))
@click.pass_context
def jobs_import(ctx: click.Context, files: tuple[str, ...]) -> None:
    """Đưa các tệp công việc vào cơ sở dữ liệu (kiểm tra hết trước khi lưu): trang Lịch gửi và
    mọi bộ lập lịch dùng chung cơ sở dữ liệu đều thấy."""
    from reports.schedule.stored import import_jobs

    kept = import_jobs(engine_of(ctx), settings_of(ctx), [Path(f) for f in files], by="cli")
    click.echo(f"Đã nhập {len(kept)} công việc: {', '.join(j.id for j in kept)}.")


@jobs.command("resume")
@click.argument("job_id", required=False)
@click.option("--all", "every", is_flag=True, help="Mọi công việc (cả sau khi khôi phục).")
@click.pass_context
def jobs_resume(ctx: click.Context, job_id: str | None, every: bool) -> None:
    """Cho công việc đã tạm dừng chạy theo lịch trở lại."""
    from reports.core.errors import UsageError
    from reports.schedule.pause import resume_all, set_paused

    engine = engine_of(ctx)
    if every:
        done = resume_all(engine, by="baocao jobs resume")
        click.echo(
            f"Đã cho chạy lại {len(done)} mục tạm dừng." if done else "Không có gì tạm dừng."
        )
    elif job_id:
        set_paused(engine, job_id, False, by="baocao jobs resume")
        click.echo(f"Đã cho chạy lại {job_id}.")
    else:
        raise UsageError("cần mã công việc hoặc --all")


@jobs.command("pause")
@click.argument("job_id")
@click.pass_context
def jobs_pause(ctx: click.Context, job_id: str) -> None:
    """Tạm dừng một công việc trên mọi máy dùng chung cơ sở dữ liệu."""
    from reports.schedule.pause import set_paused

    set_paused(engine_of(ctx), job_id, True, by="baocao jobs pause")
    click.echo(f"Đã tạm dừng {job_id}.")


@jobs.command("run")
@click.argument("job_id")
@period_options()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Thư mục ghi tệp.")
@click.option("--force", is_flag=True, help="Gửi lại dù kỳ này đã gửi.")
@click.option("--send-empty", is_flag=True, help="Gửi cả khi mọi số liệu của kỳ bằng 0.")
@click.pass_context
def jobs_run(
    ctx: click.Context,
    job_id: str,
    period_text: str | None,
    start: str | None,
    end: str | None,
    out_dir: str | None,
    force: bool,
    send_empty: bool,
) -> None:
    """Chạy một công việc cho một kỳ, đúng như bộ lập lịch sẽ chạy."""
    from datetime import UTC, datetime

    from reports.schedule.overrides import effective_job
    from reports.schedule.runner import run_job

    settings = settings_of(ctx)
    job = effective_job(engine_of(ctx), settings, job_id)
    period = chosen_period(settings, period_text, start, end) or job.period_for(
        datetime.now(UTC), settings
    )
    outcome = run_job(
        engine_of(ctx),
        settings,
        job,
        period,
        force=force,
        out_dir=Path(out_dir).resolve() if out_dir else None,
        send_empty=send_empty,
    )
    echo_lines([str(p) for p in outcome.files if outcome.status == "delivered"])
    click.echo(cli_words(outcome.said), err=outcome.status in ("failed", "not-ended"))
    if outcome.exit_code:
        ctx.exit(outcome.exit_code)


@cli.command()
@click.argument("run_id", type=int)
@click.option("--to", "recipients", multiple=True, required=True, metavar="ĐỊA_CHỈ",
              help="Người nhận của lần chạy đó (lặp lại --to cho nhiều người).")  # fmt: skip
@click.option("--by", help="Người yêu cầu gửi lại (ghi vào nhật ký; mặc định: tên đăng nhập máy).")
@click.pass_context
def resend(ctx: click.Context, run_id: int, recipients: tuple[str, ...], by: str | None) -> None:
    """Gửi lại cho người nhận đúng các tệp lần chạy RUN_ID đã gửi (bản đã duyệt, có số)."""
    import getpass

    from reports.core.errors import DeliveryError
    from reports.schedule.resend import resend as resend_run

    failed = False
    for address in recipients:
        try:
            message_id = resend_run(
                engine_of(ctx), settings_of(ctx), run_id, address, by=by or getpass.getuser()
            )
        except DeliveryError as exc:
            click.echo(f"Không gửi lại được tới {address}: {exc}", err=True)
            failed = True
            continue
        click.echo(f"Đã gửi lại tới {address} (Message-ID {message_id}).")
    if failed:
        ctx.exit(6)


@cli.command()
@click.option("--job", "job_id", help="Chỉ các lần chạy của công việc này.")
@click.option("--limit", default=20, show_default=True, help="Số lần chạy gần nhất.")
@click.pass_context
def runs(ctx: click.Context, job_id: str | None, limit: int) -> None:
    """Lịch sử chạy: các lần chạy, tệp đã viết, trạng thái gửi tới từng người nhận."""
    from reports import approval
    from reports.core.errors import ApprovalError
    from reports.runs import ledger

    tz = settings_of(ctx).tz
    found = ledger.history(engine_of(ctx), job_id, limit)
    if not found:
        click.echo("Chưa có lần chạy nào.")
        return
    for run, sent in found:
        finished = f"{run.finished_at.astimezone(tz):%d/%m/%Y %H:%M}" if run.finished_at else "-"
        unit = f" đơn vị {run.unit}" if run.unit else ""
        click.echo(
            f"#{run.id} {run.job_id} kỳ {period_short(run.period)}{unit} lần {run.attempt}: "
            f"{ledger.STATUS_VI.get(run.status, run.status)} "
            f"(bắt đầu {run.started_at.astimezone(tz):%d/%m/%Y %H:%M}, xong {finished}, "
            f"{run.owner})"
        )
        try:
            draft = approval.draft(engine_of(ctx), run.id)
        except ApprovalError:
            draft = None
        if draft is not None:  # each attempt's own draft, kept on disk
            for rec in draft.files:
                click.echo(f"    dự thảo: {rec.path} (SHA-256 {rec.sha256})")
        hashes = ledger.sent_hashes(engine_of(ctx), run.id)
        for f in run.files:
            sha = hashes.get(str(f))
            click.echo(f"    tệp: {f}" + (f" (SHA-256 {sha})" if sha else ""))
        for d in sent:
            when = f" lúc {d.sent_at.astimezone(tz):%d/%m/%Y %H:%M}" if d.sent_at else ""
            error = f" - {d.last_error}" if d.last_error else ""
            status = ledger.STATUS_VI.get(d.status, d.status)
            click.echo(f"    {d.recipient}: {status}{when} ({d.attempts} lần){error}")
        if run.error:
            click.echo(f"    lỗi: {run.error}")


# --- entry point --------------------------------------------------------------------------
