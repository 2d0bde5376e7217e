"""Every page for every role, through Flask's test client with CSRF enforced."""

from __future__ import annotations

import io
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reports.accounts import users as accounts
from reports.settings.load import Settings
from tests.web.conftest import PASSWORDS, AuthActions, make_app

PAGES = {
    "/": "Tuần này",
    "/nhap-du-lieu/": "Nhập dữ liệu",
    "/bao-cao/": "Báo cáo",
    "/lich-gui": "Lịch gửi",
    "/lich-su": "Lịch sử",
    "/nguoi-dung": "Người dùng",
    "/nhat-ky": "Nhật ký",
}
ALLOWED = {
    "quantri": set(PAGES),
    "lanhdao": {"/", "/bao-cao/", "/lich-gui", "/lich-su", "/nhat-ky"},
    "chuyenvien": {"/", "/nhap-du-lieu/", "/bao-cao/", "/lich-gui", "/lich-su"},
}
WEEK = "?tu=21/09/2020&den=28/09/2020"


def test_login_page_is_labelled_vietnamese_and_has_its_fields(client: FlaskClient) -> None:
    page = client.get("/dang-nhap")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="vi">' in html
    assert '<label for="name">Tên đăng nhập</label>' in html
    assert '<label for="password">Mật khẩu</label>' in html
    assert ">Đăng nhập</button>" in html


def test_pages_need_a_login(client: FlaskClient) -> None:
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/dang-nhap")


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_each_page_for_each_role(client: FlaskClient, auth: AuthActions, name: str) -> None:
    assert auth.login(name).status_code == 302
    for path, heading in PAGES.items():
        response = client.get(path)
        html = response.get_data(as_text=True)
        if path in ALLOWED[name]:
            assert response.status_code == 200, (name, path)
            assert f"<h1>{heading}</h1>" in html
        else:
            assert response.status_code == 403, (name, path)
            assert "Bạn không có quyền xem trang này" in html
            assert "Traceback" not in html
        assert '<html lang="vi">' in html


