"""Without python3-uno, many documents are converted by one ``soffice --convert-to`` run with
a profile the process keeps: each PDF is its own document's, in its own folder, and a file
that is not a .docx is reported by name while the others are converted."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from reports.core.errors import RenderError
from reports.core.periods import ReportPeriod
from reports.produce.batch import generate_all_units
from reports.render import office_worker, pdf
from reports.render.docx import render_docx
from reports.sample.city import write_sample
from reports.settings.load import Settings
from reports.sources.importer import import_files
from reports.store.db import open_store
from tests.conftest import make_report, need

WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
SIGNERS = ["Nguyễn Văn Một", "Trần Thị Hai", "Lê Văn Ba"]


@pytest.fixture(autouse=True)
def _no_uno(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine without python3-uno: the fallback is used."""
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
    need(shutil.which("pdftotext") is not None, "poppler-utils (pdftotext) not installed")
    monkeypatch.setenv(office_worker.MODE_ENV, "cli")
    assert not office_worker.available()


def _text(path: Path) -> str:
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


def test_one_run_converts_a_batch_and_names_the_garbage_file(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources, out_dirs = [], []
    for n, signer in enumerate(SIGNERS):
        # the same file name for every unit, as --all-units writes them: each in its folder
        folder = tmp_path / f"unit-{n}"
        report = make_report(settings, signer_name=signer)
        sources.append(render_docx(report, settings, folder / "bc.docx"))
        out_dirs.append(folder)
    garbage = tmp_path / "hong" / "bao-cao-hong.docx"
    garbage.parent.mkdir()
    garbage.write_text("garbage, not a Word file\n", encoding="utf-8")
    sources.insert(1, garbage)
    out_dirs.insert(1, garbage.parent)
    runs: list[Any] = []
    run = pdf._run

    def counted(*args: Any) -> tuple[int | None, str]:
        runs.append(args)
        return run(*args)

    monkeypatch.setattr(pdf, "_run", counted)

    results = pdf.convert_batch(sources, out_dirs, timeout_s=120)

    assert len(runs) == 1  # one LibreOffice for the four documents
    assert isinstance(results[1], RenderError)
    assert "bao-cao-hong.docx" in str(results[1])
    assert not list(garbage.parent.glob("*.pdf"))
    good = [r for i, r in enumerate(results) if i != 1]
    for n, (signer, made) in enumerate(zip(SIGNERS, good, strict=True)):
        assert made == tmp_path / f"unit-{n}" / "bc.pdf"
        assert isinstance(made, Path) and made.read_bytes().startswith(b"%PDF")
        text = _text(made)
        assert signer in text  # each PDF is its own document
        assert all(other not in text for other in SIGNERS if other != signer)
    # the next batch reuses the profile the first one made
    profile = pdf._batch_profile()
    assert (profile / "profile").is_dir()
    again = pdf.convert_batch(sources[2:], out_dirs[2:], timeout_s=120)
    assert all(isinstance(p, Path) for p in again) and len(runs) == 2
    assert pdf._batch_profile() == profile


def test_a_stopped_batch_converts_its_documents_one_by_one(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = [
        render_docx(make_report(settings, signer_name=s), settings, tmp_path / f"{n}.docx")
        for n, s in enumerate(SIGNERS[:2])
    ]
    run = pdf._run

    def killed_batch(cmd: list[str], home: str, limit: float) -> tuple[int | None, str]:
        # the batch's LibreOffice (its numbered copies, into <work>/pdf) is killed; the
        # documents converted alone afterwards run for real
        batch = cmd[cmd.index("--outdir") + 1].endswith("/pdf")
        return (-9, "") if batch else run(cmd, home, limit)

    monkeypatch.setattr(pdf, "_run", killed_batch)
    results = pdf.convert_batch(sources, [tmp_path / "pdf"] * 2, timeout_s=120)
    assert [p.name for p in results if isinstance(p, Path)] == ["0.pdf", "1.pdf"]
    assert SIGNERS[1] in _text(tmp_path / "pdf" / "1.pdf")


@pytest.mark.parametrize("formats", [("docx", "pdf"), ("pdf",)])
def test_every_units_pdf_without_uno(
    settings: Settings, tmp_path: Path, formats: tuple[str, ...]
) -> None:
    files = write_sample(tmp_path / "sample", start=date(2020, 8, 1), end=date(2020, 10, 15))
    engine = open_store(settings.database_url)
    try:
        import_files(engine, list(files.values()))
        summary = generate_all_units(
            engine,
            settings,
            WEEK,
            parent="UBND-BA-DINH",
            formats=formats,
            out_dir=tmp_path / "out",
            workers=2,
        )
    finally:
        engine.dispose()
    assert not summary.failed, summary.failed
    assert len(summary.written) == 4
    for outcome in summary.written:
        assert [p.suffix for p in outcome.paths] == [f".{f}" for f in formats]
        made = outcome.paths[-1]
        assert made.parent.name == outcome.code or outcome.code in str(made.parent)
        assert outcome.name in _text(made)  # the unit's own report
