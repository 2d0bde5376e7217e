"""The core the web door calls, on SQLite and PostgreSQL: accounts, sessions, audit, the
check-only import report, the data's state, schedules in words; and ``baocao users``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from reports.accounts import users as accounts
from reports.accounts.audit import audit_entries
from reports.cli import main
from reports.core.errors import AccountError
from reports.core.periods import ReportPeriod
from reports.figures.datastate import data_state
from reports.schedule.words import schedule_words
from reports.sources.check import check_files
from reports.sources.importer import import_files
from tests.smtp import SmtpServer

LIMITS = accounts.LoginLimits(3, timedelta(minutes=10))


def test_users_login_sessions_and_audit(engine: Engine) -> None:
    user = accounts.add_user(engine, "an", "chuyen-vien", "mat-khau-an", by="cli")
    assert user.role_name == "Chuyên viên"
    with pytest.raises(AccountError, match="^đã có người dùng an; chọn tên khác$"):
        accounts.add_user(engine, "an", "lanh-dao", "mat-khau-an", by="cli")
    with pytest.raises(
        AccountError,
        match="^không có vai trò 'sep'; chọn một trong quan-tri, lanh-dao, chuyen-vien$",
    ):
        accounts.add_user(engine, "binh", "sep", "mat-khau-binh", by="cli")
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    found, token = accounts.login(engine, "an", "mat-khau-an", "10.0.0.1", LIMITS, now=now)
    assert found.name == "an"
    assert accounts.session_user(
        engine, token, timedelta(minutes=30), now=now + timedelta(minutes=5)
    )
    assert (
        accounts.session_user(engine, token, timedelta(minutes=30), now=now + timedelta(minutes=40))
        is None
    )
    assert (
        accounts.session_user(engine, token, timedelta(minutes=30), now=now) is None
    )  # gone for good
    for _ in range(3):
        with pytest.raises(AccountError, match="không đúng"):
            accounts.login(engine, "an", "sai", "10.0.0.2", LIMITS, now=now)
    # the address that mistyped waits; the owner, from another address, gets in
    with pytest.raises(AccountError, match=r"^đăng nhập sai quá 3 lần; thử lại sau 10 phút"):
        accounts.login(engine, "an", "mat-khau-an", "10.0.0.2", LIMITS, now=now)
    accounts.login(engine, "an", "mat-khau-an", "10.0.0.3", LIMITS, now=now)
    # many addresses at one account: new browsers wait, the owner's known browser does not
    for n in range(30):
        with pytest.raises(AccountError):
            accounts.login(engine, "an", "sai", f"10.1.0.{n}", LIMITS, now=now)
    with pytest.raises(AccountError, match=r"^đăng nhập sai quá 3 lần"):
        accounts.login(engine, "an", "mat-khau-an", "10.0.0.9", LIMITS, now=now)
    accounts.login(engine, "an", "mat-khau-an", "10.0.0.9", LIMITS, now=now, known_browser=True)
    # the window passes
    accounts.login(engine, "an", "mat-khau-an", "10.0.0.2", LIMITS, now=now + timedelta(minutes=11))
    accounts.disable_user(engine, "an", by="quantri")
    with pytest.raises(AccountError, match="đã khóa"):
        accounts.login(
            engine, "an", "mat-khau-an", "10.0.0.4", LIMITS, now=now + timedelta(minutes=30)
        )
    actions = [e.action for e in audit_entries(engine)]
    assert actions[0] == "user.disable" and "user.add" in actions and "login" in actions
    assert "login.locked" in actions
    assert {e.action_vi for e in audit_entries(engine)} >= {
        "đăng nhập sai",
        "tạm khóa đăng nhập",
    }


def test_users_cli_reads_the_password_from_stdin_never_an_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    db = f"sqlite:///{tmp_path / 'u.sqlite'}"
    monkeypatch.setattr(sys, "stdin", io.StringIO("mat-khau-quan-tri\n"))
    assert main(["--db", db, "users", "add", "quantri", "--role", "quan-tri"]) == 0
    assert capsys.readouterr().out == "Đã thêm người dùng quantri (Quản trị).\n"
    assert main(["--db", db, "users", "add", "x", "--role", "quan-tri", "--password", "abc"]) == 2
    assert "không có tùy chọn --password" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("ngan\n"))
    assert main(["--db", db, "users", "add", "y", "--role", "lanh-dao"]) == 2
    assert capsys.readouterr().err == "Lỗi: mật khẩu cần ít nhất 8 ký tự\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO("mat-khau-moi-nhe\n"))
    assert main(["--db", db, "users", "passwd", "quantri"]) == 0
    assert capsys.readouterr().out == "Đã đặt mật khẩu mới cho quantri.\n"
    from reports.store.db import open_store

    engine = open_store(db)
    accounts.login(engine, "quantri", "mat-khau-moi-nhe", "1.2.3.4", LIMITS)
    with pytest.raises(AccountError):
        accounts.login(engine, "quantri", "mat-khau-quan-tri", "1.2.3.4", LIMITS)
    engine.dispose()
    assert main(["--db", db, "users", "disable", "quantri"]) == 0
    assert main(["--db", db, "users", "list"]) == 0
    assert capsys.readouterr().out.split("\t")[:3] == [
        "Đã khóa người dùng quantri.\nquantri",
        "Quản trị",
        "đã khóa",
    ]
    assert main(["--db", db, "users", "disable", "khong-co"]) == 2
    assert "không có người dùng khong-co. Xem 'baocao users list'." in capsys.readouterr().err


def _csv(path: Path, bad: bool) -> Path:
    path.write_text(
        "id,received_on,unit,field,summary\n"
        "VB-1,2020-09-21,UBND-A,kinh_te,một\n"
        f"VB-2,{'2020-02-30' if bad else '2020-09-22'},UBND-A,,hai\n"
        "VB-1,2020-09-23,UBND-A,,ba\n",
        encoding="utf-8",
    )
    return path


def test_check_files_lists_what_the_import_refuses_and_stores_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    path = _csv(tmp_path / "f00d.csv", bad=True)
    (sheet,) = check_files([path], names=["documents.csv"], kind="documents")
    assert (sheet.file, sheet.kind, sheet.rows, sheet.bad_rows) == (
        "documents.csv",
        "documents",
        3,
        2,
    )
    assert [str(p) for p in sheet.problems] == [
        "documents.csv:3:received_on: ngày không tồn tại; viết 2020-09-21 hoặc 21/09/2020 (ngày trước, tháng sau), có thể kèm giờ 14:30 (2020-02-30)",
        "documents.csv:4:id: trùng mã với dòng 2 (VB-1)",
    ]
    with pytest.raises(Exception) as refused:
        import_files(engine, [path], kind="documents")
    for problem in sheet.problems:
        assert f":{problem.row}:{problem.column}: {problem.problem}" in str(refused.value)


def test_data_state_flags_missing_and_stale(engine: Engine, tmp_path: Path) -> None:
    week = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
    assert {s.state for s in data_state(engine, week)} == {"missing"}
    path = tmp_path / "documents.csv"
    path.write_text("id,received_on,unit\nVB-1,2020-09-21,A\nVB-2,2020-09-24,A\n", encoding="utf-8")
    import_files(engine, [path])
    states = {s.kind: s for s in data_state(engine, week)}
    assert states["documents"].state == "stale" and states["documents"].latest_day == date(
        2020, 9, 24
    )
    assert states["documents"].state_vi == "chưa cập nhật hết kỳ"
    assert states["documents"].last_import is not None
    assert states["dossiers"].state == "missing"
    assert data_state(engine, ReportPeriod(date(2020, 9, 18), date(2020, 9, 24)))[0].state == "ok"


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("0 8 * * MON", "08:00 thứ Hai hằng tuần"),
        ("30 7 * * 1-5", "07:30 thứ Hai đến thứ Sáu hằng tuần"),
        ("0 17 * * fri,sun", "17:00 thứ Sáu, Chủ nhật hằng tuần"),
        ("15 6 * * *", "06:15 hằng ngày"),
        ("0 9 1 * *", "09:00 ngày 1 hằng tháng"),
        ("*/5 * * * *", "theo lịch */5 * * * *"),
    ],
)
def test_schedule_in_words(cron: str, words: str) -> None:
    assert schedule_words(cron) == words


def test_a_paused_job_is_skipped_by_the_scheduler_and_runs_again_when_resumed(
    tmp_path: Path,
) -> None:
    from reports.runs import ledger
    from reports.schedule.pause import paused_jobs, set_paused
    from reports.schedule.service import bind, scheduled_run
    from reports.settings.load import load_settings
    from reports.store.db import open_store

    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "tuan.toml").write_text(
        'id = "tuan"\nschedule = "0 8 * * MON"\nformats = ["docx"]\n[email]\nto = ["a@x.vn"]\n',
        encoding="utf-8",
    )
    settings = tmp_path / "baocao.toml"
    settings.write_text(
        f'[paths]\ndata = "{tmp_path / "data"}"\noutput = "{tmp_path / "out"}"\n'
        '[smtp]\nhost = "127.0.0.1"\nport = 9\nretries = 1\nretry_backoff_s = 0.01\ntimeout_s = 2\n',
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path / 'b.sqlite'}"
    engine = open_store(db)
    set_paused(engine, "tuan", True, by="quantri")
    assert paused_jobs(engine) == {"tuan"}
    bind(load_settings(str(settings)).with_database(db).with_jobs_dir(str(jobs)))
    scheduled_run("tuan")
    assert ledger.history(engine, "tuan") == []
    set_paused(engine, "tuan", False, by="quantri")
    assert paused_jobs(engine) == set()
    scheduled_run("tuan")
    assert len(ledger.history(engine, "tuan")) == 1  # it ran (the mail server is absent: failed)
    assert [e.action for e in audit_entries(engine)][:2] == ["job.resume", "job.pause"]


def test_week_at_a_glance_is_recounted_after_an_import_only(engine: Engine, tmp_path: Path) -> None:
    from reports.figures.cache import data_version, week_at_a_glance

    week = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
    path = tmp_path / "documents.csv"
    path.write_text("id,received_on,unit\nVB-1,2020-09-21,A\n", encoding="utf-8")
    import_files(engine, [path])
    before = data_version(engine)
    first, _ = week_at_a_glance(engine, week, None, 4)
    assert week_at_a_glance(engine, week, None, 4)[0] is first
    assert first.current.documents_received == 1
    path.write_text("id,received_on,unit\nVB-1,2020-09-21,A\nVB-2,2020-09-22,A\n", encoding="utf-8")
    import_files(engine, [path])
    assert data_version(engine) != before
    again, states = week_at_a_glance(engine, week, None, 4)
    assert again.current.documents_received == 2
    assert {s.kind: s.latest_day for s in states}["documents"] == date(2020, 9, 22)


def test_the_scheduler_mails_the_recipients_edited_in_the_page(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    from reports.runs import ledger
    from reports.schedule.overrides import effective_jobs, save_edit
    from reports.schedule.service import bind, scheduled_run
    from reports.settings.load import load_settings
    from reports.store.db import open_store

    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "tuan.toml").write_text(
        'id = "tuan"\nschedule = "0 8 * * MON"\nformats = ["docx"]\n[email]\nto = ["cu@x.vn"]\n',
        encoding="utf-8",
    )
    path = tmp_path / "baocao.toml"
    path.write_text(
        f'[paths]\ndata = "{tmp_path / "data"}"\noutput = "{tmp_path / "out"}"\njobs = "{jobs}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nretry_backoff_s = 0.01\n',
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path / 'b.sqlite'}"
    engine = open_store(db)
    # a document on each of the last three weeks' days: the week the run reports on is not all
    # zeros (an all-zero week is held, never mailed by the scheduler)
    today = date.today()
    rows = "".join(f"d{k},{(today - timedelta(days=k)).isoformat()},UBND\n" for k in range(1, 22))
    (tmp_path / "documents.csv").write_text("id,received_on,unit\n" + rows, encoding="utf-8")
    import_files(engine, [tmp_path / "documents.csv"])
    settings = load_settings(str(path)).with_database(db)
    save_edit(
        engine, settings, "tuan", schedule="0 9 * * TUE", to=["moi@x.vn"], cc=[], by="quantri"
    )
    (job,) = effective_jobs(engine, settings)
    assert (job.schedule, job.to) == ("0 9 * * TUE", ("moi@x.vn",))
    bind(load_settings(str(path)).with_database(db).with_jobs_dir(str(jobs)))
    scheduled_run("tuan")
    ((run, sent),) = ledger.history(engine, "tuan")
    assert [d.recipient for d in sent] == ["moi@x.vn"]
    assert smtp_server.handler.to("moi@x.vn") and not smtp_server.handler.to("cu@x.vn")
