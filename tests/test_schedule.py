"""Scheduled runs, exactly once: the ledger, real SMTP, real processes, a moved clock."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.engine import Engine

from reports.cli.steps import cli_words
from reports.core.errors import JobError
from reports.core.periods import ReportPeriod
from reports.runs import ledger
from reports.runs.jobs import Job, load_jobs, parse_job
from reports.sample.city import write_sample
from reports.schedule.runner import run_job
from reports.schedule.service import catch_up, missed_fire_times
from reports.settings.load import PROJECT_ROOT, Settings, load_settings
from reports.sources.importer import import_files
from reports.store.db import open_store
from reports.store.schema import runs
from reports.web.steps import say
from tests.conftest import imported_store, mail_settings
from tests.smtp import SmtpServer

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
LEADERS = ("lanhdao1@ubnd.gov.vn", "lanhdao2@ubnd.gov.vn")
ORDER = ["units", "documents", "dossiers", "receptions", "petitions", "directives", "highlights"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    files = write_sample(
        tmp_path_factory.mktemp("sample"), start=date(2020, 8, 1), end=date(2020, 10, 15)
    )
    return [files[k] for k in ORDER]


def _store(url: str, sample: list[Path]) -> Engine:
    return imported_store(url, [(sample, None)])


def _job(tmp_path: Path, **extra: object) -> Job:
    raw: dict[str, object] = {
        "id": "bao-cao-tuan",
        "schedule": "0 8 * * MON",
        "formats": ["docx", "xlsx"],
        "email": {"to": list(LEADERS)},
        **extra,
    }
    return parse_job(tmp_path / "bao-cao-tuan.toml", raw)


def _write_settings(
    tmp_path: Path, db_url: str, smtp_port: int, lease_s: int = 600, busy_timeout_s: float = 30
) -> Path:
    jobs = tmp_path / "jobs"
    jobs.mkdir(exist_ok=True)
    (jobs / "bao-cao-tuan.toml").write_text(
        'id = "bao-cao-tuan"\nschedule = "0 8 * * MON"\nformats = ["docx", "xlsx"]\n'
        f"[email]\nto = {list(LEADERS)!r}\n".replace("'", '"'),
        encoding="utf-8",
    )
    path = tmp_path / "baocao.toml"
    path.write_text(
        f'[database]\nurl = "{db_url}"\nbusy_timeout_s = {busy_timeout_s}\n'
        f'[paths]\ntemplates = "{PROJECT_ROOT / "templates"}"\njobs = "{jobs}"\noutput = "{tmp_path / "out"}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nmail_from = "baocao@vp.hanoi.gov.vn"\n'
        f'owner = "it@vp.hanoi.gov.vn"\nretry_backoff_s = 0.01\n'
        f"[scheduler]\nlease_s = {lease_s}\n",
        encoding="utf-8",
    )
    return path


def _jobs_run(config: Path) -> list[str]:
    """The real command, in a process of its own, for the reference week."""
    return [sys.executable, "-m", "reports", "--settings", str(config), "jobs", "run",
            "bao-cao-tuan", "--from", "2020-09-21", "--to", "2020-09-28"]  # fmt: skip


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}


def test_job_file_errors_name_the_file_and_key(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    bad = jobs / "tuan.toml"
    bad.write_text(
        'schedule = "0 8 * * MON"\n[email]\nto = ["khong-phai-email"]\n', encoding="utf-8"
    )
    with pytest.raises(JobError) as info:
        load_jobs(jobs)
    assert (
        str(info.value)
        == f"Tệp công việc {bad}: email.to: địa chỉ thư không hợp lệ 'khong-phai-email'"
    )
    bad.write_text('schedule = "0 25 * * MON"\n', encoding="utf-8")
    with pytest.raises(JobError, match=r"schedule: lịch cron không hợp lệ '0 25 \* \* MON'"):
        load_jobs(jobs)
    bad.write_text('schedule = "0 8 * * MON"\nlich = 1\n', encoding="utf-8")
    with pytest.raises(JobError, match="lich: không có khóa này"):
        load_jobs(jobs)


def test_run_mails_each_leader_once_and_refuses_a_second_time(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    engine = _store(sqlite_url, sample)
    s = mail_settings(settings, smtp_server)
    job = _job(tmp_path)
    outcome = run_job(engine, s, job, WEEK)
    assert outcome.status == "delivered", outcome.message
    assert sorted(outcome.sent) == sorted(LEADERS)
    for leader in LEADERS:
        (msg,) = smtp_server.handler.to(leader)
        assert msg["Subject"] == "Báo cáo kết quả chỉ đạo, điều hành tuần 21/9-28/9/2020"
        attachments = {a.get_filename(): a.get_content() for a in msg.iter_attachments()}
        assert attachments == {f.name: f.read_bytes() for f in outcome.files}
    again = run_job(engine, s, job, WEEK)
    assert again.status == "already-delivered"
    assert again.message.startswith("Công việc bao-cao-tuan kỳ 21/9-28/9/2020 đã gửi lúc ")
    assert len(smtp_server.handler.messages) == 2
    forced = run_job(engine, s, job, WEEK, force=True)
    assert forced.status == "delivered"
    assert len(smtp_server.handler.messages) == 4
    with engine.connect() as conn:
        assert conn.execute(sa.select(runs.c.attempt).order_by(runs.c.attempt)).scalars().all() == [
            1,
            2,
        ]


def test_refused_then_accepted_is_delivered_once(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    engine = _store(sqlite_url, sample)
    smtp_server.handler.temporary_failures = 2
    outcome = run_job(
        engine,
        mail_settings(settings, smtp_server, retries=3),
        _job(tmp_path),
        WEEK,
        sleep=lambda _: None,
    )
    assert outcome.status == "delivered"
    assert [len(smtp_server.handler.to(r)) for r in LEADERS] == [1, 1]


def test_permanent_rejection_tells_the_owner_and_a_rerun_sends_only_the_rest(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    engine = _store(sqlite_url, sample)
    s = mail_settings(settings, smtp_server)
    job = _job(tmp_path)
    smtp_server.handler.reject.add(LEADERS[1])
    outcome = run_job(engine, s, job, WEEK)
    assert outcome.status == "failed" and outcome.exit_code == 6
    # the database is not the settings' default one: the command names it, to work when pasted
    command = f"baocao --db {sqlite_url} jobs run bao-cao-tuan --from 2020-09-21 --to 2020-09-28"
    assert cli_words(outcome.said).endswith(f"\nChạy lại: {command}")
    assert "baocao" not in say(outcome.said)  # the page's words: Chạy ngay at Lịch gửi
    (told,) = smtp_server.handler.to("it@vp.hanoi.gov.vn")
    assert told["Subject"] == "[baocao] Lỗi công việc bao-cao-tuan kỳ 21/9-28/9/2020"
    body = told.get_content().replace("\r\n", "\n")
    assert "550" in body and f"\n  {command}\n" in body
    assert len(smtp_server.handler.to(LEADERS[0])) == 1
    smtp_server.handler.reject.clear()
    rerun = run_job(engine, s, job, WEEK)
    assert rerun.status == "delivered"
    assert [len(smtp_server.handler.to(r)) for r in LEADERS] == [1, 1]
    (history,) = ledger.history(engine, job.id)
    assert {d.recipient: d.status for d in history[1]} == dict.fromkeys(LEADERS, "sent")


def test_catch_up_runs_each_missed_period_once(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    engine = _store(sqlite_url, sample)
    s = mail_settings(settings, smtp_server)
    job = _job(tmp_path)
    first = ReportPeriod(date(2020, 9, 14), date(2020, 9, 21))
    assert run_job(engine, s, job, first).status == "delivered"
    # the service was down over two Monday 08:00 runs (28/9 and 5/10)
    now = datetime(2020, 10, 5, 9, 0, tzinfo=HCM)
    fires = missed_fire_times(job, datetime(2020, 9, 21, 8, 0, tzinfo=HCM), now, 8)
    assert fires == [
        datetime(2020, 9, 28, 8, 0, tzinfo=HCM),
        datetime(2020, 10, 5, 8, 0, tzinfo=HCM),
    ]
    # the scheduler stored its next run time (28/9 08:00) after the run of 21/9, then stopped
    since = {job.id: datetime(2020, 9, 28, 8, 0, tzinfo=HCM)}
    outcomes = catch_up(engine, s, [job], now, since)
    assert [o.status for o in outcomes] == ["delivered", "delivered"]
    again = catch_up(engine, s, [job], now, since)
    assert [o.status for o in again] == ["already-delivered", "already-delivered"]
    with engine.connect() as conn:
        periods = (
            conn.execute(sa.select(runs.c.period_start).order_by(runs.c.period_start))
            .scalars()
            .all()
        )
    assert periods == [date(2020, 9, 14), date(2020, 9, 21), date(2020, 9, 28)]
    assert len(smtp_server.handler.messages) == 6  # three periods, two leaders, once each


def test_the_weekly_job_fires_at_its_time_in_ho_chi_minh_city(
    smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    from reports.schedule.service import build_scheduler, register

    _store(sqlite_url, sample).dispose()
    settings = load_settings(_write_settings(tmp_path, sqlite_url, smtp_server.port), environ={})
    jobs = load_jobs(settings.jobs_dir)
    done = threading.Event()
    errors: list[object] = []
    with time_machine.travel(datetime(2020, 9, 28, 7, 59, 50, tzinfo=HCM), tick=True) as traveller:
        scheduler = build_scheduler(settings, jobs, blocking=False)
        scheduler.add_listener(
            lambda e: (errors.append(e.exception), done.set()),
            EVENT_JOB_EXECUTED | EVENT_JOB_ERROR,
        )
        scheduler.start(paused=True)
        register(scheduler, settings, jobs)
        (stored,) = scheduler.get_jobs()
        assert stored.next_run_time == datetime(2020, 9, 28, 8, 0, tzinfo=HCM)
        scheduler.resume()
        traveller.move_to(datetime(2020, 9, 28, 8, 0, 5, tzinfo=HCM))
        scheduler.wakeup()
        assert done.wait(120), "the job did not run"
        scheduler.shutdown(wait=True)
    assert errors == [None]
    assert [len(smtp_server.handler.to(r)) for r in LEADERS] == [1, 1]
    (msg, *_) = smtp_server.handler.messages
    assert msg["Subject"] == "Báo cáo kết quả chỉ đạo, điều hành tuần 21/9-28/9/2020"


def test_two_processes_race_on_postgresql_one_mail_each(
    pg_url: str, smtp_server: SmtpServer, tmp_path: Path, sample: list[Path]
) -> None:
    _store(pg_url, sample).dispose()
    config = _write_settings(tmp_path, pg_url, smtp_server.port)
    cmd = _jobs_run(config)
    procs = [
        subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_clean_env()
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert [len(smtp_server.handler.to(r)) for r in LEADERS] == [1, 1]
    messages = sorted(err.strip().splitlines()[-1] if err.strip() else out for out, err in results)
    said = " ".join(out + err for out, err in results)
    assert "đã gửi 2 người nhận" in said
    assert "đang do" in said or "đã gửi lúc" in said, messages


def test_a_run_killed_between_two_recipients_resumes_with_the_second_only(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    _store(sqlite_url, sample).dispose()
    config = _write_settings(tmp_path, sqlite_url, smtp_server.port, lease_s=10)
    release = threading.Event()
    smtp_server.handler.hold[LEADERS[1]] = release
    second_arrived = threading.Event()
    smtp_server.handler.arrived[LEADERS[1]] = second_arrived
    proc = subprocess.Popen(
        _jobs_run(config),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_clean_env(),
    )
    try:
        assert second_arrived.wait(120), "the run never reached the second recipient"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        release.set()
    assert len(smtp_server.handler.to(LEADERS[0])) == 1
    assert smtp_server.handler.to(LEADERS[1]) == []
    s = load_settings(config, environ={})
    engine = open_store(s.database_url)
    job = load_jobs(s.jobs_dir)[0]
    # the same run, after its lease ran out
    later = lambda: datetime.now(UTC) + timedelta(seconds=s.scheduler.lease_s + 1)  # noqa: E731
    outcome = run_job(engine, s, job, WEEK, clock=later)
    assert outcome.status == "delivered", outcome.message
    assert [len(smtp_server.handler.to(r)) for r in LEADERS] == [1, 1]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar_one() == 1
    engine.dispose()


def test_a_live_run_is_not_taken_over(settings: Settings, tmp_path: Path, sqlite_url: str) -> None:
    engine = open_store(sqlite_url)
    now = datetime(2020, 9, 28, 1, 0, tzinfo=UTC)
    first = ledger.claim(engine, "j", WEEK, owner="may-1:10", now=now, lease_s=600)
    assert first.run is not None
    second = ledger.claim(
        engine, "j", WEEK, owner="may-2:20", now=now + timedelta(seconds=30), lease_s=600
    )
    assert second.run is None and second.held_by is not None and second.held_by.owner == "may-1:10"
    third = ledger.claim(
        engine, "j", WEEK, owner="may-2:20", now=now + timedelta(seconds=601), lease_s=600
    )
    assert third.run is not None and third.run.owner == "may-2:20" and third.run.id == first.run.id
    _ = replace


def test_after_an_outage_over_two_run_times_each_period_runs_once(
    smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    """The real service start: APScheduler's job store, its coalesced misfire, the catch-up."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    from reports.schedule.service import start

    engine = _store(sqlite_url, sample)
    settings = load_settings(_write_settings(tmp_path, sqlite_url, smtp_server.port), environ={})
    executed: list[tuple[datetime, object]] = []
    done = threading.Event()

    def listen(event: object) -> None:
        executed.append((event.scheduled_run_time, event.exception))  # type: ignore[attr-defined]
        done.set()

    def up() -> object:
        scheduler = start(engine, settings, paused=True)
        scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        scheduler.resume()
        return scheduler

    with time_machine.travel(datetime(2020, 9, 28, 7, 59, 50, tzinfo=HCM), tick=True) as traveller:
        scheduler = up()
        traveller.move_to(datetime(2020, 9, 28, 8, 0, 5, tzinfo=HCM))
        scheduler.wakeup()  # type: ignore[attr-defined]
        assert done.wait(120), "the Monday run did not fire"
        scheduler.shutdown(wait=True)  # type: ignore[attr-defined]
        # down from Monday 28/9 until Monday 12/10 09:30: the runs of 5/10 and 12/10 missed
        done.clear()
        traveller.move_to(datetime(2020, 10, 12, 9, 30, tzinfo=HCM))
        scheduler = up()
        assert done.wait(120), "the missed run did not fire when the service came back"
        scheduler.shutdown(wait=True)  # type: ignore[attr-defined]
    # APScheduler fired once for both missed times (coalesced), for the latest one; the
    # catch-up had already run both periods, so that run found its period delivered
    assert executed == [
        (datetime(2020, 9, 28, 8, 0, tzinfo=HCM), None),
        (datetime(2020, 10, 12, 8, 0, tzinfo=HCM), None),
    ]
    with engine.connect() as conn:
        done_periods = conn.execute(
            sa.select(runs.c.period_start, runs.c.period_end, runs.c.status).order_by(runs.c.id)
        ).all()
    assert [tuple(r) for r in done_periods] == [
        (date(2020, 9, 21), date(2020, 9, 28), "delivered"),
        (date(2020, 9, 28), date(2020, 10, 5), "delivered"),
        (date(2020, 10, 5), date(2020, 10, 12), "delivered"),
    ]
    assert [len(smtp_server.handler.to(r)) for r in LEADERS] == [3, 3]
    engine.dispose()


