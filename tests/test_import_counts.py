"""Daily counts sent by the readers in pieces and stored while the rows are still being read:
the same counts as a recount from the records, the same as one piece at the end, nothing left
behind by an import that fails after some were stored; read here or by three processes."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import reports.sources.plan as plan
from reports.core.errors import InvalidRowsError
from reports.sources.importer import import_files
from reports.store import counts_file, rollup
from reports.store.db import open_store
from reports.store.schema import day_counts, documents, imports
from tests.test_rollup import UNITS, _check, _snapshot

UNIT_CODES = ("P1", "Q1", "Q2", "NEW")


def _documents(path: Path, rows: int, *, seed: int = 3, start: int = 0, extra: str = "") -> Path:
    rng = random.Random(seed)
    lines = ["id,received_on,unit,field\n"]
    for n in range(start, start + rows):
        unit = rng.choice(UNIT_CODES)
        field = rng.choice(("kinh_te", "do_thi", ""))
        lines.append(f"VB-{n},2020-09-{1 + n * 29 // (start + rows):02d},{unit},{field}\n")
    path.write_text("".join(lines) + extra, encoding="utf-8")
    return path


def _dossiers(path: Path, rows: int) -> Path:
    rng = random.Random(5)
    lines = ["id,received_on,due_on,returned_on,unit,field,online\n"]
    for n in range(rows):
        back = rng.choice(("", "2020-10-05", "2020-10-20"))
        unit = rng.choice(UNIT_CODES)
        lines.append(f"HS-{n},2020-09-{1 + n % 28:02d},2020-10-10,{back},{unit},do_thi,{n % 2}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _spy_on_stored(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pieces the writer stores while reading, by days of counts (stored as ever)."""
    stored: list[int] = []
    add_own: Callable[..., None] = rollup.add_own

    def spy(conn: sa.Connection, counts: rollup.Counts) -> None:
        stored.append(sum(map(len, counts.values())))
        add_own(conn, counts)

    monkeypatch.setattr(rollup, "add_own", spy)
    return stored


