"""``baocao backup DEST`` and ``baocao restore SRC``: a consistent copy while the services run.

A backup is a folder (mode 0700, files 0600): the database (SQLite's online backup in one step,
checked with ``PRAGMA integrity_check``; ``pg_dump`` for PostgreSQL, only the schema the URL's
``options=-csearch_path=…`` names when it names one), the settings file, the templates, jobs
and mappings folders, the output folder (``out/``: the reports made, sent and frozen, which the
run ledger points at) and the web page's files (``<data>/web-files``: uploads, rejected rows,
batch and preview files, which ``stored_files`` points at), and ``manifest.json`` (schema
revision, PostgreSQL schema, time, version). The files are copied after the database dump, so
a file the database names may be missing from the copy only if it was made meanwhile.

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
from reports.ops.relocate import relocate
from reports.settings.load import Settings

SQLITE_FILE = "baocao.sqlite"
PG_FILE = "baocao.pgdump"
MANIFEST = "manifest.json"
OUTPUT = "out"
WEB_FILES = "web-files"
"""The web page's kept files, under the data folder (:func:`reports.produce.keep.files_dir`)."""


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


def pg_schema(url: str) -> str | None:
    """The schema a PostgreSQL URL's libpq ``options`` put first on the ``search_path``
    (``?options=-csearch_path%3Dvp``), or None (the database's default)."""
    import shlex

    options = sa.engine.make_url(url).query.get("options")
    if not options:
        return None
    text = options if isinstance(options, str) else " ".join(options)
    words = shlex.split(text)
    settings: list[str] = []
    for i, word in enumerate(words):
        if word == "-c" and i + 1 < len(words):
            settings.append(words[i + 1])
        elif word.startswith(("-c", "--")):
            settings.append(word[2:])
    for setting in settings:
        key, _, value = setting.partition("=")
        if key.strip().replace("-", "_").lower() != "search_path":
            continue
        for entry in value.split(","):
            name = entry.strip().strip('"')
            if name and name != "$user":
                return name
    return None


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
        schema = pg_schema(url)
        only = [f"--schema={schema}"] if schema else []
        done = subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", *only, "-f", str(target), *args],
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
    for name, folder in _folders(settings):
        if folder is not None and folder.is_dir():
            _copy_tree(folder, dest / name)
            written.append(dest / name)
    manifest = {
        "schema": revision,
        "database": "sqlite" if source is not None else "postgresql",
        "pg_schema": None if source is not None else pg_schema(url),
        "created_at": datetime.now(UTC).isoformat(),
        "baocao": _version(),
        # where the files were: a restore elsewhere moves the database's paths with them
        "folders": {name: str(folder) for name, folder in _file_homes(settings)},
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    os.chmod(dest / MANIFEST, 0o600)
    written.append(dest / MANIFEST)
    return written


def _folders(settings: Settings) -> list[tuple[str, Path | None]]:
    """The office's folders a backup copies, by their name in the backup."""
    return [
        ("templates", settings.templates_dir),
        ("jobs", settings.jobs_dir),
        ("mappings", (settings.source.parent / "mappings") if settings.source else None),
        *_file_homes(settings),
    ]


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
    files = _file_folders(settings, source, force=force)
    kind = manifest.get("database")
    target = _sqlite_path(url)
    if kind == "sqlite":
        if target is None:
            raise StoreError("bản sao lưu là SQLite, nhưng cơ sở dữ liệu đích là PostgreSQL")
        _restore_sqlite(source / SQLITE_FILE, target)
    else:
        if target is not None:
            raise StoreError("bản sao lưu là PostgreSQL, nhưng cơ sở dữ liệu đích là SQLite")
        _restore_pg(url, source / PG_FILE, manifest.get("pg_schema"))
    for saved, folder in files:
        _copy_tree(saved, folder)
    engine = open_store(url)  # an older backup is upgraded here
    try:
        pause_all_after_restore(engine)
        was = manifest.get("folders") or {}
        moves = [(was[name], str(folder)) for name, folder in _file_homes(settings) if name in was]
        relocated = relocate(engine, moves)
        now_at = current_revision(engine)
    finally:
        engine.dispose()
    changed = [f"{old} → {new}" for old, new in moves if old.rstrip("/") != new.rstrip("/")]
    moved_lines = (
        [f"Đường dẫn tệp trong cơ sở dữ liệu chuyển sang thư mục mới ({relocated} dòng): "
         + "; ".join(changed) + "."]
        if relocated
        else []
    )  # fmt: skip
    return [
        f"Đã khôi phục {source} vào {safe_url(url)} (lược đồ {revision} → {now_at}).",
        *moved_lines,
        "Mọi công việc đang tạm dừng: bản khôi phục không gửi thư cho ai. Khi đã chắc đây là "
        "máy dùng thật, chạy: baocao jobs resume --all",
    ]


def _restore_pg(url: str, dump: Path, saved: str | None) -> None:
    """``pg_restore`` into the database, into the schema the URL names: a dump of one schema
    is restored under its own name and renamed when the URL names another (refused when a
    schema of the saved name is already there: it would be overwritten)."""
    from reports.store.db import create_engine

    schema = pg_schema(url)
    renaming = saved is not None and schema is not None and saved != schema
    if renaming:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                exists = conn.execute(
                    sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": saved}
                ).first()
        finally:
            engine.dispose()
        if exists:
            raise StoreError(
                f"bản sao lưu là của lược đồ PostgreSQL {saved!r}, lược đồ này đang có trong cơ "
                f"sở dữ liệu đích; khôi phục vào lược đồ {schema!r} sẽ ghi đè lên nó. Khôi phục "
                f"vào chính lược đồ {saved!r} (options=-csearch_path={saved} trong địa chỉ), "
                "hoặc vào một cơ sở dữ liệu khác"
            )
    args, env = _pg_args(url)
    done = subprocess.run(
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", *args, str(dump)],
        env=env, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    if done.returncode != 0:
        raise StoreError(f"pg_restore lỗi: {done.stderr.strip()}")
    if renaming:
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}"'))
                conn.execute(sa.text(f'ALTER SCHEMA "{saved}" RENAME TO "{schema}"'))
        finally:
            engine.dispose()


def _file_folders(settings: Settings, source: Path, *, force: bool) -> list[tuple[Path, Path]]:
    """(saved, destination) of the output folder and the web page's files; a destination that
    already holds files is merged into only with ``force`` (checked before anything is
    restored)."""
    out = []
    for name, folder in _file_homes(settings):
        saved = source / name
        if not saved.is_dir():
            continue
        if folder.is_dir() and any(folder.iterdir()) and not force:
            raise StoreError(
                f"thư mục {folder} đã có tệp; khôi phục sẽ ghi đè. Chạy lại với --force"
            )
        out.append((saved, folder))
    return out


def _file_homes(settings: Settings) -> list[tuple[str, Path]]:
    """The folders whose files the database names by path, by their name in a backup."""
    return [(OUTPUT, settings.output_dir), (WEB_FILES, settings.data_dir / WEB_FILES)]


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
