"""The workbook's detail sheets written by a forked child (reports.produce.details) are the
same as written in the process itself, and a child that fails or dies costs nothing but time.
Built from the sample city through the real pipeline (import, SQLite store)."""

from __future__ import annotations

import os
import tempfile
import threading
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy.engine import Engine

from reports.core.periods import ReportPeriod
from reports.produce import details
from reports.produce.pipeline import generate
from reports.render import office_worker, sandbox
from reports.sample.city import write_sample
from reports.settings.load import Settings
from tests.conftest import imported_store

ORDER = ["units", "documents", "dossiers", "receptions", "petitions", "directives", "highlights"]
WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))


@pytest.fixture(autouse=True)
def _no_other_thread() -> None:
    """An earlier test's template child or LibreOffice left a thread in this process (its
    pool's, an idle timer): no fork then."""
    sandbox.shutdown()
    office_worker.shutdown()  # cancels its idle timer, whose thread then ends
    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer):
            thread.join(10)
    others = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    assert set(others) <= {"die-with-parent"}, others


@pytest.fixture
def city(settings: Settings, tmp_path: Path) -> Engine:
    files = write_sample(tmp_path / "sample", start=date(2020, 6, 1), end=date(2020, 10, 31))
    return imported_store(settings.database_url, [([files[k] for k in ORDER], None)])


def _values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's values, row by row (the empty cells at a row's end left out)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        sheets = {}
        for ws in wb.worksheets:
            rows = []
            for row in ws.iter_rows(values_only=True):
                values = list(row)
                while values and values[-1] is None:
                    values.pop()
                rows.append(tuple(values))
            sheets[ws.title] = rows
        return sheets
    finally:
        wb.close()


def _workbook(engine: Engine, settings: Settings, out: Path, unit: str | None = None) -> Path:
    _, paths = generate(engine, settings, WEEK, unit=unit, formats=("docx", "xlsx"), out_dir=out)
    assert [p.suffix for p in paths] == [".docx", ".xlsx"]
    return paths[1]


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """What each child handed over (None: the workbook wrote the rows itself)."""
    seen: list[object] = []
    handed = details.Details.__call__

    def spy(self: details.Details) -> Any:
        result = handed(self)
        seen.append(result)
        return result

    monkeypatch.setattr(details.Details, "__call__", spy)
    return seen


@pytest.mark.parametrize("unit", [None, "UBND-BA-DINH"])
def test_rows_written_by_the_child_are_those_written_here(
    city: Engine, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unit: str
) -> None:
    seen = _spy(monkeypatch)
    by_child = _values(_workbook(city, settings, tmp_path / "child", unit))
    assert len(seen) == 1 and seen[0] is not None, "the child did not write the rows"
    monkeypatch.setenv(details.CHILD_ENV, "0")
    sandbox.shutdown()
    here = _values(_workbook(city, settings, tmp_path / "here", unit))
    assert len(seen) == 1  # no child the second time
    assert by_child == here
    assert len(here["Văn bản"]) > 100  # the week has detail rows to compare
    assert not list(Path(tempfile.gettempdir()).glob(f"baocao-details-{os.getpid()}-*"))


def _dies(*args: object) -> None:
    os._exit(3)


def _fails(send: Any, *args: object) -> None:
    send.send("RuntimeError: the database went away")


@pytest.mark.parametrize("child", [_dies, _fails])
def test_a_child_that_dies_or_fails_costs_only_time(
    city: Engine,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    child: Any,
) -> None:
    monkeypatch.setenv(details.CHILD_ENV, "0")
    expected = _values(_workbook(city, settings, tmp_path / "here"))
    monkeypatch.delenv(details.CHILD_ENV)
    sandbox.shutdown()
    seen = _spy(monkeypatch)
    monkeypatch.setattr(details, "_child", child)
    assert _values(_workbook(city, settings, tmp_path / "failed")) == expected
    assert seen == [None]  # a child was started, and the workbook wrote the rows itself


def test_no_fork_while_another_thread_runs(
    city: Engine, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thread could hold a lock the child would need (a web server, the scheduler): the
    rows are then written in the process itself."""
    seen = _spy(monkeypatch)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="busy")
    other.start()
    try:
        in_process = _values(_workbook(city, settings, tmp_path / "threads"))
    finally:
        stop.set()
        other.join()
    assert seen == []
    sandbox.shutdown()
    assert _values(_workbook(city, settings, tmp_path / "child")) == in_process
    assert len(seen) == 1 and seen[0] is not None
