"""The Excel workbook, read back by an independent reader (python-calamine) and by LibreOffice."""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date, timedelta
from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook

from reports.model import Figures, RecordSheet, UnitFigures
from reports.render.pdf import convert_to_pdf
from reports.render.xlsx import render_xlsx
from reports.settings import Settings
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
        "Hồ sơ đã hoàn thành, trả kết quả": 49,
        "Hồ sơ đang giải quyết": 12,
        "Lượt tiếp công dân": 106,
        "Người được tiếp": 183,
        "Đơn khiếu nại, tố cáo tiếp nhận": 215,
        "Đơn khiếu nại, tố cáo đã xử lý": 212,
        "Văn bản chỉ đạo, điều hành được phê duyệt": 800,
    }
    for label, value in expected.items():
        assert isinstance(current[label], float | int), label
        assert current[label] == value, label
    assert by_label["Văn bản hành chính tiếp nhận, xử lý"][3] == 1300  # previous period
    assert by_label["Tỷ lệ trả kết quả đúng hạn"][2] == 45 / 49
    assert "từ ngày 21/9 đến ngày 28/9/2020" in rows[1][0]


def test_formats_tables_print_setup_and_properties(settings: Settings, tmp_path: Path) -> None:
    path = _write(settings, tmp_path / "bc.xlsx")
    wb = openpyxl.load_workbook(path)
    summary = wb["Tổng hợp"]
    assert summary["C6"].value == 1406 and summary["C6"].number_format == "#,##0"
    rate_row = next(
        r for r in summary.iter_rows(min_row=6) if r[0].value == "Tỷ lệ trả kết quả đúng hạn"
    )
    assert rate_row[2].number_format == "0.0%"
    assert summary.freeze_panes == "C6"
    assert summary.page_setup.orientation == "landscape" and summary.page_setup.paperSize == 9
    assert summary.print_title_rows == "$5:$5"
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    details = wb["Văn bản"]
    assert details["B2"].is_date and details["B2"].number_format == "dd/mm/yyyy"
    assert details["D2"].value == "kinh tế"
    assert details.tables["tbl_documents"].ref == "A1:E21"
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
    assert "<barChart>" in bar and "'Xu hướng'!$B$2:$B$13" in bar and "'Xu hướng'!$A$2:$A$13" in bar
    assert "<lineChart>" in line and "'Xu hướng'!$D$2:$D$13" in line


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
