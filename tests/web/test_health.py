"""/healthz for the service manager and the proxy; the scheduler's banner on the page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

from reports.schedule.nodes import beat
from reports.settings.load import Settings
from reports.store.db import create_engine
from reports.web import create_app
from tests.web.conftest import AuthActions


def test_healthz_answers_200_with_the_database_without_login_or_data(
    client: FlaskClient,
) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    assert "Set-Cookie" not in response.headers


def test_healthz_answers_503_without_the_database(web_settings: Settings) -> None:
    gone = create_engine("postgresql+psycopg://baocao@127.0.0.1:1/khong-co")
    app = create_app({"BAOCAO_SETTINGS": web_settings, "BAOCAO_ENGINE": gone, "TESTING": True})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "database unreachable\n"


def test_the_banner_names_the_live_scheduler_and_turns_red_when_it_is_silent(
    client: FlaskClient, auth: AuthActions, app: object
) -> None:
    engine = app.extensions["baocao"]["engine"]  # type: ignore[attr-defined]
    auth.login("lanhdao")
    page = client.get("/").get_data(as_text=True)
    assert "Bộ lập lịch: chưa chạy lần nào" in page
    now = datetime.now(UTC)
    beat(engine, "may-a/1", {}, started_at=now, now=now - timedelta(seconds=5))
    page = client.get("/").get_data(as_text=True)
    assert '<div class="scheduler ok" role="status">' in page
    assert "Bộ lập lịch: đang chạy trên máy " in page
    assert ", kiểm tra lần cuối " in page
    beat(engine, "may-a/1", {}, started_at=now, now=now - timedelta(minutes=10))
    page = client.get("/").get_data(as_text=True)
    assert '<div class="scheduler stale" role="status">' in page
    assert "Bộ lập lịch: KHÔNG phản hồi trên máy " in page


def test_the_banner_lists_every_node_alive(
    client: FlaskClient, auth: AuthActions, app: object, web_settings: Settings
) -> None:
    engine = app.extensions["baocao"]["engine"]  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    beat(engine, "may-a/1", {}, started_at=now, now=now)
    beat(engine, "may-b/2", {}, started_at=now, now=now)
    auth.login("chuyenvien")
    page = client.get("/").get_data(as_text=True)
    assert page.count("Bộ lập lịch: đang chạy trên máy ") == 2


def test_a_login_while_an_import_holds_the_write_lock_is_a_clear_503(
    web_settings: Settings,
) -> None:
    import sqlite3

    import sqlalchemy as sa

    from tests.web.conftest import PASSWORDS, csrf_token

    path = web_settings.database_url.removeprefix("sqlite:///")
    from tests.web.conftest import make_app

    make_app(web_settings).extensions["baocao"]["engine"].dispose()  # the users, added
    # an engine whose busy timeout is short, so the lock is reached at once
    quick = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})
    app = create_app({"BAOCAO_SETTINGS": web_settings, "BAOCAO_ENGINE": quick, "TESTING": True})
    client = app.test_client()
    token = csrf_token(client)
    importer = sqlite3.connect(path)
    importer.execute("BEGIN EXCLUSIVE")
    try:
        response = client.post(
            "/dang-nhap",
            data={"name": "lanhdao", "password": PASSWORDS["lanhdao"], "csrf_token": token},
        )
    finally:
        importer.rollback()
        importer.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "thử lại sau ít giây" in response.get_data(as_text=True)
    quick.dispose()