def test_a_late_scheduled_run_reports_on_the_week_it_was_due(tmp_path: Path) -> None:
    from reports.schedule.service import last_fire_time

    job = _job(tmp_path)
    # due Monday 28/9 08:00, the service back only on Monday 5/10 at 07:00 (within a week)
    late = datetime(2020, 10, 5, 7, 0, tzinfo=HCM)
    due = last_fire_time(job, late)
    assert due == datetime(2020, 9, 28, 8, 0, tzinfo=HCM)
    assert job.period_for(due, "monday-to-monday") == WEEK
    assert job.period_for(late, "monday-to-monday") != WEEK  # what the start time would give
    assert last_fire_time(job, datetime(2020, 9, 28, 8, 0, tzinfo=HCM)) == due


def test_a_run_that_lost_its_lease_mails_nobody_else(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    engine = _store(sqlite_url, sample)
    s = mail_settings(settings, smtp_server)
    job = _job(tmp_path)
    taken: list[ledger.Claim] = []

    def another_machine_takes_over() -> None:
        # while the first leader's mail is on the wire, this run's lease is seen as run out
        later = datetime.now(UTC) + timedelta(seconds=s.scheduler.lease_s + 1)
        taken.append(
            ledger.claim(
                engine, job.id, WEEK, owner="may-2:20", now=later, lease_s=s.scheduler.lease_s
            )
        )

    smtp_server.handler.before_accept[LEADERS[0]] = another_machine_takes_over
    outcome = run_job(engine, s, job, WEEK, owner="may-1:10")
    assert outcome.status == "taken-over" and outcome.exit_code == 0, outcome.message
    assert "đã được tiến trình khác tiếp quản" in outcome.message
    assert taken[0].run is not None and taken[0].run.owner == "may-2:20"
    assert len(smtp_server.handler.to(LEADERS[0])) == 1
    assert smtp_server.handler.to(LEADERS[1]) == []
    ((run, deliveries),) = ledger.history(engine, job.id)
    # the loser wrote nothing over the new owner's run
    assert (run.owner, run.status, run.error) == ("may-2:20", "running", None)
    assert {d.recipient: d.status for d in deliveries} == {LEADERS[0]: "sent"}
    resumed = run_job(engine, s, job, WEEK, owner="may-2:20")
    assert resumed.status == "delivered", resumed.message
    assert [len(smtp_server.handler.to(r)) for r in LEADERS] == [1, 1]


def test_times_in_messages_are_the_office_s_local_time(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    engine = _store(sqlite_url, sample)
    s = mail_settings(settings, smtp_server)
    job = _job(tmp_path)
    sent_at = datetime(2020, 9, 28, 1, 5, tzinfo=UTC)
    assert run_job(engine, s, job, WEEK, now=sent_at).status == "delivered"
    again = run_job(engine, s, job, WEEK, now=sent_at + timedelta(hours=1))
    assert again.message == (
        "Công việc bao-cao-tuan kỳ 21/9-28/9/2020 đã gửi lúc 08:05 28/09/2020 "
        "(Asia/Ho_Chi_Minh); không gửi lại."
    )
    assert cli_words(again.said) == again.message + " Dùng --force để gửi lại."
    with pytest.raises(ValueError):
        run_job(engine, s, job, WEEK, now=datetime(2020, 9, 28, 8, 5))


def test_sigterm_finishes_the_run_in_hand_then_stops(
    smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    """The real `baocao scheduler` process, stopped while its catch-up is mailing."""
    engine = _store(sqlite_url, sample)
    # the weeks it catches up have figures (all-zero periods are not mailed)
    today = date.today()
    recent = write_sample(tmp_path / "recent", start=today - timedelta(days=35), end=today)
    import_files(engine, [recent[k] for k in ORDER if k != "units"])
    config = _write_settings(tmp_path, sqlite_url, smtp_server.port)
    job = load_jobs(load_settings(config, environ={}).jobs_dir)[0]
    # the service last ran three weeks ago: at least two periods are missed since
    from reports.schedule.nodes import beat, node_id

    now = datetime.now(UTC)
    # its last heartbeat, three weeks ago, held the job's next run time then
    then = now - timedelta(days=21)
    beat(
        engine,
        node_id(job_dir := load_settings(config, environ={}).jobs_dir),
        {job.id: (repr(job.trigger()), job.trigger().get_next_fire_time(None, then))},
        started_at=then,
        now=then,
    )
    assert job_dir.is_dir()
    seen = job.period_for(now - timedelta(days=21), "monday-to-monday")
    old = ledger.claim(engine, job.id, seen, owner="may-cu:1", now=now, lease_s=60)
    assert old.run is not None
    ledger.finish(engine, old.run, ledger.DELIVERED, now=now)
    in_hand, release = threading.Event(), threading.Event()
    smtp_server.handler.before_accept[LEADERS[0]] = lambda: (in_hand.set(), release.wait(60))
    proc = subprocess.Popen(
        [sys.executable, "-m", "reports", "--settings", str(config), "scheduler"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_clean_env(),
    )
    try:
        assert in_hand.wait(120), "the catch-up never reached the mail server"
        proc.send_signal(signal.SIGTERM)
    finally:
        release.set()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "Đã dừng bộ lập lịch." in out
    # the run in hand was finished (both leaders), the next missed period was left for later
    assert [len(smtp_server.handler.to(r)) for r in LEADERS] == [1, 1]
    ((latest, sent), (first, _)) = ledger.history(engine, job.id)
    assert first.id == old.run.id
    assert latest.status == "delivered" and latest.period.start == seen.end
    assert {d.recipient: d.status for d in sent} == dict.fromkeys(LEADERS, "sent")
    engine.dispose()


def test_runs_command_shows_each_recipient_in_vietnamese_and_local_time(
    smtp_server: SmtpServer,
    tmp_path: Path,
    sample: list[Path],
    sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from reports.cli import main

    engine = _store(sqlite_url, sample)
    config = _write_settings(tmp_path, sqlite_url, smtp_server.port)
    s = load_settings(config, environ={})
    smtp_server.handler.reject.add(LEADERS[1])
    at = datetime(2020, 9, 28, 1, 5, tzinfo=UTC)
    outcome = run_job(engine, s, load_jobs(s.jobs_dir)[0], WEEK, now=at, owner="may-1:10")
    assert outcome.status == "failed"
    engine.dispose()
    capsys.readouterr()
    assert main(["--settings", str(config), "runs", "--job", "bao-cao-tuan"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "#1 bao-cao-tuan kỳ 21/9-28/9/2020 lần 1: lỗi "
        "(bắt đầu 28/09/2020 08:05, xong 28/09/2020 08:05, may-1:10)"
    )
    assert [line.strip() for line in lines if line.startswith("    lanhdao")] == [
        "lanhdao1@ubnd.gov.vn: đã gửi lúc 28/09/2020 08:05 (1 lần)",
        "lanhdao2@ubnd.gov.vn: lỗi (1 lần) - Máy chủ thư từ chối gửi tới lanhdao2@ubnd.gov.vn: "
        "550 5.1.1 Người nhận không tồn tại",
    ]
    assert sum(line.startswith("    tệp: ") for line in lines) == 2


def test_a_hand_run_for_2020_then_a_first_scheduler_start_mails_nothing(
    smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    """The README's hand-run, then the service's first start: no catch-up of the years since."""
    from reports.schedule.service import start

    engine = _store(sqlite_url, sample)
    settings = load_settings(_write_settings(tmp_path, sqlite_url, smtp_server.port), environ={})
    job = load_jobs(settings.jobs_dir)[0]
    assert run_job(engine, settings, job, WEEK).status == "delivered"
    assert len(smtp_server.handler.messages) == 2
    scheduler = start(engine, settings, now=datetime(2026, 12, 1, 9, 0, tzinfo=HCM))
    try:
        (stored,) = scheduler.get_jobs()
        assert stored.next_run_time > datetime.now(UTC)
    finally:
        scheduler.shutdown(wait=True)
    assert len(smtp_server.handler.messages) == 2
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar_one() == 1
        (stored_jobs,) = conn.execute(sa.text("SELECT jobs FROM scheduler_nodes")).scalars()
    # the heartbeat holds the job's schedule and next run time: no database URL, no path
    assert list(json.loads(stored_jobs)) == ["bao-cao-tuan"]
    assert str(tmp_path) not in stored_jobs and "sqlite" not in stored_jobs
    engine.dispose()


def test_an_all_zero_period_tells_the_owner_and_mails_no_leader(
    smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    engine = _store(sqlite_url, sample)
    settings = load_settings(_write_settings(tmp_path, sqlite_url, smtp_server.port), environ={})
    # a job that holds incomplete data (the default) waits for the import instead
    # (tests/test_completeness.py); one that sends provisional data must not mail zeros
    job = replace(load_jobs(settings.jobs_dir)[0], incomplete="send-provisional")
    empty = ReportPeriod(date(2021, 3, 15), date(2021, 3, 22))  # after the sample's last day
    outcome = run_job(engine, settings, job, empty)
    config = settings.source
    command = f"baocao --settings {config} --db {sqlite_url} jobs run bao-cao-tuan --from 2021-03-15 --to 2021-03-22"
    assert (outcome.status, outcome.exit_code) == ("empty", 0)
    assert cli_words(outcome.said) == (
        "Công việc bao-cao-tuan kỳ 15/3-22/3/2021: mọi số liệu kỳ 15/3-22/3/2021 đều bằng 0 "
        "(chưa nhập dữ liệu của kỳ này?); không gửi cho người nhận.\n"
        f"Sau khi nhập dữ liệu, chạy lại: {command}\n"
        f"Gửi dù số liệu bằng 0: {command} --send-empty"
    )
    assert [len(smtp_server.handler.to(r)) for r in LEADERS] == [0, 0]
    (told,) = smtp_server.handler.to("it@vp.hanoi.gov.vn")
    assert told["Subject"] == "[baocao] Chưa gửi bao-cao-tuan kỳ 15/3-22/3/2021: số liệu bằng 0"
    assert f"\n  {command} --send-empty\n" in told.get_content().replace("\r\n", "\n")
    # the command as printed works when pasted (here: with --send-empty, in its own process)
    import shlex

    pasted = shlex.split(f"{command} --send-empty")
    r = subprocess.run(
        [sys.executable, "-m", "reports", *pasted[1:]],
        capture_output=True, text=True, env=_clean_env(), cwd=tmp_path.parent, timeout=180,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert (
        r.stdout.splitlines()[-1]
        == "Công việc bao-cao-tuan kỳ 15/3-22/3/2021: đã gửi 2 người nhận."
    )
    assert [len(smtp_server.handler.to(r)) for r in LEADERS] == [1, 1]


class _Records:
    """Log records of the scheduler's threads, with an event for the first matching one."""

    def __init__(self, needle: str) -> None:
        import logging

        self.seen = threading.Event()
        self.needle = needle
        self.handler = logging.Handler()
        self.handler.emit = self._emit  # type: ignore[method-assign]
        logging.getLogger("reports").addHandler(self.handler)

    def _emit(self, record: object) -> None:
        if self.needle in record.getMessage():  # type: ignore[attr-defined]
            self.seen.set()

    def close(self) -> None:
        import logging

        logging.getLogger("reports").removeHandler(self.handler)


def _locked(url: str) -> object:
    """A real write lock on the SQLite file, as an import's open transaction holds it."""
    import sqlite3

    conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


@pytest.mark.slow
def test_a_write_lock_over_the_fire_time_delays_the_run_until_it_goes(
    smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    from reports.schedule.service import start

    engine = _store(sqlite_url, sample)
    # a busy timeout of 1 s (30 s by default) runs out sooner; what follows is the same
    config = _write_settings(tmp_path, sqlite_url, smtp_server.port, busy_timeout_s=1)
    settings = load_settings(config, environ={})
    done = threading.Event()
    errors: list[object] = []
    retried = _Records("thử lại sau")
    with time_machine.travel(datetime(2020, 9, 28, 7, 59, 50, tzinfo=HCM), tick=True) as traveller:
        scheduler = start(engine, settings, paused=True)
        scheduler.add_listener(
            lambda e: (errors.append(e.exception), done.set()), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
        )
        scheduler.resume()
        lock = _locked(sqlite_url)
        try:
            traveller.move_to(datetime(2020, 9, 28, 8, 0, 5, tzinfo=HCM))
            scheduler.wakeup()
            # SQLite's busy timeout ran out at least once, and the call is being retried
            assert retried.seen.wait(120), "nothing was retried"
            assert not done.is_set()
        finally:
            lock.commit()  # type: ignore[attr-defined]
            lock.close()  # type: ignore[attr-defined]
            retried.close()
        assert done.wait(120), "the job did not run after the lock went"
        assert scheduler._thread.is_alive()  # still scheduling
        scheduler.shutdown(wait=True)
    assert errors == [None]
    assert [len(smtp_server.handler.to(r)) for r in LEADERS] == [1, 1]
    engine.dispose()


@pytest.mark.slow
def test_a_lock_longer_than_the_retries_stops_the_scheduler_and_a_restart_runs_it_once(
    smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    from reports.core.errors import SchedulerStopped
    from reports.schedule.service import start, watch

    engine = _store(sqlite_url, sample)
    config = _write_settings(tmp_path, sqlite_url, smtp_server.port, busy_timeout_s=1)
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "[scheduler]\n", "[scheduler]\ndb_retry_s = 1\n"
        ),
        encoding="utf-8",
    )
    settings = load_settings(config, environ={})
    done = threading.Event()
    with time_machine.travel(datetime(2020, 9, 28, 7, 59, 50, tzinfo=HCM), tick=True) as traveller:
        scheduler = start(engine, settings)
        lock = _locked(sqlite_url)
        try:
            traveller.move_to(datetime(2020, 9, 28, 8, 0, 5, tzinfo=HCM))
            scheduler.wakeup()
            with pytest.raises(SchedulerStopped) as info:
                watch(scheduler, settings, threading.Event(), check_every_s=0.2)
        finally:
            lock.commit()  # type: ignore[attr-defined]
            lock.close()  # type: ignore[attr-defined]
        assert str(info.value).startswith("Bộ lập lịch dừng vì không thể tiếp tục: ")
        assert "database is locked" in str(info.value)
        scheduler.shutdown(wait=True)
        (told,) = smtp_server.handler.to("it@vp.hanoi.gov.vn")
        assert told["Subject"] == "[baocao] Bộ lập lịch đã dừng"
        # the service manager restarts it: the run due at 08:00 (still stored as next) runs,
        # or finds its period delivered by the run that got the lock as it went: once either way
        scheduler = start(engine, settings, paused=True)
        scheduler.add_listener(lambda e: done.set(), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        scheduler.resume()
        assert done.wait(120), "the restarted scheduler did not run the missed run"
        scheduler.shutdown(wait=True)
    assert [len(smtp_server.handler.to(r)) for r in LEADERS] == [1, 1]
    engine.dispose()


def test_two_schedulers_on_one_postgresql_each_run_with_their_own_settings(
    pg_url: str, smtp_server: SmtpServer, tmp_path: Path, sample: list[Path]
) -> None:
    """Machine A runs; machine B (other settings, the password in its BAOCAO_DB) starts after
    it on the same database: A's run still uses A's settings, and the store holds no secret."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    from reports.schedule.service import start

    secret_url = pg_url.replace("://postgres@", "://postgres:mat-khau-bi-mat@", 1)
    assert secret_url != pg_url
    engine = _store(pg_url, sample)
    a_dir, b_dir = tmp_path / "may-a", tmp_path / "may-b"
    a_dir.mkdir(), b_dir.mkdir()
    settings_a = load_settings(_write_settings(a_dir, pg_url, smtp_server.port), environ={})
    config_b = _write_settings(b_dir, "sqlite:///khong-dung.sqlite", smtp_server.port)
    done = threading.Event()
    errors: list[object] = []
    with time_machine.travel(datetime(2020, 9, 28, 7, 59, 50, tzinfo=HCM), tick=True) as traveller:
        scheduler = start(engine, settings_a, paused=True)
        scheduler.add_listener(
            lambda e: (errors.append(e.exception), done.set()), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
        )
        scheduler.resume()
        # machine B's clock is moved the same way in its own process, a minute behind A's, so
        # that its start-up on a loaded machine cannot reach the fire time before its SIGTERM
        b_main = (
            "import sys, time_machine, datetime as d, zoneinfo\n"
            "at = d.datetime(2020, 9, 28, 7, 58, 52, tzinfo=zoneinfo.ZoneInfo('Asia/Ho_Chi_Minh'))\n"
            "with time_machine.travel(at, tick=True):\n"
            "    from reports.cli import main\n"
            "    sys.exit(main(sys.argv[1:]))\n"
        )
        proc = subprocess.Popen(
            [sys.executable, "-c", b_main, "scheduler", "--settings", str(config_b), "-v"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**_clean_env(), "BAOCAO_DB": secret_url},
        )  # fmt: skip
        assert proc.stderr is not None
        for line in proc.stderr:
            if "Bộ lập lịch đã chạy với 1 công việc" in line:
                break
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        traveller.move_to(datetime(2020, 9, 28, 8, 0, 5, tzinfo=HCM))
        scheduler.wakeup()
        assert done.wait(120), "the job did not run"
        scheduler.shutdown(wait=True)
    assert errors == [None]
    week = "bao-cao-tuan/2020-09-21_2020-09-28"
    assert sorted(p.name for p in (a_dir / "out" / week).iterdir()) == [
        "BC-tuan-2020-09-21_2020-09-28.docx",
        "BC-tuan-2020-09-21_2020-09-28.xlsx",
    ]
    assert not (b_dir / "out").exists()
    with engine.connect() as conn:
        states = conn.execute(sa.text("SELECT node, jobs FROM scheduler_nodes")).all()
    assert len(states) == 2  # one heartbeat per machine, neither removed the other's
    for node, state in states:
        assert "mat-khau-bi-mat" not in state + node
        assert str(tmp_path) not in state + node
    engine.dispose()


def test_one_log_line_per_delivery(
    settings: Settings,
    smtp_server: SmtpServer,
    tmp_path: Path,
    sample: list[Path],
    sqlite_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    engine = _store(sqlite_url, sample)
    smtp_server.handler.reject.add(LEADERS[1])
    with caplog.at_level(logging.INFO, logger="reports"):
        run_job(engine, mail_settings(settings, smtp_server), _job(tmp_path), WEEK)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("thư báo cáo ")]
    assert len(lines) == 2
    assert lines[0].startswith(
        f"thư báo cáo bao-cao-tuan 2020-09-21_2020-09-28 tới {LEADERS[0]}: đã gửi (<"
    )
    assert lines[1].startswith(
        f"thư báo cáo bao-cao-tuan 2020-09-21_2020-09-28 tới {LEADERS[1]}: lỗi: "
    )
    engine.dispose()


def test_a_newer_schema_under_a_running_scheduler_stops_it_and_tells_the_owner(
    smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    from reports.core.errors import SchedulerStopped
    from reports.schedule.service import start, watch

    engine = _store(sqlite_url, sample)
    settings = load_settings(_write_settings(tmp_path, sqlite_url, smtp_server.port), environ={})
    with time_machine.travel(datetime(2020, 9, 28, 7, 59, 50, tzinfo=HCM), tick=True) as traveller:
        scheduler = start(engine, settings)
        # a newer baocao on another machine upgraded the shared database meanwhile
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099_tuong_lai'"))
        traveller.move_to(datetime(2020, 9, 28, 8, 0, 5, tzinfo=HCM))
        scheduler.wakeup()
        with pytest.raises(SchedulerStopped) as info:
            watch(scheduler, settings, threading.Event(), check_every_s=0.2)
        scheduler.shutdown(wait=True)
    assert "cơ sở dữ liệu do phiên bản mới hơn tạo (lược đồ 0099_tuong_lai" in str(info.value)
    (told,) = smtp_server.handler.to("it@vp.hanoi.gov.vn")
    assert told["Subject"] == "[baocao] Bộ lập lịch đã dừng"
    assert smtp_server.handler.to(LEADERS[0]) == []
    engine.dispose()


def test_periods_beyond_catch_up_max_are_not_run_and_the_owner_gets_their_commands(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    engine = _store(sqlite_url, sample)
    s = mail_settings(settings, smtp_server)
    s = replace(s, scheduler=replace(s.scheduler, catch_up_max=1))
    job = _job(tmp_path)
    since = {job.id: datetime(2020, 9, 21, 8, 0, tzinfo=HCM)}  # 21/9, 28/9 and 5/10 missed
    outcomes = catch_up(engine, s, [job], datetime(2020, 10, 5, 9, 0, tzinfo=HCM), since)
    assert [o.status for o in outcomes] == ["delivered"]
    ((run, _),) = ledger.history(engine, job.id)
    assert run.period == ReportPeriod(date(2020, 9, 28), date(2020, 10, 5))  # the newest
    assert [len(smtp_server.handler.to(r)) for r in LEADERS] == [1, 1]
    (told,) = smtp_server.handler.to("it@vp.hanoi.gov.vn")
    assert told["Subject"] == "[baocao] bao-cao-tuan: 2 kỳ cũ chưa chạy bù"
    body = told.get_content().replace("\r\n", "\n")
    for start, end in (("2020-09-14", "2020-09-21"), ("2020-09-21", "2020-09-28")):
        assert (
            f"  baocao --db {sqlite_url} jobs run bao-cao-tuan --from {start} --to {end}\n" in body
        )
    engine.dispose()


def test_mail_date_is_in_the_office_zone_and_a_copy_shows_its_cc(
    smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    from email.utils import parsedate_to_datetime

    engine = _store(sqlite_url, sample)
    settings = load_settings(_write_settings(tmp_path, sqlite_url, smtp_server.port), environ={})
    job = _job(tmp_path, email={"to": [LEADERS[0]], "cc": [LEADERS[1]]})
    assert run_job(engine, settings, job, WEEK).status == "delivered"
    (to_mail,) = smtp_server.handler.to(LEADERS[0])
    (cc_mail,) = smtp_server.handler.to(LEADERS[1])
    assert (to_mail["To"], to_mail["Cc"]) == (LEADERS[0], None)
    assert (cc_mail["To"], cc_mail["Cc"]) == (LEADERS[0], LEADERS[1])
    for msg in (to_mail, cc_mail):
        assert parsedate_to_datetime(msg["Date"]).utcoffset() == timedelta(hours=7)
    engine.dispose()
