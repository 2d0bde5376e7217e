"""The store's schema is versioned with Alembic: a deployed database upgrades keeping its data."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from reports.core.periods import ReportPeriod
from reports.figures.indicators import figure_set
from reports.store.db import (
    HEAD_REVISION,
    MIGRATIONS_DIR,
    create_engine,
    current_revision,
    open_store,
)
from reports.store.schema import documents, metadata


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def test_head_revision_constant_matches_the_migrations() -> None:
    assert ScriptDirectory.from_config(_config()).get_current_head() == HEAD_REVISION


def test_fresh_store_has_every_table(db_url: str) -> None:
    engine = open_store(db_url)
    assert current_revision(engine) == HEAD_REVISION
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= names
    engine.dispose()


def _store_at(db_url: str, revision: str, docs: list[dict[str, object]]) -> None:
    """A store migrated to ``revision`` only, holding ``docs``: as a deployed one would be."""
    engine = create_engine(db_url)
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.execute(sa.insert(documents), docs)
    assert current_revision(engine) == revision
    engine.dispose()


def test_upgrade_from_the_first_revision_keeps_data(db_url: str) -> None:
    _store_at(
        db_url, "0001_records", [{"id": "VB-1", "received_on": date(2020, 9, 21), "unit": "U"}]
    )
    upgraded = open_store(db_url)
    assert current_revision(upgraded) == HEAD_REVISION
    with upgraded.connect() as conn:
        assert conn.execute(sa.select(documents.c.id)).scalars().all() == ["VB-1"]
    upgraded.dispose()


def test_upgrade_to_day_counts_counts_the_records_already_stored(db_url: str) -> None:
    """0003 replaced the per-metric roll-up: a store at 0002 comes up with its counts."""
    _store_at(
        db_url,
        "0002_runs",
        [
            {"id": "VB-1", "received_on": date(2020, 9, 21), "unit": "U", "field": "do_thi"},
            {"id": "VB-2", "received_on": date(2020, 9, 22), "unit": "U", "field": None},
        ],
    )
    upgraded = open_store(db_url)
    period = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
    with upgraded.connect() as conn:
        figures = figure_set(conn, period, None, 1).current
    assert figures.documents_received == 2
    assert figures.documents_by_field == {"do_thi": 1}
    # and back: the old table is filled again, one row per metric and field
    cfg = _config()
    with upgraded.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002_runs")
        rows = conn.execute(
            sa.text("SELECT unit, metric, field, n FROM rollup ORDER BY unit, field")
        ).all()
    assert sorted(tuple(r) for r in rows) == [
        ("", "documents", "", 1),
        ("", "documents", "do_thi", 1),
        ("U", "documents", "", 1),
        ("U", "documents", "do_thi", 1),
    ]
    upgraded.dispose()


def test_migrations_build_exactly_the_schema_the_code_declares(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = open_store(db_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()


def test_the_old_apscheduler_job_table_is_dropped(db_url: str) -> None:
    """0014: the table APScheduler's shared job store made (before 0013) goes; a store without
    it upgrades as well."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    _store_at(
        db_url, "0013_heartbeat", [{"id": "VB-1", "received_on": date(2020, 9, 21), "unit": "U"}]
    )
    engine = create_engine(db_url)
    SQLAlchemyJobStore(engine=engine).jobs_t.create(engine, checkfirst=True)  # as APScheduler did
    with engine.connect() as conn:
        assert sa.inspect(conn).has_table("apscheduler_jobs")
    engine.dispose()
    upgraded = open_store(db_url)
    assert current_revision(upgraded) == HEAD_REVISION == "0014_drop_apscheduler_jobs"
    with upgraded.connect() as conn:
        assert not sa.inspect(conn).has_table("apscheduler_jobs")
    cfg = _config()
    with upgraded.begin() as conn:  # down and up again without the table: nothing to do
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0013_heartbeat")
        command.upgrade(cfg, "head")
        assert not sa.inspect(conn).has_table("apscheduler_jobs")
    upgraded.dispose()


def test_a_new_sqlite_store_has_16_kib_pages_and_an_old_one_keeps_its_own(
    tmp_path: Path,
) -> None:
    """Bigger pages halve a big import's page writes (bench/bench_import.py); a store made
    before keeps its 4 KiB pages and its rows, and opens as before."""
    engine = open_store(f"sqlite:///{tmp_path / 'new.sqlite'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 16384
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()

    old = tmp_path / "old.sqlite"
    con = sqlite3.connect(old)
    con.execute("CREATE TABLE kept (x)")
    con.execute("INSERT INTO kept VALUES (42)")
    con.commit()
    con.close()
    engine = open_store(f"sqlite:///{old}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 4096
        assert conn.exec_driver_sql("SELECT x FROM kept").scalar() == 42
        assert current_revision(engine) == HEAD_REVISION
    engine.dispose()
