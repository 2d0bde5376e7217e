"""Hostile data reaching documents: unit folders, XML-illegal characters, formulas (#13)."""

from __future__ import annotations

import csv
import zipfile
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy.engine import Engine

from reports.cli.terminal import for_terminal
from reports.core.errors import UsageError
from reports.core.files import unit_file_key
from reports.core.periods import ReportPeriod
from reports.core.safe_text import for_csv, malformed_file
from reports.produce.batch import generate_all_units
from reports.produce.pipeline import generate
from reports.runs.jobs import parse_job
from reports.schedule.runner import run_job
from reports.settings.load import Settings
from reports.sources.importer import import_files
from reports.store.db import open_store
from tests.conftest import mail_settings
from tests.smtp import SmtpServer

WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
CLASHING = ["A/B", "A-B", "ĐA", "DA", ".", ".."]


def _write(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _units_and_documents(tmp_path: Path, codes: list[str]) -> list[Path]:
    units = _write(
        tmp_path / "units.csv",
        # issue 19: a unit's own report has a signer, never a blank
        [["code", "name", "parent", "signer_name"], ["ROOT", "Thành phố", "", "Nguyễn Văn A"]]
        + [[c, f"Đơn vị {c}", "ROOT", "Trần Văn B"] for c in codes],
    )
    documents = _write(
        tmp_path / "documents.csv",
        [["id", "received_on", "unit"]]
        + [[f"d{i}-{n}", "2020-09-22", c] for i, c in enumerate(codes) for n in range(i + 1)],
    )
    return [units, documents]


def test_unit_codes_that_looked_alike_get_folders_of_their_own() -> None:
    keys = [unit_file_key(c) for c in CLASHING]
    assert len({k.casefold() for k in keys}) == len(CLASHING)
    assert unit_file_key("P-KIM-MA") == "P-KIM-MA"  # a safe code stays readable
    assert unit_file_key("A/B").startswith("A-B-") and unit_file_key("CON") != "CON"


def test_all_units_write_each_units_own_files(
    engine: Engine, db_url: str, settings: Settings, tmp_path: Path
) -> None:
    import_files(engine, _units_and_documents(tmp_path, CLASHING))
    summary = generate_all_units(
        engine,
        settings.with_database(db_url),
        WEEK,
        formats=("docx",),
        out_dir=tmp_path / "out",
        workers=1,
    )
    assert not summary.failed, summary.failed
    folders = {o.code: o.paths[0].parent for o in summary.outcomes}
    assert len(set(folders.values())) == len(CLASHING) + 1
    for outcome in summary.outcomes:
        (path,) = outcome.paths
        text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
        assert f"Đơn vị {outcome.code}" in text or outcome.code == "ROOT"


def test_codes_that_would_share_a_folder_are_refused_before_anything_is_written(
    engine: Engine, db_url: str, settings: Settings, tmp_path: Path
) -> None:
    import_files(engine, _units_and_documents(tmp_path, ["ab", "AB"]))
    out = tmp_path / "out"
    with pytest.raises(UsageError) as err:
        generate_all_units(
            engine, settings.with_database(db_url), WEEK, formats=("docx",), out_dir=out
        )
    assert str(err.value) == (
        "Các mã đơn vị sau trùng tên thư mục khi ghi báo cáo (không phân biệt hoa thường): "
        "'AB' và 'ab'. Chưa ghi tệp nào; đổi mã đơn vị trong units.csv cho khác nhau."
    )
    assert not out.exists()


def test_a_job_for_all_units_never_mails_a_unit_anothers_report(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path, sqlite_url: str
) -> None:
    engine = open_store(sqlite_url)
    import_files(engine, _units_and_documents(tmp_path, ["ĐA", "DA"]))
    job = parse_job(
        tmp_path / "don-vi.toml",
        {
            "id": "don-vi",
            "schedule": "0 8 * * MON",
            "formats": ["docx"],
            "units": "all",
            "email": {"units": {"ĐA": ["da1@ubnd.gov.vn"], "DA": ["da2@ubnd.gov.vn"]}},
        },
    )
    outcome = run_job(engine, mail_settings(settings, smtp_server), job, WEEK)
    assert outcome.status == "delivered", outcome.message
    for address, code in (("da1@ubnd.gov.vn", "ĐA"), ("da2@ubnd.gov.vn", "DA")):
        (message,) = smtp_server.handler.to(address)
        (attachment,) = message.iter_attachments()
        path = tmp_path / "mailed.docx"
        path.write_bytes(attachment.get_content())
        text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
        assert f"Đơn vị {code}" in text
        other = "DA" if code == "ĐA" else "ĐA"
        assert f"Đơn vị {other}" not in text


CONTROL = ["\x01", "\x0b", "\x1f", "\ufffe", "\x00"]


@pytest.mark.parametrize("char", CONTROL, ids=[f"U+{ord(c):04X}" for c in CONTROL])
def test_a_control_character_is_refused_at_import_with_file_row_and_column(
    engine: Engine, tmp_path: Path, char: str
) -> None:
    from reports.core.errors import InvalidRowsError

    path = _write(
        tmp_path / "directives.csv",
        [
            ["id", "approved_on", "field", "summary"],
            ["c1", "2020-09-22", "kinh tế", f"Chỉ đạo{char}xong"],
        ],
    )
    with pytest.raises(InvalidRowsError) as err:
        import_files(engine, [path])
    assert f"{path}:2:summary: có ký tự điều khiển hoặc vô hình U+{ord(char):04X} ở vị trí 8" in (
        str(err.value)
    )


def test_text_stored_before_with_control_characters_still_gives_valid_documents(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    import_files(engine, _units_and_documents(tmp_path, ["U1"]))
    import sqlalchemy as sa

    with engine.begin() as conn:  # as an older version stored it
        conn.execute(
            sa.text("UPDATE units SET name = :n WHERE code = 'U1'"), {"n": "Tên\x01\x1fđơn vị"}
        )
    _, paths = generate(
        engine, settings, WEEK, unit="U1", formats=("docx", "xlsx"), out_dir=tmp_path / "out"
    )
    for path in paths:
        assert malformed_file(path) is None
    assert "Tênđơn vị" in "\n".join(p.text for p in docx.Document(str(paths[0])).paragraphs)
    openpyxl.load_workbook(paths[1]).close()


def test_a_unit_named_like_a_formula_is_text_in_the_workbook(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    formula = '=HYPERLINK("http://x.invalid","bấm")'
    units = _write(tmp_path / "units.csv", [["code", "name"], ["U1", formula]])
    import_files(engine, [units])
    _, (path,) = generate(
        engine, settings, WEEK, unit="U1", formats=("xlsx",), out_dir=tmp_path / "out"
    )
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in archive.read(name).decode(), name
    wb = openpyxl.load_workbook(path)
    cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert any(isinstance(v, str) and v.startswith(formula) for v in cells)


def test_rejected_rows_are_written_so_that_no_cell_is_a_formula(
    engine: Engine, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "receptions.csv",
        [
            ["id", "held_on", "persons", "unit"],
            ["=1+2", "hôm qua", "-5", "@SUM(A1)"],
            ["r2", "2020-09-22", "3", "U"],
        ],
    )
    (result,) = import_files(engine, [path], skip_invalid=True)
    assert result.rejects_path is not None
    with result.rejects_path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][:5] == ["2", "'=1+2", "hôm qua", "-5", "'@SUM(A1)"]
    assert for_csv("+84 912") == "'+84 912" and for_csv("-5") == "-5"


def test_terminal_escapes_in_data_are_shown_not_obeyed() -> None:
    assert for_terminal("a\x1b[2J\x1b]0;x\x07b") == "a\\x1b[2J\\x1b]0;x\\x07b"
    assert for_terminal("Quyết định\n") == "Quyết định\n"
    assert for_terminal("bình thường") == "bình thường"


def test_a_cell_never_holds_more_than_excel_allows() -> None:
    from reports.core.safe_text import EXCEL_CELL_LIMIT, for_cell

    text = for_cell("a\x01" * 40_000)
    assert len(text) == EXCEL_CELL_LIMIT and text.endswith("…") and "\x01" not in text
