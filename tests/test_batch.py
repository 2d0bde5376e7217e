"""A report for every unit: one pass of figures, processes, per-unit folders and mail."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import docx
import pytest
from sqlalchemy.engine import Engine

from reports.core.periods import ReportPeriod
from reports.figures.indicators import figure_set, figure_sets, list_units
from reports.runs.jobs import parse_job
from reports.sample.city import write_sample
from reports.schedule.runner import run_job
from reports.settings.load import Settings
from reports.sources.importer import import_files
from reports.store.db import open_store
from tests.conftest import imported_store, mail_settings
from tests.smtp import SmtpServer

WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
ORDER = ["units", "documents", "dossiers", "receptions", "petitions", "directives", "highlights"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    files = write_sample(
        tmp_path_factory.mktemp("sample"), start=date(2020, 8, 1), end=date(2020, 10, 15)
    )
    return [files[k] for k in ORDER]


_ALL_UNITS = ("generate", "--from", "2020-09-21", "--to", "2020-09-28", "--all-units",
              "--parent", "UBND-BA-DINH")  # fmt: skip


def _cli(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")} | {"BAOCAO_DB": db}
    return subprocess.run(
        [sys.executable, "-m", "reports", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_batch_figures_equal_one_unit_at_a_time(engine: Engine, sample: list[Path]) -> None:
    import_files(engine, sample)
    with engine.connect() as conn:
        codes = [c for c, _, _ in list_units(conn)]
        together = figure_sets(conn, WEEK, codes, 4)
        for code in codes:
            assert together[code] == figure_set(conn, WEEK, code, 4), code
        city = figure_set(conn, WEEK, "UBND-HN", 4).current
        everything = figure_set(conn, WEEK, None, 4).current
    assert city.documents_received == everything.documents_received == 1406


def test_sqlite_and_postgresql_give_identical_figures(
    pg_url: str, sqlite_url: str, sample: list[Path]
) -> None:
    results = []
    for url in (sqlite_url, pg_url):
        engine = open_store(url)
        import_files(engine, sample)
        with engine.connect() as conn:
            codes = [c for c, _, _ in list_units(conn)]
            results.append(figure_sets(conn, WEEK, [None, *codes], 12))
        engine.dispose()
    assert results[0] == results[1]


def test_generate_all_units_writes_a_folder_per_unit(
    tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    imported_store(sqlite_url, [(sample, None)]).dispose()
    out = tmp_path / "out"
    r = _cli(
        *_ALL_UNITS, "--format", "docx,xlsx", "--out", str(out), "--workers", "2", db=sqlite_url
    )
    assert r.returncode == 0, r.stderr
    folders = sorted(p.name for p in out.iterdir())
    assert folders == ["P-KIM-MA", "P-PHUC-XA", "P-TRUC-BACH", "UBND-BA-DINH"]
    assert len(r.stdout.splitlines()) == 8
    assert "Đã viết báo cáo cho 4 đơn vị, lỗi 0 đơn vị" in r.stderr
    assert "[4/4]" in r.stderr  # plain progress lines when not on a terminal
    document = docx.Document(
        str(out / "UBND-BA-DINH" / "BC-tuan-2020-09-21_2020-09-28_UBND-BA-DINH.docx")
    )
    header = [p.text for c in document.tables[0].rows[0].cells for p in c.paragraphs if p.text]
    assert header[:2] == ["UBND QUẬN BA ĐÌNH", "VĂN PHÒNG HĐND VÀ UBND"]


def test_one_unit_failing_does_not_stop_the_others(
    tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    imported_store(sqlite_url, [(sample, None)]).dispose()
    out = tmp_path / "out"
    out.mkdir()
    (out / "P-PHUC-XA").write_text("a file where the unit's folder should be")
    r = _cli(*_ALL_UNITS, "--format", "docx", "--out", str(out), db=sqlite_url)
    assert r.returncode == 8
    assert "Đã viết báo cáo cho 3 đơn vị, lỗi 1 đơn vị" in r.stderr
    assert "P-PHUC-XA (UBND phường Phúc Xá):" in r.stderr
    assert (out / "P-KIM-MA" / "BC-tuan-2020-09-21_2020-09-28_P-KIM-MA.docx").exists()


def test_a_job_for_all_units_mails_each_unit_its_own_report(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path, sample: list[Path], sqlite_url: str
) -> None:
    engine = imported_store(sqlite_url, [(sample, None)])
    job = parse_job(
        tmp_path / "don-vi.toml",
        {
            "id": "don-vi",
            "schedule": "0 8 * * MON",
            "formats": ["docx"],
            "units": "all",
            "unit": "UBND-BA-DINH",
            "email": {
                "units": {"P-KIM-MA": ["kimma@ubnd.gov.vn"], "UBND-BA-DINH": ["badinh@ubnd.gov.vn"]}
            },
        },
    )
    s = mail_settings(settings, smtp_server)
    outcome = run_job(engine, s, job, WEEK)
    assert outcome.status == "delivered", outcome.message
    (kimma,) = smtp_server.handler.to("kimma@ubnd.gov.vn")
    (badinh,) = smtp_server.handler.to("badinh@ubnd.gov.vn")
    assert [a.get_filename() for a in kimma.iter_attachments()] == [
        "BC-tuan-2020-09-21_2020-09-28_P-KIM-MA.docx"
    ]
    assert [a.get_filename() for a in badinh.iter_attachments()] == [
        "BC-tuan-2020-09-21_2020-09-28_UBND-BA-DINH.docx"
    ]
    assert len(outcome.files) == 4
    again = run_job(engine, s, job, WEEK)
    assert again.status == "already-delivered"
    assert len(smtp_server.handler.messages) == 2
