"""No CLI words on the page (issue 21): the common failure paths, driven through the page, give
messages that say what to click here, never a ``baocao …`` command or a ``--flag``, while the
CLI keeps its command hints (the core's message carries its next step; each door words it)."""

from __future__ import annotations

import html as html_lib
import re
import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from reports.cli.steps import CLI_STEPS, cli_words
from reports.core.errors import ConfigError, Step, UsageError
from reports.core.periods import ReportPeriod
from reports.produce import background
from reports.runs.jobs import find_job
from reports.schedule.runner import run_job
from reports.settings.load import Settings
from reports.web.steps import PAGE_STEPS, say
from tests.conftest import mail_settings
from tests.smtp import SmtpServer
from tests.web.conftest import AuthActions, csrf_token, make_app

JOB = 'id = "tuan"\nschedule = "0 8 * * 1"\nformats = ["docx"]\n[email]\nto = ["a@x.vn"]\n'
WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
CLI_WORDS = re.compile(r"\bbaocao [a-z]|(?<![\w-])--[a-z]")


def _text(body: str) -> str:
    """What a person reads on the page: the main part, tags and scripts taken out."""
    main = body.split('<main id="noi-dung">', 1)[-1].split("</main>", 1)[0]
    main = re.sub(r"<script.*?</script>", "", main, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", main))


def _no_cli_words(response: TestResponse, *expected: str) -> str:
    text = _text(response.get_data(as_text=True))
    found = CLI_WORDS.search(text)
    assert found is None, f"CLI words on the page: …{text[max(0, found.start() - 120) :][:240]}…"
    for words in expected:
        assert words in " ".join(text.split()), (words, " ".join(text.split())[:2000])
    return text


def test_every_step_has_words_on_both_doors_and_the_page_s_have_no_cli_words() -> None:
    assert set(CLI_STEPS) == set(Step) == set(PAGE_STEPS)
    for step, words in PAGE_STEPS.items():
        assert CLI_WORDS.search(words) is None, step
    error = UsageError("Không có đơn vị 'X' trong cơ sở dữ liệu.").leads_to(Step.PICK_UNIT)
    assert cli_words(error).endswith("'baocao units' hoặc nhập tệp units.csv.")
    assert say(error) == (
        "Không có đơn vị 'X' trong cơ sở dữ liệu. Chọn đơn vị trong danh sách, hoặc tải tệp "
        "units.csv lên trang Nhập dữ liệu."
    )
    # a setting's error: the CLI names the file, the page only the setting
    setting = ConfigError("signer.name", "chưa có tên", "/srv/vp/baocao.toml")
    assert cli_words(setting) == "Cấu hình signer.name (/srv/vp/baocao.toml): chưa có tên"
    assert say(setting) == "Cấu hình signer.name: chưa có tên"


@pytest.fixture
def sent_app(web_settings: Settings, smtp_server: SmtpServer) -> Flask:
    s = mail_settings(web_settings, smtp_server)
    (s.jobs_dir / "tuan.toml").write_text(JOB, encoding="utf-8")
    app = make_app(s)
    outcome = run_job(app.extensions["baocao"]["engine"], s, find_job(s.jobs_dir, "tuan"), WEEK)
    assert outcome.status == "delivered", outcome.message
    return app


def test_already_sent_and_files_gone_say_what_to_click(sent_app: Flask) -> None:
    client = sent_app.test_client()
    auth = AuthActions(client)
    auth.login("quantri")
    week = {"tuan-chay-tu": "21/09/2020", "tuan-chay-den": "28/09/2020"}
    again = auth.post("/lich-gui/tuan/chay", week, page="/lich-gui", follow_redirects=True)
    _no_cli_words(again, "đã gửi xong", "chọn «Gửi lại dù kỳ này đã gửi» rồi bấm Chạy ngay")
    # the files sent are gone: resending one recipient says how to run the period again
    engine = sent_app.extensions["baocao"]["engine"]
    from reports.runs import ledger

    run = ledger.latest(engine, "tuan", WEEK, "")
    assert run is not None
    for path in run.files:
        path.unlink()
    gone = auth.post(f"/lich-su/{run.id}/gui-lai", {"recipient": "a@x.vn"}, page="/lich-su")
    assert gone.status_code == 400
    _no_cli_words(gone, "không còn đủ tệp đã gửi", "Chạy lại kỳ này: ở Lịch gửi")


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"tuan-chay-ky_go": "2099"}, "chưa kết thúc"),  # period not ended
        ({"tuan-chay-ky": "thang-nay"}, "chưa kết thúc"),  # a preset still running
        ({"tuan-chay-tu": "02/11/2020", "tuan-chay-den": "09/11/2020"}, "chưa đủ"),  # incomplete
        ({"tuan-chay-tu": "02/11/2020", "tuan-chay-den": ""}, "Đến ngày: chưa nhập ngày"),
        ({"tuan-chay-ky_go": "Q5/2020"}, "Q5/2020"),  # a bad period
        ({"tuan-chay-tu": "1900-01-01", "tuan-chay-den": "1900-01-08"}, "1900"),
    ],
)
def test_run_now_says_why_it_did_not_start_in_the_page_s_words(
    client: FlaskClient,
    auth: AuthActions,
    web_settings: Settings,
    fields: dict[str, str],
    said: str,
) -> None:
    (web_settings.jobs_dir / "tuan.toml").write_text(JOB, encoding="utf-8")
    auth.login("quantri")
    got = auth.post("/lich-gui/tuan/chay", fields, page="/lich-gui", follow_redirects=True)
    assert got.status_code == 200
    text = _no_cli_words(got, "Chưa chạy tuan", said)
    assert "Đã bắt đầu chạy" not in text


