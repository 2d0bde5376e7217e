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


def _counts(url: str) -> dict[str, int]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("units", "documents", "runs", "job_state")
            }
    finally:
        engine.dispose()


def test_postgresql_backup_is_of_its_schema_and_restores_into_it_paused(
    pg_url: str, tmp_path: Path
) -> None:
    import shutil
    import subprocess

    import sqlalchemy as sa

    from reports.ops.backup import pg_schema
    from reports.schedule.pause import paused_jobs
    from reports.schedule.service import bind, scheduled_run
    from tests.conftest import need

    need(shutil.which("pg_restore") is not None, "pg_restore (apt-get install postgresql-client)")
    schema = pg_schema(pg_url)
    assert schema is not None and schema.startswith("t_")
    settings = _office(tmp_path).with_database(pg_url)
    files = write_sample(tmp_path / "csv", start=date(2020, 1, 1), end=date(2020, 3, 31))
    engine = open_store(pg_url)
    import_files(engine, [files[k] for k in ORDER])
    engine.dispose()
    before = _counts(pg_url)
    assert before["documents"] > 100 and before["job_state"] == 0
    saved = tmp_path / "bk"
    backup(settings, saved)
    manifest = json.loads((saved / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pg_schema"] == schema
    listing = subprocess.run(
        ["pg_restore", "--list", str(saved / "baocao.pgdump")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert f"SCHEMA - {schema} " in listing
    assert " public " not in listing  # only the URL's schema, not the whole database

    # the schema is lost; restored into it: the same rows, every job paused
    admin_url = pg_url.split("?")[0]
    admin = sa.create_engine(admin_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    lines = restore(settings, saved)
    assert "baocao jobs resume --all" in lines[-1]
    after = _counts(pg_url)
    assert {k: after[k] for k in ("units", "documents", "runs")} == {
        k: before[k] for k in ("units", "documents", "runs")
    }
    engine = open_store(pg_url)
    assert paused_jobs(engine) == {"*"}
    bind(settings)
    scheduled_run("tuan")
    assert ledger.history(engine, "tuan") == []  # a restored copy mails no one
    engine.dispose()

    # into another schema of the same database: refused while the saved one is there ...
    other = f"{schema}_b"
    other_url = pg_url.replace(f"search_path%3D{schema}", f"search_path%3D{other}")
    assert pg_schema(other_url) == other
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{other}"'))
    try:
        with pytest.raises(StoreError) as err:
            restore(settings.with_database(other_url), saved)
        assert f"lược đồ PostgreSQL '{schema}'" in str(err.value)
        assert _counts(pg_url)["documents"] == before["documents"]  # untouched
        # ... and restored, then renamed, once it is gone
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        restore(settings.with_database(other_url), saved)
        assert _counts(other_url)["documents"] == before["documents"]
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{other}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        admin.dispose()


def test_the_reports_made_and_the_pages_files_are_backed_up_and_restored(tmp_path: Path) -> None:
    from reports.produce import keep

    settings = _office(tmp_path)
    engine = open_store(settings.database_url)
    settings.output_dir.mkdir(parents=True, exist_ok=True)
    (settings.output_dir / "tuan" / "2026").mkdir(parents=True)
    sent = settings.output_dir / "tuan" / "2026" / "bao-cao-tuan.docx"
    sent.write_bytes(b"PK frozen report")
    upload = tmp_path / "x.csv"
    upload.write_text("id\n1\n", encoding="utf-8")
    kept = keep.keep_file(engine, settings, upload, keep.UPLOAD, by="chuyenvien")
    engine.dispose()
    saved = tmp_path / "bk"
    names = {p.name for p in backup(settings, saved)}
    assert {"out", "web-files"} <= names
    copy = saved / "out" / "tuan" / "2026" / "bao-cao-tuan.docx"
    assert copy.read_bytes() == b"PK frozen report"
    assert copy.stat().st_mode & 0o777 == 0o600
    assert (saved / "web-files" / kept.path.name).read_bytes() == b"id\n1\n"
    # lost: restored where the settings put them
    import shutil

    shutil.rmtree(settings.output_dir)
    kept.path.unlink()
    restore(settings, saved, force=True)
    assert sent.read_bytes() == b"PK frozen report"
    assert kept.path.read_text(encoding="utf-8") == "id\n1\n"
    # a folder already holding files is not merged into without --force
    elsewhere = _office(tmp_path, "may-moi")
    (elsewhere.output_dir / "cu").mkdir(parents=True)
    (elsewhere.output_dir / "cu" / "a.docx").write_bytes(b"old")
    with pytest.raises(StoreError) as err:
        restore(elsewhere, saved)
    assert f"thư mục {elsewhere.output_dir} đã có tệp" in str(err.value)


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


@pytest.mark.parametrize(
    ("url", "schema"),
    [
        ("postgresql+psycopg://u@h/db?options=-csearch_path%3Dvp", "vp"),
        ("postgresql+psycopg://u@h/db?options=-c%20search_path%3Dvp%2Cpublic", "vp"),
        ("postgresql+psycopg://u@h/db?options=--search-path%3D%22%24user%22%2Cvp", "vp"),
        ("postgresql+psycopg://u@h/db?options=-cstatement_timeout%3D5000", None),
        ("postgresql+psycopg://u@h/db", None),
    ],
)
def test_the_schema_a_url_names_is_the_one_backed_up(url: str, schema: str | None) -> None:
    from reports.ops.backup import pg_schema

    assert pg_schema(url) == schema


def test_a_restore_into_another_folder_moves_the_paths_the_database_holds(tmp_path: Path) -> None:
    """A new server, another path: Lịch sử, "Gửi lại" and the page's kept files find the
    restored files, because the database's paths follow them."""
    from datetime import UTC, datetime

    from reports.core.periods import ReportPeriod
    from reports.produce import keep

    settings = _office(tmp_path)
    engine = open_store(settings.database_url)
    week = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
    made = settings.output_dir / "tuan" / "2020-09-21_2020-09-28" / "BC-tuần.docx"
    made.parent.mkdir(parents=True)
    made.write_bytes(b"PK report")
    now = datetime.now(UTC)
    claim = ledger.claim(engine, "tuan", week, owner="test", now=now, lease_s=60)
    assert claim.run is not None
    ledger.record_files(engine, claim.run, [made])
    assert ledger.finish(engine, claim.run, ledger.DELIVERED, now=now)
    upload = tmp_path / "x.csv"
    upload.write_text("id\n1\n", encoding="utf-8")
    kept = keep.keep_file(engine, settings, upload, keep.UPLOAD, by="chuyenvien")
    engine.dispose()
    saved = tmp_path / "bk"
    backup(settings, saved)
    elsewhere = _office(tmp_path / "may-moi", "van-phong")
    lines = restore(elsewhere, saved)
    (moved,) = [line for line in lines if "chuyển sang thư mục mới" in line]
    assert "(3 dòng)" in moved  # the run (its file list), its file's hash row, the kept upload
    assert f"{settings.output_dir} → {elsewhere.output_dir}" in moved
    engine = open_store(elsewhere.database_url)
    run = ledger.get(engine, claim.run.id)
    assert run is not None
    assert list(run.files) == [elsewhere.output_dir / made.relative_to(settings.output_dir)]
    assert run.files[0].read_bytes() == b"PK report"
    assert set(ledger.sent_hashes(engine, run.id)) == {str(run.files[0])}
    (again,) = [f for f in keep.recent(engine, keep.UPLOAD, 5) if f.id == kept.id]
    assert again.path.parent == elsewhere.data_dir / "web-files"
    assert again.path.read_text(encoding="utf-8") == "id\n1\n"
    engine.dispose()
    # restored again where it was: nothing to move
    assert not any("thư mục mới" in line for line in restore(settings, saved, force=True))
