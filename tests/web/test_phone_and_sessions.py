"""Issue 21 with the Flask test client (CSRF enforced): bad input gets a message beside its
field, sessions come back through the login page, lockout spares other accounts, ``next=``
never leaves the site, the period picker agrees with the typed forms."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from reports.accounts.audit import audit_entries
from tests.web.conftest import PASSWORDS, AuthActions, csrf_token


def _main(html: str) -> str:
    return html.split('<main id="noi-dung">', 1)[1]


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("?tu=21/09/%202020&den=", "den", "Đến ngày: chưa nhập ngày"),
        ("?tu=%20&den=28/09/2020", "tu", "Từ ngày: chưa nhập ngày"),
        ("?tu=01/01/1900&den=08/01/1900", "tu", "năm 1900 nằm ngoài khoảng"),
        ("?ky_go=1900", "ky_go", "năm 1900 nằm ngoài khoảng"),
        ("?ky_go=2020-13", "ky_go", "không có tháng 13"),
        ("?ky=hom-qua", "ky", "không có lựa chọn kỳ"),
        ("?ky=tuan-truoc&don_vi=Kh%C3%B4ng%20c%C3%B3", "don_vi", "Không có đơn vị"),
    ],
)
def test_bad_period_input_is_a_message_beside_its_field_with_the_value_kept(
    client: FlaskClient, auth: AuthActions, query: str, field: str, words: str
) -> None:
    auth.login("lanhdao")
    got = client.get("/" + query)
    html = got.get_data(as_text=True)
    assert got.status_code == 400, html
    assert f'id="{field}-loi" role="alert">' in html and words in html
    assert 'aria-invalid="true"' in html
    if field == "ky_go":
        typed = re.search(r"ky_go=([^&]*)", query)
        assert typed and f'name="ky_go" value="{typed.group(1)}"' in html  # kept as typed


def test_a_space_inside_a_date_is_read_not_refused(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("lanhdao")
    got = client.get("/?tu=21/09/%202020&den=28/09/2020")
    assert got.status_code == 200
    assert "Kỳ 21/9-28/9/2020" in got.get_data(as_text=True)


def test_a_bad_period_on_bao_cao_keeps_the_form(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("chuyenvien")
    got = auth.post("/bao-cao/", {"ky_go": "Q5/2020", "don_vi": ""}, page="/bao-cao/")
    html = got.get_data(as_text=True)
    assert got.status_code == 400
    assert 'id="ky_go-loi"' in html and 'value="Q5/2020"' in html
    empty = auth.post("/bao-cao/tat-ca", {"batch-tu": "", "batch-den": ""}, page="/bao-cao/")
    assert empty.status_code == 400 and "chưa chọn kỳ" in empty.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        f"/drafts/{2**63}",
        f"/drafts/{2**64}/tep/1",
        f"/bao-cao/{2**63}",
        f"/bao-cao/tep/{2**63 + 5}",
        f"/lich-su/{2**63}/tep/0",
        f"/drafts/{2**63 - 1}",
    ],
)
def test_an_id_beyond_the_database_is_404_not_500(
    client: FlaskClient, auth: AuthActions, path: str
) -> None:
    auth.login("quantri")
    got = client.get(path)
    assert got.status_code == 404
    assert "Không tìm thấy trang" in got.get_data(as_text=True)


def test_the_quarter_preset_and_the_typed_quarter_give_the_same_page(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("lanhdao")
    with time_machine.travel(datetime(2020, 10, 5, 9, 0).astimezone(), tick=False):
        auth.login("lanhdao")
        typed = client.get("/?ky_go=2020-Q3").get_data(as_text=True)
        preset = client.get("/?ky=quy-truoc").get_data(as_text=True)
    figures = re.compile(r'<table class="figures">.*?</table>', re.S)
    assert "Kỳ 01/7-30/9/2020 (quý III/2020)" in typed or "(quý III/2020)" in typed
    assert figures.search(typed) and figures.search(typed).group(0) == figures.search(preset).group(
        0
    )  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "/%09/evil.example",
        "%09//evil.example",
        "/\t/evil.example",
        "https://evil.example/",
        "http:/evil.example",
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "javascript:alert(1)",
        " /lich-su",
    ],
)
def test_a_crafted_next_never_leaves_the_site(client: FlaskClient, target: str) -> None:
    token = csrf_token(client)
    done = client.post(
        "/dang-nhap?next=" + quote(target, safe="/%:"),
        data={"name": "lanhdao", "password": PASSWORDS["lanhdao"], "csrf_token": token},
    )
    assert done.status_code == 302
    assert done.headers["Location"] == "/", target


def test_next_keeps_a_path_with_its_query(client: FlaskClient) -> None:
    token = csrf_token(client)
    done = client.post(
        "/dang-nhap?next=" + quote("/?ky_go=2020-Q3", safe="/"),
        data={"name": "lanhdao", "password": PASSWORDS["lanhdao"], "csrf_token": token},
    )
    assert done.headers["Location"] == "/?ky_go=2020-Q3"


def test_an_expired_session_goes_to_login_then_back(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("lanhdao")
    token = csrf_token(client, "/drafts/")
    with time_machine.travel(timedelta(minutes=31), tick=False):
        # a form sent after the session ended: no "Lỗi 400 (CSRF)", the login page
        late = client.post(
            "/drafts/1/tra-lai",
            data={"comment": "x", "csrf_token": token},
            headers={"Referer": "http://localhost/drafts/1"},
        )
        assert late.status_code == 303
        assert late.headers["Location"] == "/dang-nhap?next=/drafts/1"
        page = client.get(late.headers["Location"]).get_data(as_text=True)
        assert "Phiên đăng nhập đã hết hạn" in page
        token = csrf_token(client, "/dang-nhap")
        back = client.post(
            "/dang-nhap?next=/drafts/1",
            data={"name": "lanhdao", "password": PASSWORDS["lanhdao"], "csrf_token": token},
        )
        assert back.headers["Location"] == "/drafts/1"
    auth.login("lanhdao")
    with time_machine.travel(timedelta(minutes=31), tick=False):
        away = client.get("/lich-gui")
        assert away.headers["Location"] == "/dang-nhap?next=/lich-gui"
        assert "Phiên đăng nhập đã hết hạn" in client.get(away.headers["Location"]).get_data(
            as_text=True
        )


def test_five_wrong_passwords_lock_that_account_from_that_address_only(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    for _ in range(5):
        assert auth.login("quantri", "sai").status_code == 401
    assert auth.login("quantri").status_code == 401  # the right password, too late, here
    assert auth.login("lanhdao").status_code == 302  # another account from the same address
    elsewhere = app.test_client()
    token = csrf_token(elsewhere)
    owner = elsewhere.post(
        "/dang-nhap",
        data={"name": "quantri", "password": PASSWORDS["quantri"], "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert owner.status_code == 302  # the owner, elsewhere, is not refused
    engine = app.extensions["baocao"]["engine"]
    actions = [e.action_vi for e in audit_entries(engine)]
    assert "đăng nhập sai" in actions and "tạm khóa đăng nhập" in actions
    auth.login("quantri") if False else None
    elsewhere_audit = elsewhere.get("/nhat-ky").get_data(as_text=True)
    assert "đăng nhập sai" in elsewhere_audit and "login.failed" not in elsewhere_audit


def test_forwarded_address_is_trusted_only_from_a_listed_proxy(app: Flask) -> None:
    from dataclasses import replace

    settings = app.extensions["baocao"]["settings"]

    def tries(proxies: tuple[str, ...], forwarded: str) -> int:
        app.extensions["baocao"]["settings"] = replace(
            settings, web=replace(settings.web, trusted_proxies=proxies)
        )
        c = app.test_client()
        codes = []
        for n in range(6):
            token = csrf_token(c)
            codes.append(
                c.post(
                    "/dang-nhap",
                    data={"name": "lanhdao", "password": "sai", "csrf_token": token},
                    environ_base={"REMOTE_ADDR": "127.0.0.1"},
                    headers={"X-Forwarded-For": f"{forwarded}{n}"},
                ).status_code
            )
        return codes.count(401)

    # from a trusted proxy each forwarded address is its own: none is locked after 6 tries
    engine = app.extensions["baocao"]["engine"]
    tries(("127.0.0.1",), "203.0.113.")
    assert not any(e.action == "login.locked" for e in audit_entries(engine))
    # untrusted: the header is ignored, all six come from 127.0.0.1 and the sixth is locked
    tries((), "198.51.100.")
    assert any(e.action == "login.locked" for e in audit_entries(engine))
    app.extensions["baocao"]["settings"] = settings


def test_a_new_user_gets_the_least_role_and_a_mail_address(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("quantri")
    page = client.get("/nguoi-dung").get_data(as_text=True)
    assert re.search(
        r'<option selected value="chuyen-vien">|<option value="chuyen-vien" selected', page
    )
    added = auth.post(
        "/nguoi-dung",
        {"name": "moi", "password": "mat-khau-moi-1", "email": "moi@ubnd.gov.vn"},
        page="/nguoi-dung",
        follow_redirects=True,
    )
    html = added.get_data(as_text=True)
    assert "Đã thêm người dùng moi (Chuyên viên)." in html and "moi@ubnd.gov.vn" in html


def test_the_landing_page_says_first_what_waits(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("lanhdao")
    html = _main(client.get("/").get_data(as_text=True))
    assert "Đang chờ bạn" not in html  # nothing waits: nothing said
