"""The LibreOffice kept running per process: restarted when killed, killed when hung, and a
file that is not really a .docx is an error, never a PDF."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from reports.core.children import group_running
from reports.core.errors import RenderError
from reports.core.periods import ReportPeriod
from reports.produce.batch import UnitOutcome, generate_all_units
from reports.render import office_worker
from reports.render.docx import render_docx
from reports.render.pdf import convert_to_pdf
from reports.sample.city import write_sample
from reports.settings.load import Settings
from reports.sources.importer import import_files
from reports.store.db import open_store
from tests.conftest import make_report, need

WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))


def _need_office() -> None:
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
    need(office_worker.available(), "python3-uno not installed (apt-get install python3-uno)")


@pytest.fixture(autouse=True)
def _own_office() -> Iterator[None]:
    office_worker.shutdown()
    yield
    office_worker.shutdown()


def _descendants(comm: str) -> list[int]:
    """Processes named ``comm`` started (directly or not) by this test process."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        parents[int(entry)] = int(stat[stat.rindex(")") + 2 :].split()[1])
        names[int(entry)] = name
    mine = []
    for pid, name in names.items():
        if name != comm:
            continue
        up = parents.get(pid, 0)
        while up > 1 and up != os.getpid():
            up = parents.get(up, 0)
        if up == os.getpid():
            mine.append(pid)
    return mine


def _group_alive(group: int) -> bool:
    """Whether anything of the office's process group still runs. A killed soffice.bin is
    adopted by init, which may reap it seconds later (this machine's does); until then the
    kernel still lists it in the group, as a zombie that runs nothing and holds no memory."""
    return group_running(group)


def test_a_killed_office_is_restarted_and_the_document_converted(
    settings: Settings, tmp_path: Path
) -> None:
    _need_office()
    source = render_docx(make_report(settings), settings, tmp_path / "bc.docx")
    convert_to_pdf(source, tmp_path / "a", timeout_s=120)
    first = office_worker.current()
    assert first is not None
    killed = _descendants("soffice.bin")
    assert killed
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    pdf = convert_to_pdf(source, tmp_path / "b", timeout_s=120)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert office_worker.current() is not first  # a new office
    office_worker.shutdown()
    assert not _group_alive(first.group)


def test_a_hung_conversion_is_killed_at_the_limit_for_that_document_only(
    settings: Settings, tmp_path: Path
) -> None:
    _need_office()
    source = render_docx(make_report(settings), settings, tmp_path / "bc.docx")
    convert_to_pdf(source, tmp_path / "a", timeout_s=120)
    hung = office_worker.current()
    assert hung is not None
    for pid in _descendants("soffice.bin"):
        os.kill(pid, signal.SIGSTOP)
    with pytest.raises(RenderError) as info:
        convert_to_pdf(source, tmp_path / "b", timeout_s=3)
    assert str(info.value) == (
        "LibreOffice không chuyển xong bc.docx sang PDF sau 3 giây; đã dừng. "
        "Tăng pdf.timeout_s trong baocao.toml nếu máy chậm."
    )
    assert not (tmp_path / "b").exists() or list((tmp_path / "b").iterdir()) == []
    assert not _group_alive(hung.group)  # the hung office is gone, not left stopped
    # the next document gets a new office
    assert convert_to_pdf(source, tmp_path / "c", timeout_s=120).exists()


@pytest.mark.parametrize("mode", ["worker", "cli"])
def test_a_garbage_docx_is_an_error_not_a_pdf(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if mode == "worker":
        _need_office()
    else:
        need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
        monkeypatch.setenv(office_worker.MODE_ENV, "cli")
    bad = tmp_path / "bc.docx"
    bad.write_text("garbage, not a Word file\n", encoding="utf-8")
    with pytest.raises(RenderError) as info:
        convert_to_pdf(bad, tmp_path / "pdf", timeout_s=120)
    assert "bc.docx" in str(info.value)
    assert not (tmp_path / "pdf" / "bc.pdf").exists()


def test_the_office_stops_with_its_process(settings: Settings, tmp_path: Path) -> None:
    _need_office()
    source = render_docx(make_report(settings), settings, tmp_path / "bc.docx")
    convert_to_pdf(source, tmp_path, timeout_s=120)
    office = office_worker.current()
    assert office is not None and _group_alive(office.group)
    office_worker.shutdown()
    assert not _group_alive(office.group)
    assert not office.work.exists()


def test_a_batch_completes_when_its_office_is_killed(settings: Settings, tmp_path: Path) -> None:
    _need_office()
    files = write_sample(tmp_path / "sample", start=date(2020, 8, 1), end=date(2020, 10, 15))
    engine = open_store(settings.database_url)
    import_files(engine, list(files.values()))
    killed: list[int] = []

    def kill_offices(outcome: UnitOutcome) -> None:
        if not killed:  # once, after the first unit: the others need a restarted office
            killed.extend(_descendants("soffice.bin"))
            for pid in killed:
                os.kill(pid, signal.SIGKILL)

    summary = generate_all_units(
        engine,
        settings,
        WEEK,
        parent="UBND-BA-DINH",
        formats=("pdf",),
        out_dir=tmp_path / "out",
        workers=2,
        on_done=kill_offices,
    )
    assert killed
    assert not summary.failed, summary.failed
    assert len(summary.written) == 4
    for outcome in summary.written:
        assert [p.suffix for p in outcome.paths] == [".pdf"]
        assert outcome.paths[0].read_bytes().startswith(b"%PDF")
    assert _descendants("soffice.bin") == []  # the workers' offices stopped with them
