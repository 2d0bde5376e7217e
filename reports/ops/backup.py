"""``baocao backup DEST`` and ``baocao restore SRC``: a consistent copy while the services run.

A backup is a folder (mode 0700, files 0600): the database (SQLite's online backup in one step,
checked with ``PRAGMA integrity_check``; ``pg_dump`` for PostgreSQL), the settings file, the
templates, jobs and mappings folders, and ``manifest.json`` (schema revision, time, version).
The frozen (approved, numbered) files are rows of the database and travel with it.

A restore refuses a database that already holds data unless ``force``, and a backup made by a
newer baocao (a schema revision it does not know). A restored copy mails no one: every job is
paused (``baocao jobs resume --all`` resumes them), so a copy brought up elsewhere does not send
the old machine's reports again.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from reports.core.errors import StoreError
from reports.settings.load import Settings

SQLITE_FILE = "baocao.sqlite"
PG_FILE = "baocao.pgdump"
MANIFEST = "manifest.json"


def _sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    return None


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def _copy_tree(src: Path, dest: Path) -> None:
    if not src.is_dir():
        return
    _private_dir(dest)
    for item in sorted(src.rglob("*")):
        target = dest / item.relative_to(src)
        if item.is_dir():
            _private_dir(target)
        elif item.is_file():
            shutil.copyfile(item, target)
            os.chmod(target, 0o600)


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    """libpq options for pg_dump / pg_restore; the password only in the environment."""
    parts = sa.engine.make_url(url)
    args = []
    if parts.host:
        args += ["-h", parts.host]
    if parts.port:
        args += ["-p", str(parts.port)]
    if parts.username:
        args += ["-U", parts.username]
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = str(parts.password)
    return [*args, "-d", str(parts.database or "")], env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise StoreError(
            f"không tìm thấy {name} để sao lưu/khôi phục PostgreSQL; cài gói postgresql-client "
            f"(apt-get install postgresql-client) cùng phiên bản chính với máy chủ"
        )
    return found


def backup(settings: Settings, dest: Path) -> list[Path]:
    """Write a backup folder ``dest`` (it must not exist, or be empty); the files written."""
    from reports.store.db import create_engine, current_revision, safe_url

    dest = dest.expanduser().resolve()
    if dest.exists() and any(dest.iterdir()):
        raise StoreError(f"thư mục sao lưu {dest} đã có tệp; chọn một thư mục mới")
    _private_dir(dest)
    url = settings.database_url
    engine = create_engine(url)
    try:
        revision = current_revision(engine)
    except sa.exc.OperationalError as exc:
        raise StoreError(f"không kết nối được cơ sở dữ liệu {safe_url(url)}: {exc.orig}") from exc
    finally:
        engine.dispose()
    written: list[Path] = []
    source = _sqlite_path(url)
    if source is not None:
        target = dest / SQLITE_FILE
        _sqlite_backup(source, target)
        written.append(target)
    else:
        target = dest / PG_FILE
        args, env = _pg_args(url)
        done = subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "-f", str(target), *args],
            env=env, capture_output=True, text=True, timeout=3600,
        )  # fmt: skip
        if done.returncode != 0:
            raise StoreError(f"pg_dump lỗi: {done.stderr.strip()}")
        os.chmod(target, 0o600)
        written.append(target)
    if settings.source is not None:
        shutil.copyfile(settings.source, dest / "baocao.toml")
        os.chmod(dest / "baocao.toml", 0o600)
        written.append(dest / "baocao.toml")
    for name, folder in (
        ("templates", settings.templates_dir),
        ("jobs", settings.jobs_dir),
        ("mappings", (settings.source.parent / "mappings") if settings.source else None),
    ):
        if folder is not None and folder.is_dir():
            _copy_tree(folder, dest / name)
            written.append(dest / name)
    manifest = {
        "schema": revision,
        "database": "sqlite" if source is not None else "postgresql",
        "created_at": datetime.now(UTC).isoformat(),
        "baocao": _version(),
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    os.chmod(dest / MANIFEST, 0o600)
    written.append(dest / MANIFEST)
    return written


def _version() -> str:
    from reports.store.db import baocao_version

    return baocao_version()


def _sqlite_backup(source: Path, target: Path) -> None:
    """One consistent snapshot (one step: a paced backup restarts under a writer), checked."""
    part = target.with_name(target.name + ".part")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.close(fd)
        dst = sqlite3.connect(part)
        try:
            src.backup(dst, pages=-1)
            result = dst.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                raise StoreError(f"bản sao lưu không toàn vẹn: {result[:3]}")
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(part, target)


def restore(settings: Settings, source: Path, *, force: bool = False) -> list[str]:
    """Restore the backup folder ``source`` into the settings' database; lines to print."""
    from reports.store.db import (
        HEAD_REVISION,
        create_engine,
        current_revision,
        known_revisions,
        open_store,
        safe_url,
    )

    source = source.expanduser().resolve()
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{source} không phải thư mục do 'baocao backup' tạo ({exc})") from exc
    revision = manifest.get("schema")
    if revision is not None and revision not in known_revisions():
        raise StoreError(
            f"bản sao lưu có lược đồ {revision}, mới hơn bản baocao này (biết đến "
            f"{HEAD_REVISION}); cài baocao {manifest.get('baocao', 'mới hơn')} rồi khôi phục"
        )
    url = settings.database_url
    engine = create_engine(url)
    try:
        has_data = _has_tables(engine)
    finally:
        engine.dispose()
    if has_data and not force:
        raise StoreError(
            f"cơ sở dữ liệu {safe_url(url)} đã có dữ liệu; khôi phục sẽ ghi đè. Sao lưu nó "
            "trước ('baocao backup THƯ_MỤC'), rồi chạy lại với --force"
        )
    kind = manifest.get("database")
    target = _sqlite_path(url)
    if kind == "sqlite":
        if target is None:
            raise StoreError("bản sao lưu là SQLite, nhưng cơ sở dữ liệu đích là PostgreSQL")
        _restore_sqlite(source / SQLITE_FILE, target)
    else:
        if target is not None:
            raise StoreError("bản sao lưu là PostgreSQL, nhưng cơ sở dữ liệu đích là SQLite")
        args, env = _pg_args(url)
        done = subprocess.run(
            [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", *args,
             str(source / PG_FILE)],
            env=env, capture_output=True, text=True, timeout=3600,
        )  # fmt: skip
        if done.returncode != 0:
            raise StoreError(f"pg_restore lỗi: {done.stderr.strip()}")
    engine = open_store(url)  # an older backup is upgraded here
    try:
        pause_all_after_restore(engine)
        now_at = current_revision(engine)
    finally:
        engine.dispose()
    return [
        f"Đã khôi phục {source} vào {safe_url(url)} (lược đồ {revision} → {now_at}).",
        "Mọi công việc đang tạm dừng: bản khôi phục không gửi thư cho ai. Khi đã chắc đây là "
        "máy dùng thật, chạy: baocao jobs resume --all",
    ]


def _has_tables(engine: sa.engine.Engine) -> bool:
    try:
        with engine.connect() as conn:
            return bool(sa.inspect(conn).get_table_names())
    except sa.exc.OperationalError:
        return False


def _restore_sqlite(backup_file: Path, target: Path) -> None:
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        if not target.exists():
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o600))
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=-1)
        finally:
            dst.close()
    finally:
        src.close()


def pause_all_after_restore(engine: sa.engine.Engine) -> None:
    """Pause every job (``*``) and forget the old machine's heartbeats."""
    from reports.schedule.pause import ALL, set_paused
    from reports.store.schema import scheduler_nodes

    set_paused(engine, ALL, True, by="baocao restore")
    with engine.begin() as conn:
        conn.execute(sa.delete(scheduler_nodes))
