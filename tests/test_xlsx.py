"""The Excel workbook, read back by an independent reader (python-calamine) and by LibreOffice."""

from __future__ import annotations

import math
import re
import shutil
import zipfile
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from reports.core.model import Figures, RecordSheet, UnitFigures
from reports.render.pdf import convert_to_pdf
from reports.render.xlsx import render_xlsx
from reports.render.xlsx_cells import NUMBER, PERCENT
from reports.render.xlsx_stream import row_xml
from reports.settings.load import Settings
from tests.conftest import make_report, need


def _records(n: int) -> RecordSheet:
    start = date(2020, 9, 21)
    rows = (
        (f"VB-{i:06d}", start + timedelta(days=i % 8), "UBND-BA-DINH", "kinh_te", f"Văn bản {i}")
        for i in range(n)
    )
    return RecordSheet(
        "documents", "văn bản", ("id", "received_on", "unit", "field", "summary"), rows
    )


def _write(settings: Settings, path: Path, rows: int = 20) -> Path:
    units = [
        UnitFigures(
            "UBND-BA-DINH", "UBND quận Ba Đình", "UBND-HN", Figures(documents_received=700)
        ),
        UnitFigures(
            "UBND-HOAN-KIEM", "UBND quận Hoàn Kiếm", "UBND-HN", Figures(documents_received=706)
        ),
    ]
    return render_xlsx(make_report(settings), settings, path, units=units, records=[_records(rows)])


def test_reference_figures_read_back_as_numbers(settings: Settings, tmp_path: Path) -> None:
    path = _write(settings, tmp_path / "bc.xlsx")
    wb = CalamineWorkbook.from_path(str(path))
    assert wb.sheet_names[:4] == ["Tổng hợp", "Theo lĩnh vực", "Theo đơn vị", "Xu hướng"]
    rows = wb.get_sheet_by_name("Tổng hợp").to_python()
    by_label = {r[0]: r for r in rows if r and isinstance(r[0], str)}
    current = {label: row[2] for label, row in by_label.items()}
    expected = {
        "Văn bản hành chính tiếp nhận, xử lý": 1406,
        "Hồ sơ TTHC tiếp nhận mới": 61,
        "Hồ sơ đã hoàn thành trong số tiếp nhận mới": 49,
        "Hồ sơ đang giải quyết": 12,
        "Lượt tiếp công dân": 106,
        "Người được tiếp": 183,
        "Đơn thư tiếp nhận (khiếu nại, tố cáo, kiến nghị, phản ánh)": 215,
        "Đơn thư đã xử lý": 212,
        "Văn bản chỉ đạo, điều hành được phê duyệt": 800,
    }
    for label, value in expected.items():
        assert isinstance(current[label], float | int), label
        assert current[label] == value, label
    assert by_label["Văn bản hành chính tiếp nhận, xử lý"][3] == 1300  # previous period
    assert by_label["Tỷ lệ đúng hạn (hồ sơ trả kết quả trong kỳ)"][2] == 45 / 49
    assert "từ ngày 21/9 đến ngày 28/9/2020" in rows[1][0]


