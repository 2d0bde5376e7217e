"""The store's schema is versioned with Alembic: a deployed database upgrades keeping its data."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

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


def test_upgrade_from_the_first_revision_keeps_data(db_url: str) -> None:
    engine = create_engine(db_url)
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001_records")
        conn.execute(
            sa.insert(documents),
            [{"id": "VB-1", "received_on": date(2020, 9, 21), "unit": "U"}],
        )
    assert current_revision(engine) == "0001_records"
    engine.dispose()
    upgraded = open_store(db_url)
    assert current_revision(upgraded) == HEAD_REVISION
    with upgraded.connect() as conn:
        assert conn.execute(sa.select(documents.c.id)).scalars().all() == ["VB-1"]
    upgraded.dispose()