def _counting_pieces(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Chunks of 7 rows read here, counts sent after each."""
    monkeypatch.setattr(plan, "CHUNK_ROWS", 7)
    monkeypatch.setattr(plan, "COUNTS_EVERY", 1)
    return _spy_on_stored(monkeypatch)


def test_counts_stored_while_reading_equal_a_recount_from_the_records(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = _counting_pieces(monkeypatch)
    units = tmp_path / "units.csv"
    units.write_text(UNITS, encoding="utf-8")
    docs = _documents(tmp_path / "documents.csv", 300)
    dossiers = _dossiers(tmp_path / "dossiers.csv", 120)
    # the tree comes in the same import: the units above get their counts under it, at the end
    import_files(engine, [units, docs], accept_unknown_units=True)
    assert len(stored) > 10  # stored piece by piece, not all at the end
    _check(engine)
    # into day_counts rows kept already
    stored.clear()
    import_files(engine, [dossiers], accept_unknown_units=True)
    assert len(stored) > 5
    _check(engine)
    # into tables that hold rows: only the rows that change are counted (no piece is stored)
    stored.clear()
    import_files(
        engine,
        [_documents(tmp_path / "documents.csv", 200, seed=4, start=150)],
        accept_unknown_units=True,
    )
    assert stored == []
    _check(engine)
    # a tree that changes once counts are kept: everything recounted
    moved = tmp_path / "units.csv"
    moved.write_text(UNITS.replace("P1,Phường 1,Q1", "P1,Phường 1,Q2"), encoding="utf-8")
    import_files(
        engine, [moved, _dossiers(tmp_path / "dossiers.csv", 150)], accept_unknown_units=True
    )
    with engine.connect() as conn:
        kept = _snapshot(conn)
        rollup.refresh_all(conn)
        assert _snapshot(conn) == kept
        conn.rollback()


def test_kinds_counted_together_are_added_up_first_and_stored_once(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two counted kinds share their (unit, day) rows: no pieces, one row each at the end."""
    stored = _counting_pieces(monkeypatch)
    docs = _documents(tmp_path / "documents.csv", 300)
    import_files(engine, [docs, _dossiers(tmp_path / "dossiers.csv", 120)])
    assert stored == []
    _check(engine, tree=False)


def test_counts_in_pieces_equal_counts_in_one_piece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    units = tmp_path / "units.csv"
    units.write_text(UNITS, encoding="utf-8")
    docs = _documents(tmp_path / "documents.csv", 400)
    snapshots = []
    for name, pieces in (("pieces.sqlite", True), ("whole.sqlite", False)):
        with monkeypatch.context() as m:
            if pieces:
                _counting_pieces(m)  # type: ignore[arg-type]
            engine = open_store(f"sqlite:///{tmp_path / name}")
            import_files(engine, [units, docs], accept_unknown_units=True)
        with engine.connect() as conn:
            snapshots.append(_snapshot(conn))
        engine.dispose()
    assert snapshots[0] == snapshots[1]
    assert sum(v[0] for (unit, _), v in snapshots[0].items() if unit == "") == 400


def test_a_bad_row_after_counts_were_stored_leaves_the_database_as_it_was(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_files(engine, [_dossiers(tmp_path / "dossiers.csv", 50)])  # counts kept already

    def state() -> tuple[object, ...]:
        with engine.connect() as conn:
            return (
                _snapshot(conn),
                conn.execute(sa.select(sa.func.count()).select_from(documents)).scalar(),
                conn.execute(sa.select(imports.c.file_name, imports.c.rows_added)).all(),
            )

    before = state()
    stored = _counting_pieces(monkeypatch)
    bad = _documents(tmp_path / "documents.csv", 300, extra="VB-X,2020-02-31,P1,kinh_te\n")
    with pytest.raises(InvalidRowsError) as info:
        import_files(engine, [bad])
    assert ":302:" in str(info.value)  # the file's own row (header is row 1)
    assert stored  # counts had been stored before the bad row was met
    assert state() == before


def _split_three(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan, "WORKER_BYTES", 1000)
    monkeypatch.setattr(plan, "READERS", 3)


def _spy_on_files(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files of counts the writer adds (each kept aside: the import removes them)."""
    added: list[Path] = []
    add: Callable[..., None] = counts_file.add

    def spy(conn: sa.Connection, path: str, alias: str) -> None:
        added.append(Path(path))
        assert Path(path).is_file()
        add(conn, path, alias)

    monkeypatch.setattr(counts_file, "add", spy)
    return added


@pytest.mark.parametrize("attach", [counts_file.MAX_ATTACHED, 2])
def test_a_file_split_three_ways_stores_the_counts_of_one_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, attach: int
) -> None:
    """Each reading process hands its part's counts in a file; three parts do not fit in two
    attachments: then they are added row by row, to the same counts."""
    units = tmp_path / "units.csv"
    units.write_text(UNITS, encoding="utf-8")
    docs = _documents(tmp_path / "documents.csv", 36_000)
    results = []
    for name, split in (("split.sqlite", True), ("whole.sqlite", False)):
        with monkeypatch.context() as m:
            if split:
                _split_three(m)  # type: ignore[arg-type]
                m.setattr(counts_file, "MAX_ATTACHED", attach)
                added = _spy_on_files(m)  # type: ignore[arg-type]
            else:
                m.setattr(plan, "WORKER_BYTES", 1 << 40)  # read here, counts at the end
                m.setattr(plan, "COUNTS_EVERY", 1 << 20)
            engine = open_store(f"sqlite:///{tmp_path / name}")
            imported = import_files(engine, [units, docs], accept_unknown_units=True)
        with engine.connect() as conn:
            rows = conn.execute(sa.select(sa.func.count()).select_from(documents)).scalar_one()
            counts = conn.execute(sa.select(sa.func.count()).select_from(day_counts)).scalar()
            results.append((_snapshot(conn), rows, counts, [(r.added, r.kind) for r in imported]))
            attached = conn.exec_driver_sql("PRAGMA database_list").all()
        # none left attached to the connection the pool keeps
        assert {a[1] for a in attached} <= {"main", "temp"}
        engine.dispose()
    assert results[0] == results[1]
    assert results[0][1] == 36_000
    assert len(added) == (3 if attach >= 3 else 0)
    assert not any(f.exists() for f in added)  # removed once the import has ended


def test_files_of_counts_are_removed_when_the_import_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _split_three(monkeypatch)
    added = _spy_on_files(monkeypatch)
    good = _documents(tmp_path / "documents.csv", 36_000)
    bad = _dossiers(tmp_path / "dossiers.csv", 20)
    bad.write_text(bad.read_text(encoding="utf-8") + "HS-X,2020-02-31,,,P1,,0\n", "utf-8")
    engine = open_store(f"sqlite:///{tmp_path / 'failed.sqlite'}")
    with pytest.raises(InvalidRowsError):
        import_files(engine, [good, bad])
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(day_counts)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(documents)).scalar() == 0
    assert not any(f.exists() for f in added)
    engine.dispose()


def test_pieces_stored_then_left_out_by_a_spy_show_in_the_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: pieces the writer drops change the counts."""
    units = tmp_path / "units.csv"
    units.write_text(UNITS, encoding="utf-8")
    docs = _documents(tmp_path / "documents.csv", 100)
    _counting_pieces(monkeypatch)
    monkeypatch.setattr(rollup, "add_own", lambda _conn, _counts: None)
    engine = open_store(f"sqlite:///{tmp_path / 'dropped.sqlite'}")
    import_files(engine, [units, docs], accept_unknown_units=True)
    with engine.connect() as conn:
        kept = _snapshot(conn)
        rollup.refresh_all(conn)
        assert _snapshot(conn) != kept
        conn.rollback()
    engine.dispose()