def test_formats_tables_print_setup_and_properties(settings: Settings, tmp_path: Path) -> None:
    path = _write(settings, tmp_path / "bc.xlsx")
    wb = openpyxl.load_workbook(path)
    summary = wb["Tổng hợp"]
    assert summary["C6"].value == 1406 and summary["C6"].number_format == NUMBER
    rate_row = next(
        r
        for r in summary.iter_rows(min_row=6)
        if r[0].value == "Tỷ lệ đúng hạn (hồ sơ trả kết quả trong kỳ)"
    )
    assert rate_row[2].number_format == PERCENT
    assert summary.freeze_panes == "C6"
    assert summary.page_setup.orientation == "landscape" and summary.page_setup.paperSize == 9
    assert summary.print_title_rows == "$5:$5"
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    details = wb["Văn bản"]
    assert details["B2"].is_date and details["B2"].number_format == "dd/mm/yyyy"
    assert details["C2"].value == "UBND-BA-DINH"
    assert details["D2"].value == "UBND quận Ba Đình"  # the unit's name beside its code
    assert details["E2"].value == "kinh tế"
    assert details.tables["tbl_documents"].ref == "A1:F21"
    assert details.freeze_panes == "A2"
    units = wb["Theo đơn vị"]
    assert units.auto_filter.ref.startswith("A1:")
    assert wb.properties.creator == "UBND THÀNH PHỐ HÀ NỘI - VĂN PHÒNG"
    assert "21/9-28/9/2020" in (wb.properties.title or "")
    fields = wb["Theo lĩnh vực"]
    assert [c.value for c in fields[2]] == ["Kinh tế", 300, 500, 0]
    assert [c.value for c in fields[fields.max_row]] == ["Tổng cộng", 800, 1406, 61]


