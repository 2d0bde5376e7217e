"""Scheduled runs, exactly once: the ledger, real SMTP, real processes, a moved clock."""

from __future__ import annotations

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

from reports.errors import JobError
from reports.periods import ReportPeriod
from reports.sample import write_sample
from reports.schedule import ledger
from reports.schedule.jobs import Job, load_jobs, parse_job
from reports.schedule.runner import run_job
from reports.schedule.service import catch_up, missed_fire_times
from reports.settings import PROJECT_ROOT, Settings, load_settings
from reports.sources.importer import import_files
from reports.store.db import open_store
from reports.store.schema import runs
from tests.conftest import mail_settings
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
    engine = open_store(url)
    import_files(engine, sample)
    return engine


def _job(tmp_path: Path, **extra: object) -> Job:
    raw: dict[str, object] = {
        "id": "bao-cao-tuan",
        "schedule": "0 8 * * MON",
        "formats": ["docx", "xlsx"],
        "email": {"to": list(LEADERS)},
        **extra,
    }
    return parse_job(tmp_path / "bao-cao-tuan.toml", raw)


def _write_settings(tmp_path: Path, db_url: str, smtp_port: int, lease_s: int = 600) -> Path:
    jobs = tmp_path / "jobs"
    jobs.mkdir(exist_ok=True)
    (jobs / "bao-cao-tuan.toml").write_text(
        'id = "bao-cao-tuan"\nschedule = "0 8 * * MON"\nformats = ["docx", "xlsx"]\n'
        f"[email]\nto = {list(LEADERS)!r}\n".replace("'", '"'),
        encoding="utf-8",
    )
    path = tmp_path / "baocao.toml"
    path.write_text(
        f'[database]\nurl = "{db_url}"\n'
        f'[paths]\ntemplates = "{PROJECT_ROOT / "templates"}"\njobs = "{jobs}"\noutput = "{tmp_path / "out"}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nmail_from = "baocao@vp.hanoi.gov.vn"\n'
        f'owner = "it@vp.hanoi.gov.vn"\nretry_backoff_s = 0.01\n'
        f"[scheduler]\nlease_s = {lease_s}\n",
        encoding="utf-8",
    )
    return path


def _jobs_run(config: Path) -> list[str]:
    """The real command, in a process of its own, for the reference week."""
    return [sys.executable, "-m", "reports.cli", "--settings", str(config), "jobs", "run",
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
    assert "baocao jobs run bao-cao-tuan --from 2020-09-21 --to 2020-09-28" in outcome.message
    (told,) = smtp_server.handler.to("it@vp.hanoi.gov.vn")
    assert told["Subject"] == "[baocao] Lỗi công việc bao-cao-tuan kỳ 21/9-28/9/2020"
    body = told.get_content()
    assert (
        "550" in body and "baocao jobs run bao-cao-tuan --from 2020-09-21 --to 2020-09-28" in body
    )
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
    outcomes = catch_up(engine, s, [job], now)
    assert [o.status for o in outcomes] == ["delivered", "delivered"]
    assert catch_up(engine, s, [job], now) == []
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
