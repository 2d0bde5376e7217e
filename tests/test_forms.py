"""Biểu 06/VPCP/KSTT: every cell equals a count taken directly from the records, the identities
hold (and a hand-edited store breaks one, named), the layout's headings and column numbers are in
the .xlsx and the .docx, LibreOffice opens both."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import docx
import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.core.errors import UsageError
from reports.core.period_pick import parse_period
from reports.forms.generate import fill_form, write_form
from reports.settings.load import Settings
from reports.sources.importer import import_files
from reports.store.db import open_store
from reports.store.schema import dossiers
from tests.conftest import need

Q1 = parse_period("2021-Q1", {}, "monday-to-monday")
S, E = Q1.start, Q1.end
UNITS = """code,name,parent,unit_type
SO-TP,Sở Tư pháp,,so
SO-XD,Sở Xây dựng,,so
Q-BD,UBND quận Ba Đình,,quan
P-KM,UBND phường Kim Mã,Q-BD,phuong
"""


def _d(offset: int) -> str:
    return (S + timedelta(days=offset)).isoformat()


# id, received, due, returned, unit, online, status  (days from 1/1/2021; Q1 ends on day 89)
DOSSIERS = [
    ("carried-open", -20, 10, None, "SO-TP", 0, ""),  # from the previous quarter, still open, late
    ("carried-early", -30, 20, 5, "SO-TP", 1, ""),  # from before, returned early in Q1
    ("carried-done-before", -40, -10, -12, "SO-TP", 0, ""),  # returned before Q1: not counted
    ("early", 3, 20, 10, "SO-TP", 1, ""),
    ("on-day", 4, 30, 30, "SO-XD", 0, ""),
    ("late", 5, 10, 40, "SO-XD", 0, ""),
    ("open-in-time", 60, 120, None, "SO-XD", 1, ""),
    ("open-late", 50, 70, None, "Q-BD", 0, ""),
    ("open-returned-after", 70, 80, 100, "P-KM", 0, ""),  # returned after Q1: open at its end
    ("withdrawn", 6, 60, 8, "P-KM", 1, "cancelled"),  # counted on time (default rule)
    ("waiting", 10, 20, None, "P-KM", 0, "waiting"),  # awaiting supplement: in time (default)
    ("after", 95, 110, None, "P-KM", 0, ""),  # received after Q1: not counted
]


def _write_data(folder: Path, rows: list[tuple[object, ...]], fields: bool = False) -> list[Path]:
    (folder / "units.csv").write_text(UNITS, encoding="utf-8")
    lines = [
        "id,received_on,due_on,returned_on,unit,online,status"
        + (",procedure_field" if fields else "")
    ]
    for i, (id_, rec, due, back, unit, online, status) in enumerate(rows):
        field = (",Hộ tịch" if i % 2 else ",Đất đai") if fields else ""
        lines.append(
            f"{id_},{_d(rec)},{_d(due)},{_d(back) if back is not None else ''},{unit},{online},{status}{field}"  # type: ignore[arg-type]
        )
    (folder / "dossiers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [folder / "units.csv", folder / "dossiers.csv"]


@pytest.fixture
def store(tmp_path: Path, db_url: str) -> Iterator[Engine]:
    engine = open_store(db_url)
    import_files(engine, _write_data(tmp_path, DOSSIERS))
    yield engine
    engine.dispose()


def _expected(rows: list[tuple[object, ...]], units: set[str]) -> list[int]:
    """Columns (3)…(13) counted straight from the rows, by their definitions in forms.md."""
    out = [0] * 11
    for _id, rec_, due_, back_, unit, online, status in rows:
        if unit not in units:
            continue
        rec, due = S + timedelta(days=rec_), S + timedelta(days=due_)  # type: ignore[operator]
        back = None if back_ is None else S + timedelta(days=back_)  # type: ignore[operator]
        taken = rec <= E and not (back and back < S)
        if not taken:
            continue
        out[0] += 1
        if rec >= S:
            out[1 if online else 2] += 1
        else:
            out[3] += 1
        if back and back <= E:
            out[4] += 1
            out[6 if status == "cancelled" or back == due else 5 if back < due else 7] += 1
        else:
            out[8] += 1
            out[9 if due >= E or status == "waiting" else 10] += 1
    return out


def test_every_cell_is_a_direct_count_and_identities_hold(
    store: Engine, settings: Settings
) -> None:
    filled = fill_form(store, settings, "06/VPCP/KSTT", Q1)
    rows = {(r.kind, r.label): r.numbers for r in filled.table.rows}
    assert list(rows[("total", "Tổng số")]) == _expected(
        DOSSIERS, {"SO-TP", "SO-XD", "Q-BD", "P-KM"}
    )
    assert list(rows[("level", "Cấp tỉnh")]) == _expected(DOSSIERS, {"SO-TP", "SO-XD"})
    assert list(rows[("item", "Sở Tư pháp")]) == _expected(DOSSIERS, {"SO-TP"})
    assert list(rows[("level", "Cấp huyện")]) == _expected(DOSSIERS, {"Q-BD"})
    assert list(rows[("item", "UBND phường Kim Mã")]) == _expected(DOSSIERS, {"P-KM"})
    total = rows[("total", "Tổng số")]
    # carried over, early, on the day, late and still open all present
    assert total[3] == 2 and total[5] >= 1 and total[6] >= 2 and total[7] == 1 and total[10] >= 2
    assert filled.problems() == []
    assert [r.kind for r in filled.table.rows][-1] == "total"
    assert any("xin rút tính là đã giải quyết đúng hạn" in n for n in filled.table.notes)


def test_rows_by_procedure_field_when_dossiers_carry_one(
    tmp_path: Path, settings: Settings
) -> None:
    engine = open_store(settings.database_url)
    import_files(engine, _write_data(tmp_path, DOSSIERS, fields=True))
    labels = [r.label for r in fill_form(engine, settings, "06/VPCP/KSTT", Q1).table.rows]
    assert labels[:3] == ["Cấp tỉnh", "Đất đai", "Hộ tịch"]
    engine.dispose()


def test_counting_rules_are_settings(store: Engine, settings: Settings) -> None:
    strict = replace(
        settings,
        forms=replace(settings.forms, withdrawn="excluded", awaiting_supplement="by-due-date"),
    )
    filled = fill_form(store, strict, "06/VPCP/KSTT", Q1)
    total = filled.table.rows[-1].numbers
    expected = _expected(
        [d for d in DOSSIERS if d[6] != "cancelled"], {"SO-TP", "SO-XD", "Q-BD", "P-KM"}
    )
    expected[9], expected[10] = expected[9] - 1, expected[10] + 1  # "waiting" is due on day 20
    assert list(total) == expected
    assert any("xin rút không tính" in n for n in filled.table.notes)


def test_a_week_is_refused_with_the_periods_the_form_takes(
    store: Engine, settings: Settings
) -> None:
    week = parse_period("2021-W11", {}, "monday-to-monday")
    with pytest.raises(
        UsageError, match=r"không lập cho kỳ tuần.*quý \(--period 2021-Q1\), 6 tháng"
    ):
        fill_form(store, settings, "06/VPCP/KSTT", week)


def test_a_hand_edited_store_breaks_an_identity_named(store: Engine, settings: Settings) -> None:
    with store.begin() as conn:  # returned in Q1, though received after it
        conn.execute(
            sa.update(dossiers)
            .where(dossiers.c.id == "after")
            .values(returned_on=date(2021, 3, 20))
        )
    problems = fill_form(store, settings, "06/VPCP/KSTT", Q1).problems()
    assert any("“III Cấp xã”" in p and "(3) = (7) + (11)" in p and "after" in p for p in problems)
    assert any("“1 UBND phường Kim Mã”" in p for p in problems)


def test_layout_read_back_and_opened_by_libreoffice(
    store: Engine, settings: Settings, tmp_path: Path
) -> None:
    filled = fill_form(store, settings, "06/VPCP/KSTT", Q1)
    out = tmp_path / "forms"
    xlsx, docx_path = write_form(store, settings, filled, ["xlsx", "docx"], out)
    ws = openpyxl.load_workbook(xlsx).active
    assert ws is not None
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "Biểu số 06/VPCP/KSTT" in texts
    assert any(isinstance(t, str) and t.startswith("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT") for t in texts)
    assert "Kỳ báo cáo: Quý I/2021 (Từ ngày 01/01/2021 đến ngày 31/3/2021)" in texts
    assert [f"({i})" for i in range(1, 14)] == [
        t for t in texts if isinstance(t, str) and t.startswith("(") and t[1:-1].isdigit()
    ]
    for heading in (
        "Số hồ sơ nhận giải quyết",
        "Số kỳ trước chuyển qua",
        "Trả quá hạn",
        "Trong hạn",
    ):
        assert heading in texts
    total_row = next(r for r in ws.iter_rows(values_only=True) if r[1] == "Tổng số")
    assert list(total_row[2:13]) == list(filled.table.rows[-1].numbers)
    assert all(isinstance(v, int) for v in total_row[2:13])

    document = docx.Document(str(docx_path))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in body
    grid = document.tables[1]
    assert [c.text for c in grid.rows[3].cells] == [f"({i})" for i in range(1, 14)]
    assert grid.rows[-1].cells[1].text == "Tổng số"
    assert [c.text for c in grid.rows[-1].cells[2:]] == [
        str(n) for n in filled.table.rows[-1].numbers
    ]

    soffice = shutil.which("soffice")
    need(soffice is not None, "LibreOffice (soffice) is not installed")
    assert soffice is not None
    for path in (xlsx, docx_path):
        done = subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation=file://{tmp_path}/lo",
                "--convert-to",
                "pdf",
                "--outdir",
                str(tmp_path / "pdf"),
                str(path),
            ],
            capture_output=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "pdf" / f"{path.stem}.pdf").stat().st_size > 1000


def test_figures_json_carries_the_form_rows(settings: Settings, tmp_path: Path) -> None:
    import io
    import json
    from contextlib import redirect_stdout

    from reports.cli import main

    engine = open_store(settings.database_url)
    import_files(engine, _write_data(tmp_path, DOSSIERS))
    engine.dispose()
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["--db", settings.database_url, "figures", "--period", "2021-Q1", "--json"])
    assert code == 0
    forms = {f["form"]: f for f in json.loads(out.getvalue())["forms"]}
    assert sorted(forms) == ["01/TCD", "06/VPCP/KSTT"]
    form = forms["06/VPCP/KSTT"]
    assert form["form"] == "06/VPCP/KSTT" and form["problems"] == []
    total = form["rows"][-1]
    assert total["label"] == "Tổng số"
    assert [total[f"({c})"] for c in range(3, 14)] == _expected(
        DOSSIERS, {"SO-TP", "SO-XD", "Q-BD", "P-KM"}
    )


def test_import_checks_the_identities_of_the_latest_quarter(
    settings: Settings, tmp_path: Path
) -> None:
    from reports.forms.generate import import_warnings

    engine = open_store(settings.database_url)
    rows = [d for d in DOSSIERS if d[0] != "after"]
    import_files(engine, _write_data(tmp_path, rows))
    assert import_warnings(engine, settings) == []
    with engine.begin() as conn:  # returned in Q1 though received in Q2: bad data
        conn.execute(
            sa.update(dossiers)
            .where(dossiers.c.id == "open-in-time")
            .values(received_on=date(2021, 4, 2), returned_on=date(2021, 3, 30))
        )
    (warning, *_) = import_warnings(engine, settings)
    assert warning.startswith("Cảnh báo: Biểu 06/VPCP/KSTT kỳ 2021-Q1: dòng")
    engine.dispose()


def test_cli_forms_list_and_generate(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reports.cli import main

    engine = open_store(settings.database_url)
    import_files(engine, _write_data(tmp_path, DOSSIERS))
    engine.dispose()
    db = ["--db", settings.database_url]
    assert main([*db, "forms", "list"]) == 0
    assert "06/VPCP/KSTT" in capsys.readouterr().out
    out = tmp_path / "bieu"
    assert (
        main(
            [
                *db,
                "forms",
                "generate",
                "06/VPCP/KSTT",
                "--period",
                "2021-Q1",
                "--format",
                "xlsx,docx",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out.split()
    assert [Path(p).name for p in printed] == [
        "Bieu-06-VPCP-KSTT-2021-01-01_2021-03-31.xlsx",
        "Bieu-06-VPCP-KSTT-2021-01-01_2021-03-31.docx",
    ]
    assert (
        main([*db, "forms", "generate", "06/VPCP/KSTT", "--period", "2021-W11", "--out", str(out)])
        == 2
    )
    assert (
        "lập theo: quý (--period 2021-Q1), 6 tháng (--period 2021-H1), năm (--period 2021)"
        in capsys.readouterr().err
    )
    assert main([*db, "forms", "generate", "99/XYZ", "--period", "2021-Q1", "--out", str(out)]) == 2
