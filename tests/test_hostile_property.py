"""Random Unicode, control characters and markup through import → generate (#13).

Whatever text the files hold, an import stores it or refuses the row, and every document
generated from what was stored opens in python-docx, openpyxl and LibreOffice. Text is also
written straight into the store, as an older version may have left it.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from reports.core.periods import ReportPeriod
from reports.core.safe_text import is_formula_like, malformed_file
from reports.produce.pipeline import generate
from reports.settings.load import Settings
from reports.sources.importer import import_files
from reports.store.db import open_store
from tests.conftest import need

WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
HOSTILE = [
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x1f", "\x7f", "\ufeff", "\ufffe",
    "\uffff", "\u200b", "\r\n", "\t", "<w:p>", "</w:t>", "&amp;", "&#1;", "]]>", "{{ x }}",
    "{% for x in y %}", "{_{ x }_}", "{_% y %_}", '=HYPERLINK("http://x.invalid","x")', "+1",
    "-2", "@SUM(A1)", "Quyết định", "\U0001f600", "\u0301", " ",
]  # fmt: skip
TEXT = st.lists(
    st.one_of(st.text(min_size=1, max_size=12), st.sampled_from(HOSTILE)), min_size=1, max_size=6
).map("".join)


def _write(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _files(folder: Path, texts: list[str]) -> list[Path]:
    name, title, body, summary = texts
    # a unit's report is never signed blank (issue 19): the signer's name is hostile text too
    units = _write(
        folder / "units.csv",
        [["code", "name", "parent", "signer_name"], ["U1", name, "", f"Nguyễn Văn A {name}"]],
    )
    directives = _write(
        folder / "directives.csv",
        [
            ["id", "approved_on", "field", "summary", "number", "highlight", "unit"],
            ["c1", "2020-09-22", "kinh tế", summary, summary[:20], "1", "U1"],
            ["c2", "2020-09-23", "đô thị", "Chỉ đạo thường", "", "1", "U1"],
        ],
    )
    highlights = _write(
        folder / "highlights.csv",
        [
            ["id", "date", "title", "body", "field", "position", "unit"],
            ["h1", "2020-09-22", title, body, "", "1", "U1"],
        ],
    )
    return [units, directives, highlights]


def _check_rejects(folder: Path) -> None:
    for rejects in folder.glob("*.rejected.csv"):
        with rejects.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                assert not any(is_formula_like(cell) for cell in row), row


def _check_documents(paths: list[Path]) -> None:
    for path in paths:
        assert malformed_file(path) is None, path
        if path.suffix == ".docx":
            docx.Document(str(path))
        else:
            openpyxl.load_workbook(path).close()


def test_random_text_always_gives_documents_that_open(settings: Settings, tmp_path: Path) -> None:
    produced: list[Path] = []
    keep = tmp_path / "kept"
    keep.mkdir()
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = open_store(url)  # one store: each example re-imports the same ids over the last
    s = settings.with_database(url)

    @hsettings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(texts=st.lists(TEXT, min_size=4, max_size=4), stored=TEXT)
    def check(texts: list[str], stored: str) -> None:
        with tempfile.TemporaryDirectory(prefix="baocao-prop-") as work:
            folder = Path(work)
            import_files(engine, _files(folder, texts), skip_invalid=True)
            _check_rejects(folder)
            with engine.begin() as conn:  # as an older version may have stored it
                conn.execute(sa.text("UPDATE units SET name = :n WHERE code = 'U1'"), {"n": stored})
                conn.execute(
                    sa.text("UPDATE directives SET summary = :s WHERE id = 'c2'"), {"s": stored}
                )
            for unit in (None, "U1"):
                _, paths = generate(
                    engine, s, WEEK, unit=unit, formats=("docx", "xlsx"), out_dir=folder / "out"
                )
                _check_documents(paths)
            if len(produced) < 6:
                for path in paths:
                    target = keep / f"{len(produced)}{path.suffix}"
                    shutil.copyfile(path, target)
                    produced.append(target)

    try:
        check()
        need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
        profile = (keep / "profile").as_uri()
        r = subprocess.run(
            ["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(keep / "pdf"), *map(str, produced)],
            capture_output=True, text=True, timeout=300, env={"HOME": str(keep), "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        converted = sorted(p.stem for p in (keep / "pdf").glob("*.pdf"))
        assert converted == sorted(p.stem for p in produced), r.stdout + r.stderr
    finally:
        engine.dispose()


@pytest.mark.parametrize("text", HOSTILE)
def test_each_hostile_piece_alone_is_stored_or_refused(
    settings: Settings, tmp_path: Path, text: str
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = open_store(url)
    import_files(engine, _files(tmp_path, [f"Đơn vị {text}", text, text, text]), skip_invalid=True)
    _, paths = generate(
        engine, settings.with_database(url), WEEK, formats=("docx", "xlsx"), out_dir=tmp_path / "o"
    )
    _check_documents(paths)
    engine.dispose()
