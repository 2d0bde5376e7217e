"""Working days: holidays with the office's override, `baocao calendar`, runs on a day off."""

from __future__ import annotations

import pickle
import threading
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reports.core.errors import ConfigError, JobError
from reports.core.workdays import WorkCalendar
from reports.runs import ledger
from reports.runs.jobs import parse_job
from reports.sample.city import write_sample
from reports.schedule.service import missed_fire_times
from reports.settings.load import PROJECT_ROOT, load_settings, settings_from_mapping
from reports.sources.importer import import_files
from reports.store.db import open_store
from tests.smtp import SmtpServer
from tests.test_cli import run

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
OVERRIDE_2026 = (
    '[calendar.days_off]\n"2026-01-02" = "Nghỉ bù Tết Dương lịch"\n'
    '[calendar.worked]\n"2026-01-10" = "Làm bù cho thứ Sáu 02/01/2026"\n'
)
CAL_2026 = WorkCalendar(
    {date(2026, 1, 2): "Nghỉ bù Tết Dương lịch"},
    {date(2026, 1, 10): "Làm bù cho thứ Sáu 02/01/2026"},
)


def test_holidays_weekends_and_the_override() -> None:
    cal = CAL_2026
    assert not cal.is_working_day(date(2026, 1, 1))  # Tết Dương lịch (the package)
    assert not cal.is_working_day(date(2026, 1, 2))  # the override: a Friday off
    assert cal.is_working_day(date(2026, 1, 10))  # the override: a Saturday worked
    assert not cal.is_working_day(date(2026, 1, 3))  # an ordinary Saturday
    assert not cal.is_working_day(date(2026, 2, 17))  # Tết Nguyên Đán
    assert not WorkCalendar().is_working_day(date(2026, 1, 10))  # without the override
    assert WorkCalendar().is_working_day(date(2026, 1, 2))  # the package lags on the swap
    assert cal.next_working_day(date(2026, 1, 2)) == date(2026, 1, 5)
    assert cal.next_working_day(date(2026, 2, 14)) == date(2026, 2, 23)  # after Tết
    assert cal.holiday_name(date(2026, 1, 1)) == "Tết Dương lịch"


def test_calendar_command_lists_2026_with_the_override(tmp_path: Path) -> None:
    config = tmp_path / "baocao.toml"
    config.write_text(OVERRIDE_2026, encoding="utf-8")
    r = run("--settings", str(config), "calendar", "2026")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "Lịch làm việc năm 2026 (ngày nghỉ lễ, nghỉ bù và ngày làm bù cuối tuần):"
    assert lines[1:4] == [
        "01/01/2026  Thứ Năm   nghỉ      Tết Dương lịch",
        "02/01/2026  Thứ Sáu   nghỉ      Nghỉ bù Tết Dương lịch",
        "10/01/2026  Thứ Bảy   làm việc  Làm bù cho thứ Sáu 02/01/2026",
    ]
    assert "17/02/2026  Thứ Ba    nghỉ      Tết Nguyên Đán" in lines
    assert "02/9/2026   Thứ Tư    nghỉ      Quốc khánh" in lines
    # the weekdays of 2026 less its weekday holidays, with the swap (one off, one worked)
    weekdays = sum(
        1 for n in range(365) if date.fromordinal(date(2026, 1, 1).toordinal() + n).weekday() < 5
    )
    off = sum(
        1 for line in lines[1:-1] if " nghỉ " in line and "Thứ Bảy" not in line
        and "Chủ nhật" not in line
    )  # fmt: skip
    worked = sum(1 for line in lines[1:-1] if "làm việc" in line)
    assert lines[-1].startswith(f"Cộng: {off + 1} ngày nghỉ, {worked} ngày làm bù; ")
    assert f"; {weekdays - off + worked} ngày làm việc trong năm." in lines[-1]


def test_calendar_settings_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_mapping({"calendar": {"days_off": {"02/01/2026": "x"}}}, tmp_path, None, {})
    assert "calendar.days_off" in str(info.value) and "2026-01-02" in str(info.value)
    with pytest.raises(ConfigError) as info:
        settings_from_mapping(
            {"calendar": {"days_off": {"2026-01-02": "a"}, "worked": {"2026-01-02": "b"}}},
            tmp_path,
            None,
            {},
        )
    assert "vừa ở days_off vừa ở worked" in str(info.value)


def _monthly(tmp_path: Path, **extra: object):  # type: ignore[no-untyped-def]
    raw: dict[str, object] = {
        "id": "bao-cao-thang",
        "schedule": "0 8 2 * *",
        "period": "previous-month",
        "email": {"to": ["lanhdao@ubnd.gov.vn"]},
        **extra,
    }
    return parse_job(tmp_path / "bao-cao-thang.toml", raw, "", CAL_2026)