def test_an_unknown_job_and_a_bad_period_on_bao_cao(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("quantri")
    unknown = auth.post("/lich-gui/khong-co/chay", {}, page="/lich-gui")
    assert unknown.status_code == 400
    _no_cli_words(unknown, "Không có công việc 'khong-co'", "Xem các công việc ở trang Lịch gửi.")
    bad = auth.post("/bao-cao/", {"ky_go": "Q5/2020", "don_vi": ""}, page="/bao-cao/")
    assert bad.status_code == 400
    _no_cli_words(bad, "Q5/2020")


def _upload(client: FlaskClient, auth: AuthActions, path: Path, **fields: str) -> TestResponse:
    token = csrf_token(client, "/nhap-du-lieu/")
    with path.open("rb") as f:
        return client.post(
            "/nhap-du-lieu/",
            data={"csrf_token": token, "files": (f, path.name), **fields},
            content_type="multipart/form-data",
            follow_redirects=True,
        )


def test_unknown_units_bad_rows_and_a_wrong_encoding_on_nhap_du_lieu(
    client: FlaskClient, auth: AuthActions, tmp_path: Path
) -> None:
    auth.login("chuyenvien")
    # rows naming units the office does not have: imported, refused with the page's way out
    unknown = tmp_path / "documents.csv"
    unknown.write_text(
        "id,received_on,unit\nVB-X1,2020-09-21,KHONG-CO-DV\nVB-X2,2020-09-22,KHONG-CO-DV\n",
        encoding="utf-8",
    )
    shown = _upload(client, auth, unknown)
    _no_cli_words(shown)
    file_id = re.search(r'action="/nhap-du-lieu/(\d+)/nhap"', shown.get_data(as_text=True))
    assert file_id is not None
    done = auth.post(
        f"/nhap-du-lieu/{file_id.group(1)}/nhap", {}, page=f"/nhap-du-lieu/{file_id.group(1)}"
    )
    done = client.get(done.headers["Location"])
    _no_cli_words(done, "mã đơn vị không có trong bảng units", "Tải tệp units.csv có các")
    # invalid rows imported without skipping them: the page's own button is named
    bad = tmp_path / "documents.csv"
    bad.write_text("id,received_on,unit\nVB-Y,31/09/2020,UBND-BA-DINH\n", encoding="utf-8")
    shown = _upload(client, auth, bad)
    _no_cli_words(shown, "ngày không tồn tại")
    file_id = re.search(r'action="/nhap-du-lieu/(\d+)/nhap"', shown.get_data(as_text=True))
    assert file_id is not None
    forced = auth.post(
        f"/nhap-du-lieu/{file_id.group(1)}/nhap", {}, page=f"/nhap-du-lieu/{file_id.group(1)}"
    )
    _no_cli_words(client.get(forced.headers["Location"]), "«Nhập các dòng hợp lệ»")
    # a CSV that is not UTF-8: the page says how to save it, not which option to pass
    legacy = tmp_path / "petitions.csv"
    legacy.write_bytes(b"id,received_on,unit,summary\nVB-1,21/09/2020,U,Qu\xb5\xb8\xb6 \xae\xfe\n")
    _no_cli_words(_upload(client, auth, legacy), "CSV UTF-8")
    # columns that are not the office's: the page's «Ánh xạ cột», not an option
    other = tmp_path / "dossiers.csv"
    other.write_text("id,received_on,unit\nHS-1,2020-09-21,UBND-BA-DINH\n", encoding="utf-8")
    _no_cli_words(_upload(client, auth, other), "thiếu cột bắt buộc", "«Ánh xạ cột»")


def test_a_locked_database_and_a_report_that_cannot_be_signed(
    web_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BAOCAO_SECRET_KEY", raising=False)
    toml = web_settings.base_dir / "baocao.toml"  # the settings' file: never named on the page
    app = make_app(replace(web_settings, database_busy_timeout_s=0.2, source=toml))
    client = app.test_client()
    auth = AuthActions(client)
    auth.login("chuyenvien")
    token = csrf_token(client, "/bao-cao/")
    db = web_settings.database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(db, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")  # a long import holding the write lock
    try:
        locked = client.post(
            "/bao-cao/",
            data={"csrf_token": token, "tu": "21/09/2020", "den": "28/09/2020", "don_vi": ""},
        )
    finally:
        holder.rollback()
        holder.close()
    assert locked.status_code == 503
    _no_cli_words(locked, "thử lại sau ít giây")
    # a unit whose signer is blank: the progress page names the setting, not the server's file
    import sqlalchemy as sa

    from reports.store.schema import units

    engine = app.extensions["baocao"]["engine"]
    with engine.begin() as conn:
        conn.execute(
            sa.update(units).where(units.c.code == "UBND-BA-DINH").values(signer_name=None)
        )
    started = auth.post(
        "/bao-cao/",
        {"tu": "21/09/2020", "den": "28/09/2020", "don_vi": "UBND-BA-DINH"},
        page="/bao-cao/",
    )
    progress = background.report_progress(started.headers["Location"].rsplit("/", 1)[1])
    assert progress is not None and progress.wait(240) and progress.error
    page = client.get(started.headers["Location"])
    text = _no_cli_words(page, "Cấu hình units.UBND-BA-DINH.signer_name:")
    assert str(web_settings.base_dir) not in text and str(toml) not in text
    # the same unit in a batch of its branch: its row of the failed units says the same
    form = {"batch-tu": "21/09/2020", "batch-den": "28/09/2020", "batch-parent": "UBND-BA-DINH"}
    batch = auth.post("/bao-cao/tat-ca", form, page="/bao-cao/")
    done = background.batch_progress(batch.headers["Location"].rsplit("/", 1)[1])
    assert done is not None and done.wait(240) and done.error is None
    assert [code for code, _ in done.failed] == ["UBND-BA-DINH"]
    text = _no_cli_words(client.get(batch.headers["Location"]), "Các đơn vị lỗi")
    assert "Cấu hình units.UBND-BA-DINH.signer_name: chưa có tên người ký" in " ".join(text.split())
    assert str(web_settings.base_dir) not in text and str(toml) not in text
    engine.dispose()


def test_lich_su_shows_a_stored_error_without_the_server_s_folders(sent_app: Flask) -> None:
    """A run's error is stored whole (the CLI and the log need the path); Lịch sử names the
    settings file and the office's files by their place in the office folder only."""
    from datetime import UTC, datetime

    from reports.runs import ledger

    engine = sent_app.extensions["baocao"]["engine"]
    s: Settings = sent_app.extensions["baocao"]["settings"]
    toml = s.base_dir / "baocao.toml"
    month = ReportPeriod(date(2020, 8, 1), date(2020, 8, 31))
    now = datetime.now(UTC)
    claim = ledger.claim(engine, "tuan", month, owner="test", now=now, lease_s=60)
    assert claim.run is not None
    error = (
        f"Cấu hình units.X.signer_name ({toml}): chưa có tên; "
        f"không ghi được {s.base_dir / 'out' / 'tuan' / 'BC.docx'}"
    )
    assert ledger.finish(engine, claim.run, ledger.FAILED, now=now, error=error)
    client = sent_app.test_client()
    AuthActions(client).login("quantri")
    text = _no_cli_words(client.get("/lich-su"), "(baocao.toml): chưa có tên")
    assert "không ghi được out/tuan/BC.docx" in " ".join(text.split())
    assert str(s.base_dir) not in text
