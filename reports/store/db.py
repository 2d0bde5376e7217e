"""Connecting to the store and keeping its schema current (Alembic)."""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, overload

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.core.errors import StoreError

log = logging.getLogger(__name__)

# Dates are stored as ISO text in SQLite. Registering the adapter explicitly (rather than relying
# on the default one, deprecated since Python 3.12) also lets bulk loads pass date objects as is.
sqlite3.register_adapter(date, date.isoformat)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
HEAD_REVISION = "0014_drop_apscheduler_jobs"
"""Keep equal to the newest file in ``migrations/versions``; a test checks it."""


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """A moment read back from the store: SQLite gives it without its zone, which is UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


DEFAULT_BUSY_TIMEOUT_S = 30.0
"""[database] busy_timeout_s when not set."""


def _sqlite_pragmas(busy_timeout_s: float) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cur = dbapi_connection.cursor()
        # A new store's pages are 16 KiB, not SQLite's 4 KiB: a big import then writes a
        # quarter as many pages, to the WAL and again at the checkpoint (bench/bench_import.py,
        # 10M rows: 55 s -> 51 s; the week's figures as fast). Only before the first table and
        # before WAL: an existing store keeps its page size (this is then a no-op).
        cur.execute("PRAGMA page_size=16384")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={max(1, round(busy_timeout_s * 1000))}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.execute("PRAGMA cache_size=-200000")
        cur.close()

    return on_connect


def create_engine(url: str, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created if missing. A SQLite write waits
    ``busy_timeout_s`` for another writer before failing with "database is locked"."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:  # created by us, readable by this account only (SQLite's -wal/-shm copy it)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass
            except OSError:
                pass  # a folder not writable: SQLite's own error says so when it is opened
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
        sa.event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_s))
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
        from reports.store.schema import store_meta

        conn.execute(store_meta.delete().where(store_meta.c.key == "schema_by"))
        conn.execute(store_meta.insert().values(key="schema_by", value=baocao_version()))


def known_revisions() -> set[str]:
    """Every schema revision this baocao has a migration for (file name = revision id)."""
    return {p.stem for p in (MIGRATIONS_DIR / "versions").glob("[0-9]*.py")}


def baocao_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("baocao")
    except PackageNotFoundError:
        return "0+unknown"


def check_revision(url: str, revision: str | None, engine: Engine | None = None) -> None:
    """Refuse a database left at a revision this baocao does not know (a newer baocao's)."""
    if revision is None or revision in known_revisions():
        return
    mine = baocao_version()
    needed = f"bản đã tạo lược đồ {revision} (mới hơn {mine})"
    if engine is not None and (by := schema_by(engine)):
        needed = by
    raise StoreError(
        f"{safe_url(url)}: cơ sở dữ liệu do phiên bản mới hơn tạo (lược đồ {revision}, "
        f"baocao {mine} chỉ biết đến {HEAD_REVISION}); cài baocao ≥ {needed} "
        "hoặc dùng bản sao lưu"
    )


def schema_by(engine: Engine) -> str | None:
    """The baocao version that last upgraded the schema (``store_meta``), if recorded."""
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("store_meta"):
                return None
            value = conn.execute(
                sa.text("SELECT value FROM store_meta WHERE key = 'schema_by'")
            ).scalar()
    except sa.exc.SQLAlchemyError:
        return None
    return str(value) if value else None


def empty_store_warning(engine: Engine, url: str) -> str | None:
    """What to say when a read command meets a database that holds no import at all (a wrong
    ``--db`` or ``--settings`` would otherwise print empty figures in silence); None if it has
    data."""
    from reports.store.schema import imports, units

    with engine.connect() as conn:
        found = (
            conn.execute(sa.select(imports.c.id).limit(1)).first()
            or conn.execute(sa.select(units.c.code).limit(1)).first()
        )
    if found is not None:
        return None
    return (
        f"Chú ý: cơ sở dữ liệu {safe_url(url)} chưa có dữ liệu nào (chưa nhập lần nào). Kiểm tra "
        "--db / BAOCAO_DB / --settings có trỏ đúng cơ sở dữ liệu của văn phòng không, "
        "hoặc nhập dữ liệu bằng 'baocao import'."
    )


def reachable(engine: Engine) -> bool:
    """Whether a connection to the database answers a trivial query now."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return False
    return True


def probe_revision(engine: Engine, url: str) -> str | None:
    """The stored revision; an unreachable server is a :class:`StoreError` saying what to check."""
    try:
        return current_revision(engine)
    except sa.exc.OperationalError as exc:
        raise StoreError(
            f"Không kết nối được cơ sở dữ liệu {safe_url(url)}: {exc.orig}. "
            "Kiểm tra máy chủ đang chạy và --db / BAOCAO_DB."
        ) from exc


def backup_sqlite(url: str, stamp: str) -> Path | None:
    """A consistent copy of a SQLite file beside it (SQLite's online backup), before an upgrade."""
    path = url.split("///", 1)[1] if url.startswith("sqlite") and "///" in url else ""
    if not path or path == ":memory:" or not Path(path).is_file():
        return None
    target = Path(f"{path}.{stamp}.bak")
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def open_store(
    url: str, *, migrate: bool = True, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S
) -> Engine:
    """Connect, and upgrade the schema when it is behind (cheap when it is current)."""
    engine = create_engine(url, busy_timeout_s=busy_timeout_s)
    revision = probe_revision(engine, url)
    check_revision(url, revision, engine)
    if revision != HEAD_REVISION:
        if not migrate:
            raise StoreError(
                f"Cơ sở dữ liệu {safe_url(url)} ở phiên bản {revision}, cần {HEAD_REVISION}."
            )
        log.info("nâng lược đồ của %s từ %s lên %s", safe_url(url), revision, HEAD_REVISION)
        upgrade(engine)
    return engine


def upgrade_store(url: str) -> list[str]:
    """``baocao db upgrade``: bring the schema to this baocao's head, a SQLite file copied first.

    Returns the lines to print (Vietnamese). A newer revision is refused, as when opening.
    """
    from datetime import UTC, datetime

    engine = create_engine(url)
    try:
        revision = probe_revision(engine, url)
        check_revision(url, revision, engine)
        if revision == HEAD_REVISION:
            return [f"Cơ sở dữ liệu {safe_url(url)} đã ở lược đồ mới nhất ({HEAD_REVISION})."]
        lines = []
        backup = backup_sqlite(url, datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
        if backup is not None:
            lines.append(f"Đã sao lưu tệp trước khi nâng cấp: {backup}")
        upgrade(engine)
        lines.append(
            f"Đã nâng cấp {safe_url(url)} từ lược đồ {revision or '(trống)'} lên {HEAD_REVISION}."
        )
        return lines
    finally:
        engine.dispose()
