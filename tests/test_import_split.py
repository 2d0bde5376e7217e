"""One big CSV file read by several processes, by byte ranges: the same rows, the same problems
with the same row numbers as one reader, and a range that does not end on a whole row is never
trusted."""

from __future__ import annotations

import io
import logging
import random
import unicodedata
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

import reports.sources.plan as plan
import reports.sources.readers as readers
from reports.core.errors import InvalidRowsError
from reports.sources.importer import import_files
from reports.sources.readers import nfc_lines
from reports.sources.split import spans
from reports.store.db import open_store
from reports.store.schema import day_counts, documents, imports
from tests.test_import import cp1258_bytes


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
    assert "đọc lại, không chia tệp" in caplog.text
    whole = _import(tmp_path, "whole.sqlite", [source], monkeypatch, split=False)
    assert _stored(split) == _stored(whole)
    assert len(_stored(split)[0]) == 3000


def _lines_one_by_one(text: str) -> list[str]:
    """The reference: the file's lines as a text file with ``newline=""`` gives them, each
    composed to NFC on its own."""
    return [unicodedata.normalize("NFC", line) for line in io.StringIO(text, newline="")]


@given(
    st.lists(
        st.sampled_from(["a", "ê", "e\u0302\u0301", "\u0301", "\n", "\r", "\r\n", ",", '"', "đ"]),
        max_size=60,
    ),
    st.integers(min_value=1, max_value=9),
)
def test_lines_cut_from_blocks_are_the_lines_read_one_by_one(parts: list[str], block: int) -> None:
    # tiny blocks: every cut falls somewhere odd (between CR and LF, inside a tone mark's
    # sequence, in a line longer than a block)
    text = "".join(parts)
    saved = readers._TEXT_BLOCK
    readers._TEXT_BLOCK = block
    try:
        got = list(nfc_lines(io.StringIO(text, newline="")))
    finally:
        readers._TEXT_BLOCK = saved
    assert got == _lines_one_by_one(text)


def test_a_windows_1258_file_split_three_ways_is_composed_as_one_reader_composes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Excel's "CSV (Comma delimited)" on a Vietnamese Windows: tone marks as combining
    # characters, composed to NFC as read, across many blocks of text and three ranges
    rows = ["id,received_on,unit,field,summary\r\n"]
    for n in range(4000):
        summary = '"Quyết định, về việc\r\nkiểm tra"' if n % 13 == 0 else "Quyết định số ủy ban"
        rows.append(f"VB-{n},2020-09-{n % 28 + 1:02d},P-{n % 5},kinh_te,{summary}\r\n")
    source = tmp_path / "documents.csv"
    source.write_bytes(cp1258_bytes("".join(rows)))
    assert spans(source, 3, "cp1258") is not None
    split = _import(tmp_path, "split.sqlite", [source], monkeypatch, split=True)
    whole = _import(tmp_path, "whole.sqlite", [source], monkeypatch, split=False)
    assert _stored(split) == _stored(whole)
    stored = _stored(split)[0]
    assert len(stored) == 4000
    assert {r.summary for r in stored} == {  # type: ignore[attr-defined]
        "Quyết định, về việc\r\nkiểm tra",
        "Quyết định số ủy ban",
    }


def test_a_file_with_bare_cr_line_ends_names_the_row_of_its_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # old Mac line ends and no LF at all: lines are still cut whole, rows numbered as shown
    rows = ["id,received_on,unit,field,summary\r"]
    rows += [
        f"VB-{n},2020-09-02,P-1,kinh_te,Công văn số {n} về việc kiểm tra\r" for n in range(3000)
    ]
    rows[2500] = "VB-2499,2020-02-31,P-1,kinh_te,ngày sai\r"
    source = tmp_path / "documents.csv"
    source.write_text("".join(rows), encoding="utf-8", newline="")
    with pytest.raises(InvalidRowsError) as info:
        _import(tmp_path, "cr.sqlite", [source], monkeypatch, split=True)
    assert f"{source}:2501:" in str(info.value)
