"""Fixtures shaped like Flask's tutorial (app, client, runner, AuthActions), with CSRF on and
three users of different roles, on a real SQLite file holding a small sample city."""

from __future__ import annotations

import io
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from waitress import create_server
from werkzeug.test import TestResponse

from reports.accounts.users import add_user
from reports.program import waitress_options
from reports.sample.city import write_sample
from reports.settings.load import Settings, WebSettings
from reports.sources.importer import import_files
from reports.store.db import open_store
from reports.web import create_app

PASSWORDS = {
    "quantri": "mat-khau-quan-tri",
    "lanhdao": "mat-khau-lanh-dao",
    "chuyenvien": "mat-khau-chuyen-vien",
}
ROLES = {"quantri": "quan-tri", "lanhdao": "lanh-dao", "chuyenvien": "chuyen-vien"}
ORDER = ["units", "documents", "dossiers", "receptions", "petitions", "directives", "highlights"]
AROUND = {"start": date(2020, 8, 1), "end": date(2020, 10, 31)}

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the sample city of Aug-Oct 2020 (the reference week inside)."""
    folder = tmp_path_factory.mktemp("web-sample")
    files = write_sample(folder / "csv", **AROUND)
    path = folder / "sample.sqlite"
    engine = open_store(f"sqlite:///{path}")
    import_files(engine, [files[k] for k in ORDER])
    engine.dispose()
    return path


@pytest.fixture
def web_settings(settings: Settings, tmp_path: Path, sample_db: Path) -> Settings:
    db = tmp_path / "web.sqlite"
    shutil.copyfile(sample_db, db)
    (tmp_path / "jobs").mkdir(exist_ok=True)
    return replace(settings, database_url=f"sqlite:///{db}", web=WebSettings(upload_max_mb=1.0))


@contextmanager
def served(app: Any, settings: Settings, *, threads: int = 4) -> Iterator[str]:
    """``app`` behind waitress on a free port, configured as ``baocao web`` configures it;
    its address (``http://127.0.0.1:<port>``). werkzeug's development server is not used: it
    leaves a response's file open when the client drops the request mid-way."""
    server = create_server(
        app, host="127.0.0.1", port=0, threads=threads, **waitress_options(settings)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    finally:
        server.close()
        thread.join(10)


def make_app(settings: Settings) -> Flask:
    engine = open_store(settings.database_url)
    for name, role in ROLES.items():
        add_user(engine, name, role, PASSWORDS[name], by="test")
    return create_app({"BAOCAO_SETTINGS": settings, "BAOCAO_ENGINE": engine, "TESTING": True})


@pytest.fixture
def app(web_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.delenv("BAOCAO_SECRET_KEY", raising=False)
    application = make_app(web_settings)
    yield application
    application.extensions["baocao"]["engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def csrf_token(client: FlaskClient, path: str = "/dang-nhap") -> str:
    page = client.get(path)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, name: str = "quantri", password: str | None = None) -> TestResponse:
        token = csrf_token(self._client)
        return self._client.post(
            "/dang-nhap",
            data={
                "name": name,
                "password": PASSWORDS.get(name, "") if password is None else password,
                "csrf_token": token,
            },
        )

    def logout(self) -> TestResponse:
        token = csrf_token(self._client, "/")
        return self._client.post("/dang-xuat", data={"csrf_token": token})

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, page: str = "/", **kw: Any
    ) -> TestResponse:
        """POST with the token of the session, as the page's own form would."""
        return self._client.post(
            path, data={**(data or {}), "csrf_token": csrf_token(self._client, page)}, **kw
        )

    def upload(self, content: bytes, name: str, *, kind: str = "", **kw: Any) -> TestResponse:
        """Nhập dữ liệu's upload of one file named ``name``, as its form sends it."""
        return self.post(
            "/nhap-du-lieu/",
            {"files": (io.BytesIO(content), name), "kind": kind, "mapping": ""},
            page="/nhap-du-lieu/",
            content_type="multipart/form-data",
            **kw,
        )


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture(autouse=True)
def _no_approver_lookup_after() -> Iterator[None]:
    """create_app plugs the users table into the approval core (process-wide); other tests
    expect none."""
    from reports import approval

    yield
    approval.set_approver_lookup(None)