def test_a_fire_time_on_a_day_off_moves_to_the_next_working_day(tmp_path: Path) -> None:
    job = _monthly(tmp_path)
    trigger = job.trigger()
    start = datetime(2026, 1, 1, 0, 0, tzinfo=HCM)
    assert trigger.get_next_fire_time(None, start) == datetime(2026, 1, 5, 8, 0, tzinfo=HCM)
    # what the job store keeps is the same trigger
    assert pickle.loads(pickle.dumps(trigger)).get_next_fire_time(None, start) == datetime(
        2026, 1, 5, 8, 0, tzinfo=HCM
    )
    assert missed_fire_times(job, start, datetime(2026, 3, 31, tzinfo=HCM), 5) == [
        datetime(2026, 1, 5, 8, 0, tzinfo=HCM),
        datetime(2026, 2, 2, 8, 0, tzinfo=HCM),
        datetime(2026, 3, 2, 8, 0, tzinfo=HCM),
    ]
    settings = settings_from_mapping({}, tmp_path, None, {})
    period = job.period_for(datetime(2026, 1, 5, 8, 0, tzinfo=HCM), settings)
    assert (period.kind, period.start, period.end) == (
        "month",
        date(2025, 12, 1),
        date(2025, 12, 31),
    )
    kept = _monthly(tmp_path, on_holiday="run").trigger()
    assert kept.get_next_fire_time(None, start) == datetime(2026, 1, 2, 8, 0, tzinfo=HCM)


def test_a_daily_job_over_tet_runs_once_after_it(tmp_path: Path) -> None:
    job = _monthly(tmp_path, schedule="0 8 * * *")
    times = missed_fire_times(
        job, datetime(2026, 2, 13, 9, 0, tzinfo=HCM), datetime(2026, 2, 24, 9, 0, tzinfo=HCM), 20
    )
    assert times == [
        datetime(2026, 2, 23, 8, 0, tzinfo=HCM),  # 14/2 to 22/2: weekend, Tết, weekend
        datetime(2026, 2, 24, 8, 0, tzinfo=HCM),
    ]


def test_job_period_and_on_holiday_errors(tmp_path: Path) -> None:
    with pytest.raises(JobError) as info:
        _monthly(tmp_path, on_holiday="skip")
    assert str(info.value) == (
        f"Tệp công việc {tmp_path / 'bao-cao-thang.toml'}: on_holiday: chỉ nhận "
        "next-working-day, run, nhận được 'skip'"
    )
    with pytest.raises(JobError) as info:
        _monthly(tmp_path, period="previous-decade")
    assert "previous-week, previous-month, previous-quarter, previous-half, previous-year" in str(
        info.value
    )


def test_the_scheduler_runs_the_2_january_job_on_5_january(
    tmp_path: Path, sqlite_url: str, smtp_server: SmtpServer
) -> None:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    from reports.runs.jobs import load_jobs
    from reports.schedule.service import build_scheduler, register

    files = write_sample(tmp_path / "sample", start=date(2025, 11, 1), end=date(2026, 1, 4))
    engine = open_store(sqlite_url)
    import_files(engine, [files[k] for k in ("units", "documents", "dossiers", "directives")])
    jobs_dir = tmp_path / "jobs"
    jobs_dir.mkdir()
    (jobs_dir / "bao-cao-thang.toml").write_text(
        'schedule = "0 8 2 * *"\nperiod = "previous-month"\nformats = ["docx"]\n'
        '[email]\nto = ["lanhdao@ubnd.gov.vn"]\n',
        encoding="utf-8",
    )
    config = tmp_path / "baocao.toml"
    config.write_text(
        f'[database]\nurl = "{sqlite_url}"\n'
        f'[paths]\ntemplates = "{PROJECT_ROOT / "templates"}"\njobs = "{jobs_dir}"\n'
        f'output = "{tmp_path / "out"}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\n'
        'mail_from = "baocao@vp.hanoi.gov.vn"\nretry_backoff_s = 0.01\n' + OVERRIDE_2026,
        encoding="utf-8",
    )
    settings = load_settings(config, environ={})
    jobs = load_jobs(settings.jobs_dir, "", settings.calendar)
    done = threading.Event()
    errors: list[object] = []
    with time_machine.travel(datetime(2026, 1, 1, 23, 59, tzinfo=HCM), tick=True) as traveller:
        scheduler = build_scheduler(settings, jobs, blocking=False)
        scheduler.add_listener(
            lambda e: (errors.append(e.exception), done.set()),
            EVENT_JOB_EXECUTED | EVENT_JOB_ERROR,
        )
        scheduler.start(paused=True)
        register(scheduler, settings, jobs)
        (stored,) = scheduler.get_jobs()
        assert stored.next_run_time == datetime(2026, 1, 5, 8, 0, tzinfo=HCM)
        scheduler.resume()
        traveller.move_to(datetime(2026, 1, 2, 8, 0, 5, tzinfo=HCM))
        scheduler.wakeup()
        assert not done.wait(2), "ran on 02/01/2026, a day off"
        traveller.move_to(datetime(2026, 1, 5, 8, 0, 5, tzinfo=HCM))
        scheduler.wakeup()
        assert done.wait(120), "the job did not run on 05/01/2026"
        scheduler.shutdown(wait=True)
    assert errors == [None]
    (msg,) = smtp_server.handler.messages
    assert msg["Subject"] == "Báo cáo kết quả chỉ đạo, điều hành tháng 12/2025"
    assert ledger.last_period_end(engine, "bao-cao-thang") == date(2025, 12, 31)
    engine.dispose()
