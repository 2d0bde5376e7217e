"""Shared fixtures: real SQLite files, the real PostgreSQL, settings pointing into tmp_path."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.settings import PROJECT_ROOT, Settings, settings_from_mapping
from reports.store.db import open_store

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("BAOCAO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def need(condition: bool, reason: str) -> None:
    """Skip with ``reason`` where a server or tool is absent; under CI=true that is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}")
    pytest.skip(reason)


def _pg_available() -> str | None:
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}"
    return None


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    problem = _pg_available()
    need(problem is None, problem or "")
    return PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty schema on the real PostgreSQL, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_server_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_server_url else "?"
    yield f"{pg_server_url}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'baocao.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using it runs on a real SQLite file and on the real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'baocao.sqlite'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = open_store(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str) -> Settings:
    """Default office settings, with the database and output under tmp_path."""
    return settings_from_mapping(
        {
            "database": {"url": sqlite_url},
            "paths": {
                "templates": str(PROJECT_ROOT / "templates"),
                "jobs": str(tmp_path / "jobs"),
                "output": str(tmp_path / "out"),
                "data": str(tmp_path / "data"),
            },
            "signer": {"name": "Nguyễn Văn A"},
            "report": {"number": "123"},
        },
        base_dir=tmp_path,
        environ={},
    )
