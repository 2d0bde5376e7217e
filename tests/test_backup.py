"""baocao backup / restore: a consistent copy under a running import, a restore that refuses to
overwrite data or to take a newer schema, and a restored copy that mails no one until resumed."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from reports.core.errors import StoreError
from reports.ops.backup import backup, restore
from reports.runs import ledger
from reports.sample.city import write_sample
from reports.settings.load import Settings, load_settings
from reports.sources.importer import import_files
from reports.store.db import HEAD_REVISION, open_store

ORDER = ["units", "documents", "dossiers", "receptions", "petitions", "directives", "highlights"]


def _office(tmp_path: Path, name: str = "vp") -> Settings:
    folder = tmp_path / name
    (folder / "jobs").mkdir(parents=True)
    (folder / "jobs" / "tuan.toml").write_text(
        'id = "tuan"\nschedule = "0 8 * * MON"\nformats = ["docx"]\n[email]\nto = ["a@x.vn"]\n',
        encoding="utf-8",
    )
    (folder / "baocao.toml").write_text(
        '[smtp]\nhost = "127.0.0.1"\nport = 9\nretries = 1\nretry_backoff_s = 0.01\n'
        "timeout_s = 2\n",
        encoding="utf-8",
    )
    return load_settings(folder / "baocao.toml", environ={})


def test_a_backup_under_a_running_import_passes_the_integrity_check(tmp_path: Path) -> None:
    settings = _office(tmp_path)
    files = write_sample(tmp_path / "csv", start=date(2019, 1, 1), end=date(2020, 12, 31))
    engine = open_store(settings.database_url)
    import_files(engine, [files["units"]])
    importing = threading.Thread(target=import_files, args=(engine, [files[k] for k in ORDER[1:]]))
    importing.start()
    copies = []
    while importing.is_alive():
        copies.append(backup(settings, tmp_path / f"bk{len(copies)}"))
    importing.join()
    engine.dispose()
    assert copies, "the import ended before a backup started"
    for written in copies:
        (database, *_rest) = written
        assert database.stat().st_mode & 0o777 == 0o600
        conn = sqlite3.connect(database)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            assert revision == (HEAD_REVISION,)
        finally:
            conn.close()
    names = {p.name for p in copies[-1]}
    assert names >= {"baocao.sqlite", "baocao.toml", "jobs", "manifest.json"}


def test_restore_refuses_data_without_force_and_a_newer_schema(tmp_path: Path) -> None:
    settings = _office(tmp_path)
    open_store(settings.database_url).dispose()
    saved = tmp_path / "bk"
    backup(settings, saved)
    with pytest.raises(StoreError) as err:
        restore(settings, saved)
    assert "đã có dữ liệu; khôi phục sẽ ghi đè" in str(err.value)
    assert "--force" in str(err.value)
    restore(settings, saved, force=True)
    manifest = json.loads((saved / "manifest.json").read_text(encoding="utf-8"))
    (saved / "manifest.json").write_text(json.dumps({**manifest, "schema": "9999_future"}))
    with pytest.raises(StoreError) as err:
        restore(settings, saved, force=True)
    assert "bản sao lưu có lược đồ 9999_future, mới hơn bản baocao này" in str(err.value)


def test_a_restored_copy_sends_nothing_until_resumed(tmp_path: Path) -> None:
    from reports.schedule.pause import resume_all
    from reports.schedule.service import bind, scheduled_run

    settings = _office(tmp_path)
    open_store(settings.database_url).dispose()
    saved = tmp_path / "bk"
    backup(settings, saved)
    elsewhere = _office(tmp_path, "may-moi")
    lines = restore(elsewhere, saved)
    assert lines[-1].endswith("baocao jobs resume --all")
    engine = open_store(elsewhere.database_url)
    bind(elsewhere)
    scheduled_run("tuan")
    assert ledger.history(engine, "tuan") == []  # paused: no run, no mail
    assert resume_all(engine, by="it") == ["*"]
    scheduled_run("tuan")
    assert len(ledger.history(engine, "tuan")) == 1  # it ran (no mail server here: failed)
    engine.dispose()
    assert replace(elsewhere).database_url != settings.database_url


def test_backup_of_postgresql_uses_pg_dump(pg_url: str, tmp_path: Path) -> None:
    import shutil

    from tests.conftest import need

    need(shutil.which("pg_dump") is not None, "pg_dump (apt-get install postgresql-client)")
    settings = _office(tmp_path).with_database(pg_url)
    open_store(pg_url).dispose()
    written = backup(settings, tmp_path / "bk")
    assert written[0].name == "baocao.pgdump"
    assert written[0].stat().st_size > 0
    assert written[0].stat().st_mode & 0o777 == 0o600


def test_kept_files_are_deleted_after_the_retention(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from reports.produce import keep

    settings = _office(tmp_path)
    engine = open_store(settings.database_url)
    source = tmp_path / "x.csv"
    source.write_text("id\n1\n", encoding="utf-8")
    kept = keep.keep_file(engine, settings, source, keep.UPLOAD, by="chuyenvien")
    assert kept.path.is_file()
    now = datetime.now(UTC)
    assert keep.purge_older_than(engine, settings, 30, now=now) == 0
    assert keep.purge_older_than(engine, settings, 30, now=now + timedelta(days=31)) == 1
    assert not kept.path.exists()
    assert keep.get_file(engine, kept.id) is None
    engine.dispose()