def test_chuyen_vien_cannot_reach_nguoi_dung_nor_add_a_user(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("chuyenvien")
    assert client.get("/nguoi-dung").status_code == 403
    refused = auth.post("/nguoi-dung", {"name": "moi", "role": "quan-tri", "password": "12345678x"})
    assert refused.status_code == 403
    assert "Người dùng" not in client.get("/").get_data(as_text=True).split("<main")[0]


def test_post_without_a_token_is_refused(client: FlaskClient, auth: AuthActions) -> None:
    refused = client.post("/dang-nhap", data={"name": "quantri", "password": PASSWORDS["quantri"]})
    assert refused.status_code == 400
    assert "thiếu mã bảo vệ (CSRF)" in refused.get_data(as_text=True)
    auth.login("quantri")
    for path in ("/dang-xuat", "/nguoi-dung", "/nhap-du-lieu/", "/bao-cao/", "/lich-gui/x/chay"):
        response = client.post(path, data={})
        assert response.status_code == 400, path
    assert client.get("/").status_code == 200  # still logged in: logout needs the token too


def test_wrong_password_and_rate_limit_per_user_and_address(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    wrong = auth.login("quantri", "sai-mat-khau")
    assert wrong.status_code == 401
    assert "tên đăng nhập hoặc mật khẩu không đúng" in wrong.get_data(as_text=True)
    for _ in range(4):
        auth.login("quantri", "sai-mat-khau")
    blocked = auth.login("quantri")  # the right password, too late
    assert blocked.status_code == 401
    assert "đăng nhập sai quá 5 lần; thử lại sau 15 phút" in blocked.get_data(as_text=True)
    # another account from the same address (the office's NAT) is not locked out (issue 21:
    # one person's typos must not lock everyone out)
    assert auth.login("lanhdao").status_code == 302
    auth.logout()
    other = app.test_client()
    ok = AuthActions(other)
    response = other.post(
        "/dang-nhap",
        data={"name": "lanhdao", "password": PASSWORDS["lanhdao"], "csrf_token": _token(other)},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert response.status_code == 302
    del ok


def _token(client: FlaskClient) -> str:
    from tests.web.conftest import csrf_token

    return csrf_token(client)


def test_logout_by_post_ends_the_session_on_the_server(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("quantri")
    cookie = client.get_cookie("baocao_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert client.get("/dang-xuat").status_code == 405
    assert auth.logout().status_code == 302
    # the old cookie, replayed, opens nothing
    replay = app.test_client()
    replay.set_cookie("baocao_session", cookie.value)
    assert replay.get("/").status_code == 302


def test_idle_session_ends(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    import time_machine

    auth.login("lanhdao")
    assert client.get("/").status_code == 200
    with time_machine.travel(timedelta(minutes=31), tick=False):
        assert client.get("/").status_code == 302


def test_disabled_user_is_logged_out(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.login("chuyenvien")
    admin = app.test_client()
    AuthActions(admin).login("quantri")
    engine = app.extensions["baocao"]["engine"]
    target = next(u for u in accounts.list_users(engine) if u.name == "chuyenvien")
    done = AuthActions(admin).post(f"/nguoi-dung/{target.id}/khoa", page="/nguoi-dung")
    assert done.status_code == 302
    assert client.get("/").status_code == 302
    assert "khóa người dùng chuyenvien" in admin.get("/nhat-ky").get_data(as_text=True)


def test_security_headers(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("quantri")
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
        and "unsafe-inline" not in csp
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in response.get_data(as_text=True)


def test_secret_key_file_is_private_and_kept(
    web_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reports.web.security import secret_key, secret_key_file

    monkeypatch.delenv("BAOCAO_SECRET_KEY", raising=False)
    first = secret_key(web_settings)
    path = secret_key_file(web_settings)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert secret_key(web_settings) == first
    monkeypatch.setenv("BAOCAO_SECRET_KEY", "x" * 40)
    assert secret_key(web_settings) == "x" * 40


def test_week_shows_reference_figures_and_data_state(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("lanhdao")
    html = client.get("/" + WEEK).get_data(as_text=True)
    assert "Kỳ 21/9-28/9/2020" in html
    assert '<td class="num">1.406</td>' in html
    assert "Cùng kỳ năm trước" in html and "Lũy kế từ đầu năm" in html
    assert "<svg" in html
    # the sample ends on 31/10/2020: a week after it is flagged before anyone generates
    later = client.get("/?tu=02/11/2020&den=09/11/2020").get_data(as_text=True)
    assert "Dữ liệu của kỳ này chưa đủ" in later and "thiếu dữ liệu" in later


def _dossiers_csv(bad: bool) -> bytes:
    rows = [
        "id,received_on,due_on,returned_on,unit,field,online",
        "HS-WEB-1,2020-10-20,2020-10-27,,UBND-BA-DINH,do_thi,true",
        "HS-WEB-2,2020-10-21,2020-10-28,2020-10-22,UBND-BA-DINH,do_thi,false",
        f"HS-WEB-3,{'2020-13-45' if bad else '2020-10-21'},2020-10-29,,UBND-BA-DINH,kinh_te,false",
    ]
    return ("\n".join(rows) + "\n").encode()


def test_upload_validation_report_then_import(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("chuyenvien")
    response = auth.upload(_dossiers_csv(bad=True), "dossiers.csv")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "dossiers.csv:4:received_on" in page
    assert "2020-13-45" in page
    assert "1 dòng lỗi" in page
    engine = app.extensions["baocao"]["engine"]
    from reports.figures.datastate import import_log

    before = len(import_log(engine))
    # nothing stored by the check
    assert len(import_log(engine)) == before
    # the valid rows, with the rejected one to download
    file_id = int(response.headers["Location"].rsplit("/", 1)[1])
    done = auth.post(
        f"/nhap-du-lieu/{file_id}/nhap", {"skip_invalid": "y"}, page=f"/nhap-du-lieu/{file_id}"
    )
    assert done.status_code == 302
    page = client.get(f"/nhap-du-lieu/{file_id}").get_data(as_text=True)
    assert "thêm 2, thay 0, không đổi 0, loại 1" in page
    link = page.split('href="/nhap-du-lieu/tep/', 1)[1].split('"', 1)[0]
    with client.get(f"/nhap-du-lieu/tep/{link}") as rejected:
        assert rejected.status_code == 200
        assert "HS-WEB-3" in rejected.get_data(as_text=True)
    assert len(import_log(engine)) == before + 1
    assert (import_log(engine)[0].by, import_log(engine)[0].file_name) == (
        "chuyenvien",
        "dossiers.csv",
    )
    assert import_log(engine)[-1].by is None  # the sample, imported outside the web
    # fixed file: no problems, plain import
    again = auth.upload(_dossiers_csv(bad=False), "dossiers.csv")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Mọi dòng đều hợp lệ" in page


def test_upload_over_the_limit_is_refused(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("chuyenvien")
    big = b"id,received_on\n" + b"x" * (3 * 1024 * 1024)
    # the body built here: the test client would spool a large one to a file it never closes
    token = _token(client)
    boundary = "grens"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="documents.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + big
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        "/nhap-du-lieu/", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    assert "lớn hơn giới hạn 1 MB (web.upload_max_mb)" in response.get_data(as_text=True)


def test_upload_over_the_setting_but_under_the_request_cap(
    web_settings: Settings, tmp_path: Path
) -> None:
    """Between the setting and the request cap (room for the form), the store refuses it."""
    from reports.produce.keep import store_upload
    from reports.store.db import open_store

    engine = open_store(web_settings.database_url)
    from reports.core.errors import UploadError

    with pytest.raises(UploadError, match=r"lớn hơn giới hạn 1 MB"):
        store_upload(engine, web_settings, io.BytesIO(b"a,b\n" * 300_000), "x.csv", by="t")


def test_not_a_csv_or_xlsx_is_refused(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("chuyenvien")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
    response = auth.upload(png, "documents.csv")
    assert response.status_code == 400
    assert "không phải tệp CSV hay Excel (.xlsx)" in response.get_data(as_text=True)
    zipped = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("a.txt", "x")
    response = auth.upload(zipped.getvalue(), "documents.xlsx")
    assert response.status_code == 400
    assert "không phải bảng tính Excel" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/nhap-du-lieu/tep/../../etc/passwd",
        "/nhap-du-lieu/tep/..%2F..%2Fetc%2Fpasswd",
        "/bao-cao/tep/../web.sqlite",
        "/bao-cao/tep/%2e%2e%2fweb.sqlite",
        "/lich-su/1/tep/..%2F..%2Fweb.sqlite",
        "/lich-su/../tep/0",
        "/bao-cao/tep/999",
        "/nhap-du-lieu/tep/999",
        "/lich-su/999/tep/0",
    ],
)
def test_download_with_dotdot_is_404(client: FlaskClient, auth: AuthActions, path: str) -> None:
    auth.login("quantri")
    response = client.get(path)
    assert response.status_code == 404
    assert "Không tìm thấy" in response.get_data(as_text=True)


def test_users_page_adds_a_user_and_cli_lists_it(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("quantri")
    short = auth.post(
        "/nguoi-dung",
        {"name": "moi", "role": "chuyen-vien", "password": "ngan"},
        page="/nguoi-dung",
    )
    assert short.status_code == 400
    assert "mật khẩu cần ít nhất 8 ký tự" in short.get_data(as_text=True)
    done = auth.post(
        "/nguoi-dung",
        {"name": "moi", "role": "chuyen-vien", "password": "mat-khau-moi"},
        page="/nguoi-dung",
    )
    assert done.status_code == 302
    html = client.get("/nguoi-dung").get_data(as_text=True)
    assert "<td>moi</td><td>Chuyên viên</td>" in html
    assert "thêm người dùng moi (Chuyên viên)" in client.get("/nhat-ky").get_data(as_text=True)


def test_rehash_on_login_when_parameters_change(
    app: Flask, auth: AuthActions, monkeypatch: pytest.MonkeyPatch
) -> None:
    from argon2 import PasswordHasher

    engine = app.extensions["baocao"]["engine"]
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    )
    accounts.add_user(engine, "cu", "lanh-dao", "mat-khau-cu", by="test")
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher())
    import sqlalchemy as sa

    from reports.store.schema import users

    def stored() -> str:
        with engine.connect() as conn:
            return str(
                conn.execute(
                    sa.select(users.c.password_hash).where(users.c.name == "cu")
                ).scalar_one()
            )

    assert stored().startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    assert auth.login("cu", "mat-khau-cu").status_code == 302
    assert stored().startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_web_settings_defaults() -> None:
    from reports.settings.load import WebSettings

    assert WebSettings().upload_max_mb == 50.0


def test_another_app_same_database_sees_the_same_users(
    web_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BAOCAO_SECRET_KEY", "k" * 40)
    first = make_app(web_settings)
    from reports.web import create_app

    second = create_app({"BAOCAO_SETTINGS": web_settings})
    client = second.test_client()
    assert AuthActions(client).login("lanhdao").status_code == 302
    first.extensions["baocao"]["engine"].dispose()
    second.extensions["baocao"]["engine"].dispose()


def test_all_units_batch_with_progress_and_one_zip(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    import zipfile

    from reports.produce.background import batch_progress

    auth.login("lanhdao")
    form = {"batch-tu": "21/09/2020", "batch-den": "28/09/2020", "batch-parent": ""}
    assert auth.post("/bao-cao/tat-ca", form, page="/bao-cao/").status_code == 403
    auth.logout()
    auth.login("chuyenvien")
    started = auth.post("/bao-cao/tat-ca", form, page="/bao-cao/")
    assert started.status_code == 302
    batch_id = started.headers["Location"].rsplit("/", 1)[1]
    progress = batch_progress(batch_id)
    assert progress is not None
    progress.wait(240)
    assert progress is not None and progress.finished and progress.error is None, progress
    html = client.get(started.headers["Location"]).get_data(as_text=True)
    assert f"{progress.total}/{progress.total} đơn vị: xong" in html
    assert 'http-equiv="refresh"' not in html
    link = html.split('href="/bao-cao/tep/', 1)[1].split('"', 1)[0]
    with client.get(f"/bao-cao/tep/{link}") as response:
        assert response.status_code == 200
        names = zipfile.ZipFile(io.BytesIO(response.get_data())).namelist()
    assert any(n.startswith("UBND-BA-DINH/") and n.endswith(".docx") for n in names), names
    assert len([n for n in names if n.endswith(".docx")]) == progress.total
    assert client.get("/bao-cao/tat-ca/khong-co").status_code == 404


def test_resend_needs_quan_tri_and_a_real_run(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("chuyenvien")
    data = {"recipient": "a@x.vn"}
    assert auth.post("/lich-su/1/gui-lai", data, page="/lich-su").status_code == 403
    auth.logout()
    auth.login("quantri")
    missing = auth.post("/lich-su/999/gui-lai", data, page="/lich-su")
    assert missing.status_code == 400
    assert "không có lần chạy #999; xem Lịch sử" in missing.get_data(as_text=True)


def test_pause_and_resume_a_job_from_lich_gui(
    app: Flask, client: FlaskClient, auth: AuthActions, web_settings: Settings
) -> None:
    (web_settings.jobs_dir / "tuan.toml").write_text(
        'id = "tuan"\nschedule = "0 8 * * MON"\nformats = ["docx"]\n[email]\nto = ["a@x.vn"]\n',
        encoding="utf-8",
    )
    auth.login("lanhdao")
    assert auth.post("/lich-gui/tuan/tam-dung", page="/lich-gui").status_code == 403
    auth.logout()
    auth.login("quantri")
    assert auth.post("/lich-gui/tuan/tam-dung", page="/lich-gui").status_code == 302
    html = client.get("/lich-gui").get_data(as_text=True)
    assert "đang tạm dừng" in html and ">Tiếp tục</button>" in html
    assert auth.post("/lich-gui/tuan/tiep-tuc", page="/lich-gui").status_code == 302
    assert ">Tạm dừng</button>" in client.get("/lich-gui").get_data(as_text=True)
    missing = auth.post("/lich-gui/khong-co/tam-dung", page="/lich-gui")
    assert missing.status_code == 400 and "khong-co" in missing.get_data(as_text=True)


def test_login_goes_back_only_to_a_page_of_this_site(client: FlaskClient) -> None:
    from tests.web.conftest import csrf_token

    for target, expected in (
        ("/lich-su", "/lich-su"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
    ):
        client.delete_cookie("baocao_session")
        token = csrf_token(client)
        done = client.post(
            f"/dang-nhap?next={target}",
            data={"name": "lanhdao", "password": PASSWORDS["lanhdao"], "csrf_token": token},
        )
        assert done.headers["Location"] == expected, target


def test_an_unexpected_error_is_a_vietnamese_page_without_traceback(
    app: Flask, client: FlaskClient, auth: AuthActions, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reports.web.pages_week as week

    def broken(*_: object) -> None:
        raise RuntimeError("hỏng")

    monkeypatch.setattr(week, "week_at_a_glance", broken)
    auth.login("lanhdao")
    response = client.get("/")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Đã có lỗi không mong đợi" in html and "Traceback" not in html and "hỏng" not in html


@pytest.mark.postgres
def test_the_pages_on_postgresql(
    settings: Settings, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from reports.settings.load import WebSettings

    monkeypatch.setenv("BAOCAO_SECRET_KEY", "p" * 40)
    app = make_app(replace(settings, database_url=pg_url, web=WebSettings(upload_max_mb=1.0)))
    client = app.test_client()
    auth = AuthActions(client)
    for _ in range(2):
        auth.login("quantri", "sai-mat-khau")
    assert auth.login("quantri").status_code == 302
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    response = auth.upload(_dossiers_csv(bad=True), "dossiers.csv")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "dossiers.csv:4:received_on" in page
    file_id = int(response.headers["Location"].rsplit("/", 1)[1])
    auth.post(
        f"/nhap-du-lieu/{file_id}/nhap", {"skip_invalid": "y"}, page=f"/nhap-du-lieu/{file_id}"
    )
    assert "thêm 2, thay 0, không đổi 0, loại 1" in client.get(f"/nhap-du-lieu/{file_id}").get_data(
        as_text=True
    )
    assert "tải lên dossiers.csv" in client.get("/nhat-ky").get_data(as_text=True)
    app.extensions["baocao"]["engine"].dispose()


def test_edit_schedule_and_recipients_seen_by_the_cli(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    web_settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from reports.cli import main

    (web_settings.jobs_dir / "tuan.toml").write_text(
        'id = "tuan"\nschedule = "0 8 * * MON"\nformats = ["docx"]\n[email]\nto = ["a@x.vn"]\n',
        encoding="utf-8",
    )
    form = {
        "tuan-sua-schedule": "30 7 * * FRI",
        "tuan-sua-to": "b@x.vn\nc@x.vn",
        "tuan-sua-cc": "d@x.vn",
    }
    auth.login("chuyenvien")
    assert auth.post("/lich-gui/tuan/sua", form, page="/lich-gui").status_code == 403
    auth.logout()
    auth.login("quantri")
    assert auth.post("/lich-gui/tuan/sua", form, page="/lich-gui").status_code == 302
    html = client.get("/lich-gui").get_data(as_text=True)
    assert "07:30 thứ Sáu hằng tuần" in html and "b@x.vn, c@x.vn, d@x.vn" in html
    bad = auth.post(
        "/lich-gui/tuan/sua", {**form, "tuan-sua-schedule": "99 99 * * *"}, page="/lich-gui"
    )
    assert (
        bad.status_code == 400
        and "lịch cron không hợp lệ &#39;99 99 * * *&#39;" in bad.get_data(as_text=True)
    )
    bad = auth.post(
        "/lich-gui/tuan/sua", {**form, "tuan-sua-to": "khong-phai-dia-chi"}, page="/lich-gui"
    )
    assert (
        bad.status_code == 400
        and "Gửi tới: địa chỉ thư không hợp lệ &#39;khong-phai-dia-chi&#39;"
        in bad.get_data(as_text=True)
    )
    # the command line sees the same job
    engine = app.extensions["baocao"]["engine"]
    code = main(["--db", str(engine.url), "--jobs", str(web_settings.jobs_dir), "jobs", "list"])
    out = capsys.readouterr().out
    assert code == 0 and "tuan\t30 7 * * FRI" in out and "gửi: b@x.vn, c@x.vn, d@x.vn" in out
    assert "sửa tuan: lịch 30 7 * * FRI" in client.get("/nhat-ky").get_data(as_text=True)


def test_history_keeps_the_sha256_sent_and_refuses_an_overwritten_file(
    app: Flask, client: FlaskClient, auth: AuthActions, tmp_path: Path
) -> None:
    import hashlib
    from datetime import UTC, date, datetime

    from reports.core.periods import ReportPeriod
    from reports.runs import ledger

    engine = app.extensions["baocao"]["engine"]
    sent = tmp_path / "BC-tuan.docx"
    sent.write_bytes(b"ban da gui")
    claim = ledger.claim(
        engine,
        "tuan",
        ReportPeriod(date(2020, 9, 21), date(2020, 9, 28)),
        owner="may-1",
        now=datetime.now(UTC),
        lease_s=60,
    )
    assert claim.run is not None
    ledger.record_files(engine, claim.run, [sent])
    digest = hashlib.sha256(b"ban da gui").hexdigest()
    auth.login("lanhdao")
    html = client.get("/lich-su").get_data(as_text=True)
    assert digest in html and f'href="/lich-su/{claim.run.id}/tep/0"' in html
    with client.get(f"/lich-su/{claim.run.id}/tep/0") as response:
        assert response.status_code == 200 and response.get_data() == b"ban da gui"
    sent.write_bytes(b"ban khac, ghi de")
    html = client.get("/lich-su").get_data(as_text=True)
    assert "(đã bị ghi đè sau khi gửi)" in html and digest in html
    refused = client.get(f"/lich-su/{claim.run.id}/tep/0")
    assert refused.status_code == 409
    assert "đã bị ghi đè sau khi lần chạy" in refused.get_data(as_text=True)


def test_change_own_password_ends_the_other_sessions(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("chuyenvien")
    other = app.test_client()
    AuthActions(other).login("chuyenvien")
    assert other.get("/").status_code == 200
    form = {"current": "sai", "new": "mat-khau-moi-123", "again": "mat-khau-moi-123"}
    wrong = auth.post("/doi-mat-khau", form, page="/doi-mat-khau")
    assert wrong.status_code == 400 and "mật khẩu hiện tại không đúng" in wrong.get_data(
        as_text=True
    )
    form["current"] = PASSWORDS["chuyenvien"]
    mismatch = auth.post("/doi-mat-khau", {**form, "again": "khac-han-nhe"}, page="/doi-mat-khau")
    assert "hai lần nhập mật khẩu mới không giống nhau" in mismatch.get_data(as_text=True)
    assert auth.post("/doi-mat-khau", form, page="/doi-mat-khau").status_code == 302
    assert client.get("/").status_code == 200  # this session stays
    assert other.get("/").status_code == 302  # the other one ended
    auth.logout()
    assert auth.login("chuyenvien", "mat-khau-moi-123").status_code == 302
