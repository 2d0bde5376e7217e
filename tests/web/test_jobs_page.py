"""Lịch gửi: schedules picked in words and stored as standard cron, next runs on the right
weekday, jobs made/copied/deleted on the page and exported/imported, run now says what it did."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from reports.schedule.overrides import effective_job, effective_jobs
from reports.schedule.service import next_run_times
from reports.settings.load import Settings
from tests.web.conftest import AuthActions

JOB = 'id = "tuan"\nschedule = "0 8 * * 1"\nformats = ["docx"]\n[email]\nto = ["a@x.vn"]\n'


def _next(app: Flask, settings: Settings, job_id: str) -> datetime:
    engine = app.extensions["baocao"]["engine"]
    job = effective_job(engine, settings, job_id)
    found = next_run_times(settings, [job], datetime(2026, 12, 4, 12, tzinfo=UTC))[job_id]
    assert found is not None
    return found.astimezone(job.tz)


def test_monday_in_a_job_file_and_on_the_page_runs_on_a_monday(
    app: Flask, client: FlaskClient, auth: AuthActions, web_settings: Settings
) -> None:
    (web_settings.jobs_dir / "tuan.toml").write_text(JOB, encoding="utf-8")
    assert _next(app, web_settings, "tuan").weekday() == 0  # Monday, not Tuesday
    auth.login("quantri")
    html = client.get("/lich-gui").get_data(as_text=True)
    assert "08:00 thứ Hai hằng tuần" in html and "Lần tới</dt><dd>thứ Hai " in html
    # picked on the page: Wednesday and Friday at 07:30, stored as standard cron
    form = {
        "tuan-sua-schedule": "0 8 * * 1",
        "tuan-sua-lap": "week",
        "tuan-sua-thu": ["3", "5"],
        "tuan-sua-gio": "7",
        "tuan-sua-phut": "30",
        "tuan-sua-to": "a@x.vn",
        "tuan-sua-cc": "",
    }
    saved = auth.post("/lich-gui/tuan/sua", form, page="/lich-gui", follow_redirects=True)
    assert "07:30 thứ Tư, thứ Sáu hằng tuần" in saved.get_data(as_text=True)
    engine = app.extensions["baocao"]["engine"]
    assert effective_job(engine, web_settings, "tuan").schedule == "30 7 * * 3,5"
    assert _next(app, web_settings, "tuan").weekday() in (2, 4)
    # and back to Monday from the lists
    form.update(
        {
            "tuan-sua-schedule": "30 7 * * 3,5",
            "tuan-sua-thu": ["1"],
            "tuan-sua-gio": "8",
            "tuan-sua-phut": "0",
        }
    )
    auth.post("/lich-gui/tuan/sua", form, page="/lich-gui")
    assert effective_job(engine, web_settings, "tuan").schedule == "0 8 * * 1"
    monday = _next(app, web_settings, "tuan")
    assert (monday.weekday(), monday.hour) == (0, 8)
    # the first working day of the month
    form.update({"tuan-sua-schedule": "0 8 * * 1", "tuan-sua-lap": "first-workday"})
    page = auth.post("/lich-gui/tuan/sua", form, page="/lich-gui", follow_redirects=True)
    assert "08:00 ngày làm việc đầu tiên của tháng" in page.get_data(as_text=True)


def test_a_weekday_typed_wrong_is_refused_in_vietnamese(
    client: FlaskClient, auth: AuthActions, web_settings: Settings
) -> None:
    (web_settings.jobs_dir / "tuan.toml").write_text(JOB, encoding="utf-8")
    auth.login("quantri")
    bad = auth.post(
        "/lich-gui/tuan/sua",
        {"tuan-sua-schedule": "0 8 * * THU2", "tuan-sua-to": "a@x.vn", "tuan-sua-cc": ""},
        page="/lich-gui",
    )
    assert bad.status_code == 400
    assert "không hiểu thứ &#39;THU2&#39;" in bad.get_data(as_text=True)


def test_jobs_made_copied_deleted_on_the_page_then_exported_and_imported(
    app: Flask, client: FlaskClient, auth: AuthActions, web_settings: Settings, tmp_path: Path
) -> None:
    from reports.cli import main

    (web_settings.jobs_dir / "tuan.toml").write_text(JOB, encoding="utf-8")
    engine = app.extensions["baocao"]["engine"]
    auth.login("chuyenvien")
    assert auth.post("/lich-gui/moi", {"job_id": "x"}, page="/lich-gui").status_code == 403
    auth.logout()
    auth.login("quantri")
    made = auth.post(
        "/lich-gui/moi",
        {
            "job_id": "thang",
            "period": "previous-month",
            "moi-lap": "first-workday",
            "moi-gio": "9",
            "moi-phut": "0",
            "moi-dinh-dang": ["docx", "pdf"],
            "to": "lanhdao@x.vn",
            "cc": "",
        },
        page="/lich-gui",
        follow_redirects=True,
    )
    assert "Đã thêm thang: 09:00 ngày làm việc đầu tiên của tháng." in made.get_data(as_text=True)
    copied = auth.post(
        "/lich-gui/thang/sao-chep", {"thang-sao-new_id": "thang-2"}, page="/lich-gui"
    )
    assert copied.status_code == 302
    deleted = auth.post("/lich-gui/tuan/xoa", {}, page="/lich-gui")
    assert deleted.status_code == 302
    assert [j.id for j in effective_jobs(engine, web_settings)] == ["thang", "thang-2"]
    assert (web_settings.jobs_dir / "tuan.toml").exists()  # the file stays; the database says
    out = tmp_path / "xuat"
    assert (
        main(
            [
                "--db",
                str(engine.url),
                "--jobs",
                str(web_settings.jobs_dir),
                "jobs",
                "export",
                str(out),
            ]
        )
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == ["thang-2.toml", "thang.toml"]
    text = (out / "thang.toml").read_text(encoding="utf-8")
    assert 'schedule = "0 9 1 * *"' in text and 'on_holiday = "next-working-day"' in text
    (out / "thang.toml").write_text(text.replace("0 9 1 * *", "0 8 * * 1"), encoding="utf-8")
    code = main(
        [
            "--db",
            str(engine.url),
            "--jobs",
            str(web_settings.jobs_dir),
            "jobs",
            "import",
            str(out / "thang.toml"),
        ]
    )
    assert code == 0
    assert effective_job(engine, web_settings, "thang").schedule == "0 8 * * 1"
    audit = client.get("/nhat-ky").get_data(as_text=True)
    assert "thêm công việc" in audit and "xóa công việc" in audit
