"""One big CSV file read by several processes, by byte ranges: the same rows, the same problems
with the same row numbers as one reader, and a range that does not end on a whole row is never
trusted."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import reports.sources.plan as plan
from reports.core.errors import InvalidRowsError
from reports.sources.importer import import_files
from reports.sources.split import spans
from reports.store.db import open_store
from reports.store.schema import day_counts, documents, imports


def _documents(path: Path, rows: int, *, seed: int = 7, extra: str = "") -> Path:
    """A documents export with Vietnamese text, quoted cells holding commas, quotes and line
    breaks (some CRLF), and blank lines."""
    rng = random.Random(seed)
    out = ["id,received_on,unit,field,summary\r\n"]
    for n in range(rows):
        day = f"2020-09-{rng.randint(1, 30):02d}"
        summary = rng.choice(
            [
                "Công văn số 12 về việc kiểm tra",
                '"Tờ trình, đề nghị ""gấp"" phê duyệt"',
                '"Báo cáo\nnhiều dòng\r\ncuối cùng"',
                "",
            ]
        )
        out.append(f"VB-{n},{day},P-{n % 7},kinh_te,{summary}\r\n")
        if n % 97 == 0:
            out.append("\r\n")
    out.append(extra)
    path.write_text("".join(out), encoding="utf-8")
    return path


def _split_three(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan, "WORKER_BYTES", 1000)
    monkeypatch.setattr(plan, "READERS", 3)


def _one_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan, "WORKER_BYTES", 1000)
    monkeypatch.setattr(plan, "READERS", 1)


def _stored(engine: Engine) -> tuple[list[object], list[object], list[object]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(documents).order_by(documents.c.id)).all()
        counts = conn.execute(sa.select(day_counts).order_by(*day_counts.primary_key.columns)).all()
        imported = conn.execute(
            sa.select(imports.c.file_name, imports.c.rows_added, imports.c.sha256)
        ).all()
    return list(rows), list(counts), list(imported)


def _import(
    tmp_path: Path, name: str, files: list[Path], monkeypatch: pytest.MonkeyPatch, split: bool
) -> Engine:
    with monkeypatch.context() as m:
        (_split_three if split else _one_reader)(m)  # type: ignore[arg-type]
        engine = open_store(f"sqlite:///{tmp_path / name}")
        import_files(engine, files)
    return engine


def test_a_file_split_three_ways_imports_the_rows_one_reader_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reports.sources.importer")
    source = _documents(tmp_path / "documents.csv", 5000)
    cut = spans(source, 3, "utf-8")
    assert cut is not None and len(cut) == 3  # it really is read in three parts
    job = plan.prepare([source], None, None, None, False)
    with monkeypatch.context() as m:
        _split_three(m)
        jobs = plan.split_job(job, [source.stat().st_size])
    assert sorted(s.index for j in jobs for s in j.pieces if s is not None) == [0, 1, 2]
    split = _import(tmp_path, "split.sqlite", [source], monkeypatch, split=True)
    assert "reading again" not in caplog.text  # the parts were trusted, not read again
    whole = _import(tmp_path, "whole.sqlite", [source], monkeypatch, split=False)
    assert _stored(split) == _stored(whole)
    assert len(_stored(split)[0]) == 5000


def test_a_file_split_three_ways_reports_the_problems_one_reader_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = (
        "VB-X,2020-02-31,P-1,kinh_te,ngày sai\r\n"
        "VB-10,2020-09-02,P-1,kinh_te,trùng mã với một dòng ở phần đầu\r\n"
        ",2020-09-02,P-1,kinh_te,thiếu mã\r\n"
    )
    source = _documents(tmp_path / "documents.csv", 5000, extra=bad)
    errors = []
    for name, split in (("split.sqlite", True), ("whole.sqlite", False)):
        with pytest.raises(InvalidRowsError) as info:
            _import(tmp_path, name, [source], monkeypatch, split=split)
        errors.append(str(info.value))
        engine = open_store(f"sqlite:///{tmp_path / name}")
        assert _stored(engine) == ([], [], [])  # all or nothing
    assert errors[0] == errors[1]
    assert "trùng mã với dòng" in errors[0]


def test_a_stray_quote_that_fools_the_byte_scan_is_caught_by_the_proof(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reports.sources.importer")
    # An unquoted cell with a quote in it (ống 5" inox) flips the quote count for the rest of
    # the file: the ranges after it start inside a quoted cell; their proof fails and the file
    # is read whole.
    lines = ["id,received_on,unit,field,summary\n", 'VB-0,2020-09-01,P-1,,ống 5" inox\n']
    for n in range(1, 3000):
        summary = '"hai\ndòng"' if n % 5 == 0 else "một dòng"
        lines.append(f"VB-{n},2020-09-02,P-1,,{summary}\n")
    source = tmp_path / "documents.csv"
    source.write_text("".join(lines), encoding="utf-8")
    split = _import(tmp_path, "split.sqlite", [source], monkeypatch, split=True)
    # caught by the proof of the part before, or by the bogus rows of the part itself
    assert "reading again without splitting" in caplog.text
    whole = _import(tmp_path, "whole.sqlite", [source], monkeypatch, split=False)
    assert _stored(split) == _stored(whole)
    assert len(_stored(split)[0]) == 3000
