"""Connecting to the store and keeping its schema current (Alembic)."""

from __future__ import annotations

import logging
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.errors import StoreError

log = logging.getLogger(__name__)

# Dates are stored as ISO text in SQLite. Registering the adapter explicitly (rather than relying
# on the default one, deprecated since Python 3.12) also lets bulk loads pass date objects as is.
sqlite3.register_adapter(date, date.isoformat)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
HEAD_REVISION = "0007_web_users"
"""Keep equal to the newest file in ``migrations/versions``; a test checks it."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.execute("PRAGMA cache_size=-200000")
    cur.close()


def create_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created if missing."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = sa.create_engine(url, **kwargs)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise StoreError(
            f"Địa chỉ cơ sở dữ liệu không hợp lệ: {safe_url(url)} ({exc}). "
            "Dùng sqlite:///duong/dan.sqlite hoặc postgresql://user@host:5432/ten_csdl"
        ) from exc
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<địa chỉ không hợp lệ>"


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision, keeping the data."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Two processes starting at once must not both run the migrations.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(724401)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_store(url: str, *, migrate: bool = True) -> Engine:
    """Connect, and upgrade the schema when it is behind (cheap when it is current)."""
    engine = create_engine(url)
    try:
        revision = current_revision(engine)
    except sa.exc.OperationalError as exc:
        raise StoreError(
            f"Không kết nối được cơ sở dữ liệu {safe_url(url)}: {exc.orig}. "
            "Kiểm tra máy chủ đang chạy và --db / BAOCAO_DB."
        ) from exc
    if revision != HEAD_REVISION:
        if not migrate:
            raise StoreError(
                f"Cơ sở dữ liệu {safe_url(url)} ở phiên bản {revision}, cần {HEAD_REVISION}."
            )
        log.info("upgrading schema of %s from %s to %s", safe_url(url), revision, HEAD_REVISION)
        upgrade(engine)
    return engine