def test_native_charts_reference_the_trend_ranges(settings: Settings, tmp_path: Path) -> None:
    path = _write(settings, tmp_path / "bc.xlsx")
    with zipfile.ZipFile(path) as z:
        charts = sorted(n for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml", n))
        assert len(charts) == 2
        bar, line = (z.read(n).decode() for n in charts)
    # the trend sheet: A the period's label (the categories), B and C its dates, D… the figures
    assert "<barChart>" in bar and "'Xu hướng'!$D$2:$D$13" in bar and "'Xu hướng'!$A$2:$A$13" in bar
    assert "<lineChart>" in line and "'Xu hướng'!$F$2:$F$13" in line


def test_many_rows_stream(settings: Settings, tmp_path: Path) -> None:
    path = _write(settings, tmp_path / "big.xlsx", rows=50_000)
    wb = CalamineWorkbook.from_path(str(path))
    rows = wb.get_sheet_by_name("Văn bản").to_python()
    assert len(rows) == 50_001
    assert rows[-1][0] == "VB-049999" and rows[-1][1] == date(2020, 9, 21) + timedelta(
        days=49_999 % 8
    )


def test_libreoffice_converts_the_workbook(settings: Settings, tmp_path: Path) -> None:
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
    path = _write(settings, tmp_path / "bc.xlsx")
    pdf = convert_to_pdf(path, tmp_path / "pdf", timeout_s=180)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_detail_sheets_names_tables_and_shown_words(settings: Settings, tmp_path: Path) -> None:
    petitions = RecordSheet(
        "petitions",
        "đơn thư: khiếu nại/tố cáo [tất cả] của các đơn vị trong thành phố",
        ("id", "received_on", "kind", "resolved_on", "unit"),
        iter([("D-1", date(2020, 9, 22), "to_cao", None, "=SUM(A1:A9)\x01")]),
    )
    receptions = [
        RecordSheet("receptions", "tiếp công dân", ("id", "held_on", "persons", "unit"), rows)
        for rows in ([("T-1", date(2020, 9, 23), 1500, "UBND-BA-DINH")], [])
    ]
    dossiers = RecordSheet(
        "dossiers",
        "hồ sơ TTHC",
        ("id", "received_on", "due_on", "returned_on", "unit", "field", "online"),
        [("H-1", date(2020, 9, 21), date(2020, 9, 30), None, "U", "do_thi", True)],
    )
    path = render_xlsx(
        make_report(settings),
        settings,
        tmp_path / "bc.xlsx",
        records=[petitions, *receptions, dossiers],
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[4:] == [
        "Đơn thư khiếu nạitố cáo tất cả",
        "Tiếp công dân",
        "Tiếp công dân 2",
        "Hồ sơ TTHC",
    ]
    assert all(len(name) <= 31 for name in wb.sheetnames)
    ws = wb["Đơn thư khiếu nạitố cáo tất cả"]
    assert [c.value for c in ws[2]] == [
        "D-1",
        datetime(2020, 9, 22),
        "tố cáo",
        None,
        "=SUM(A1:A9)",
        None,  # the unit's name: no such unit listed
    ]
    assert ws["E2"].data_type == "s"  # text that looks like a formula stays text
    assert ws["A1"].font.b and ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$1:$1" and ws.page_setup.paperSize == 9
    first, second = wb["Tiếp công dân"], wb["Tiếp công dân 2"]
    assert first["C2"].value == 1500 and first["C2"].number_format == NUMBER
    assert first.page_setup.orientation == "portrait"
    assert list(first.tables) == ["tbl_receptions"] and list(second.tables) == ["tbl_receptions_2"]
    assert second.tables["tbl_receptions_2"].ref == "A1:E2"  # no rows: one empty body row
    dossier = [c.value for c in wb["Hồ sơ TTHC"][2]]
    assert dossier[4] is None  # "Trả kết quả": not returned yet
    assert dossier[7:] == ["đô thị", "có"]
    assert wb["Xu hướng"].row_dimensions[1].height == 32


def test_row_xml_leaves_out_empty_and_non_finite_values() -> None:
    xml = row_xml(7, "ABCDE", (None, "", math.nan, 2.5, date(1900, 3, 1)), (None, 3, 3, 4, 5))
    assert xml == '<row r="7"><c r="D7" s="4"><v>2.5</v></c><c r="E7" s="5"><v>61</v></c></row>'


def _text_in_c_locale(path: Path, tmp_path: Path) -> str:
    """The workbook as LibreOffice prints it on an English computer: its own soffice (not this
    process's shared one, which may have started under another language) with LANG and LC_ALL
    set to C.UTF-8 and a fresh profile."""
    import os
    import subprocess

    out = tmp_path / f"pdf-{path.stem}"
    env = {**os.environ, "HOME": str(tmp_path), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    env.update(LC_NUMERIC="C.UTF-8", LANGUAGE="C.UTF-8")
    subprocess.run(
        [
            str(shutil.which("soffice")),
            f"-env:UserInstallation={(tmp_path / f'profile-{path.stem}').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(path),
        ],
        env=env,
        capture_output=True,
        check=True,
        timeout=180,
    )
    return subprocess.run(
        ["pdftotext", "-layout", str(out / f"{path.stem}.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_the_workbook_shows_vietnamese_numbers_on_an_english_computer(
    settings: Settings, tmp_path: Path
) -> None:
    """Issue 19: "1.406" and "92,1%" whatever the computer's language (LANG=C.UTF-8 here),
    and the cells stay numbers."""
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
    need(shutil.which("pdftotext") is not None, "poppler-utils (pdftotext) not installed")
    path = _write(settings, tmp_path / "bc.xlsx")
    summary = openpyxl.load_workbook(path)["Tổng hợp"]
    assert summary["C6"].value == 1406 and summary["C6"].data_type == "n"
    text = _text_in_c_locale(path, tmp_path)
    assert "1.406" in text and "1,406" not in text
    assert "91,8%" in text and "91.8%" not in text
    assert "+8,2%" in text and "+106" in text  # Tăng/giảm (%): 1.406 against 1.300
    # a rate of 129 on time out of 140 reads "92,1%", and stays a number
    report = make_report(settings)
    current = replace(report.figures.current, dossiers_on_time=129, dossiers_late=11)
    report = replace(report, figures=replace(report.figures, current=current))
    rated = render_xlsx(report, settings, tmp_path / "rate.xlsx")
    rows = openpyxl.load_workbook(rated)["Tổng hợp"].iter_rows(min_row=6)
    rate = next(r for r in rows if str(r[0].value).startswith("Tỷ lệ đúng hạn"))
    assert rate[2].data_type == "n" and rate[2].value == pytest.approx(129 / 140)
    text = _text_in_c_locale(rated, tmp_path)
    assert "92,1%" in text and "92.1%" not in text
