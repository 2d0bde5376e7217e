"""Imports without a mapping: a one-stop export with Vietnamese headers, a title block and .xls
gives the same figures as the canonical file; ambiguous headers stop; a mapping still wins."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import xlwt
from sqlalchemy.engine import Engine

from reports.core.errors import FileFormatError, InvalidRowsError
from reports.figures.indicators import compute_figures
from reports.forms.generate import fill_form
from reports.settings.load import Settings
from reports.sources.importer import import_files
from reports.store.db import open_store
from tests.test_forms import DOSSIERS, Q1, UNITS, S

CHANNEL = {0: "Trực tiếp", 1: "Trực tuyến"}
STATUS = {"": "Đang xử lý", "cancelled": "Xin rút", "waiting": "Chờ bổ sung"}
PROC = ["Hộ tịch", "Đất đai", "Giáo dục và Đào tạo", "Nghề cá"]  # the last is not in the table
REPORT_FIELD = {
    "Hộ tịch": "noi_chinh",
    "Đất đai": "do_thi",
    "Giáo dục và Đào tạo": "van_hoa_xa_hoi",
    "Nghề cá": "",
}


def _day(offset: int) -> date:
    return S + timedelta(days=offset)


def _canonical(folder: Path) -> list[Path]:
    (folder / "units.csv").write_text(UNITS, encoding="utf-8")
    lines = ["id,received_on,due_on,returned_on,unit,online,status,procedure_field,field"]
    for i, (id_, rec, due, back, unit, online, status) in enumerate(DOSSIERS):
        proc = PROC[i % 4]
        back_text = _day(back).isoformat() if back is not None else ""  # type: ignore[arg-type]
        lines.append(
            f"{id_},{_day(rec).isoformat()},{_day(due).isoformat()},{back_text},{unit},"  # type: ignore[arg-type]
            f"{online},{status},{proc},{REPORT_FIELD[proc]}"
        )
    (folder / "dossiers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [folder / "units.csv", folder / "dossiers.csv"]


def _one_stop_xls(path: Path) -> Path:
    """As a one-stop system exports it: a three-row title block, Vietnamese headers (in the
    systems' own spellings), dates as date cells and as dd/mm/yyyy text, columns to ignore."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Danh sách hồ sơ")
    sheet.write_merge(0, 0, 0, 9, "UBND THÀNH PHỐ HÀ NỘI")
    sheet.write_merge(1, 1, 0, 9, "DANH SÁCH HỒ SƠ THỦ TỤC HÀNH CHÍNH")
    sheet.write_merge(2, 2, 0, 9, "Từ ngày 01/01/2021 đến ngày 31/03/2021")
    header = [
        "STT",
        "MaHoSo",
        "Ngày tiếp nhận",
        "NGAY HEN TRA",
        "Ngày trả  kết quả",
        "Đơn vị",
        "Kênh",
        "Trạng thái",
        "Lĩnh vực",
        "Ghi chú",
    ]
    for c, text in enumerate(header):
        sheet.write(3, c, text)
    dated = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for i, (id_, rec, due, back, unit, online, status) in enumerate(DOSSIERS):
        r = 4 + i
        sheet.write(r, 0, i + 1)
        sheet.write(r, 1, id_)
        sheet.write(r, 2, _day(rec), dated)  # type: ignore[arg-type]
        sheet.write(r, 3, _day(due).strftime("%d/%m/%Y"))  # type: ignore[arg-type]
        if back is not None:
            sheet.write(r, 4, _day(back), dated)  # type: ignore[arg-type]
        sheet.write(r, 5, unit)
        sheet.write(r, 6, CHANNEL[online])  # type: ignore[index]
        sheet.write(r, 7, STATUS[status])  # type: ignore[index]
        sheet.write(r, 8, PROC[i % 4])
        sheet.write(r, 9, "")
    book.save(str(path))
    return path


def _figures(engine: Engine, settings: Settings) -> tuple[object, ...]:
    with engine.connect() as conn:
        (figures,) = compute_figures(conn, [Q1])
    form = fill_form(engine, settings, "06/VPCP/KSTT", Q1).table
    return figures, [(r.label, r.numbers) for r in form.rows]


def test_one_stop_xls_with_title_block_imports_without_mapping(
    tmp_path: Path, settings: Settings
) -> None:
    canonical = open_store(f"sqlite:///{tmp_path / 'canonical.sqlite'}")
    import_files(canonical, _canonical(tmp_path))
    exported = open_store(settings.database_url)
    import_files(exported, [tmp_path / "units.csv"])
    (result,) = import_files(
        exported, [_one_stop_xls(tmp_path / "motcua-export.xls")], kind="dossiers"
    )
    assert result.added == len(DOSSIERS)
    assert result.notes[0] == "dòng tiêu đề là dòng 4 (bỏ qua 3 dòng đầu)"
    assert result.notes[1] == (
        "nhận cột: “MaHoSo” → id; “Ngày tiếp nhận” → received_on; “NGAY HEN TRA” → due_on; "
        "“Ngày trả  kết quả” → returned_on; “Đơn vị” → unit; “Kênh” → channel; "
        "“Trạng thái” → status; “Lĩnh vực” → procedure_field"
    )
    assert result.notes[2] == "bỏ qua cột: “STT”, “Ghi chú”"
    assert "Nghề cá" in result.notes[3]
    assert _figures(exported, settings) == _figures(canonical, settings)
    canonical.dispose()
    exported.dispose()


def test_two_headers_for_one_column_stop_with_both_named(
    tmp_path: Path, settings: Settings
) -> None:
    engine = open_store(settings.database_url)
    path = tmp_path / "dossiers.csv"
    path.write_text(
        "MaHoSo,Ngày tiếp nhận,NgayTiepNhan,Ngày hẹn trả,Đơn vị\nA,2021-01-04,2021-01-04,2021-01-10,SO-TP\n",
        encoding="utf-8",
    )
    with pytest.raises(
        FileFormatError,
        match=r"nhiều cột cùng khớp với cột received_on.*“Ngày tiếp nhận” \(cột 2\), “NgayTiepNhan” \(cột 3\)",
    ):
        import_files(engine, [path])
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[columns]\n"MaHoSo" = "id"\n"NgayTiepNhan" = "received_on"\n"Ngày hẹn trả" = "due_on"\n"Đơn vị" = "unit"\n',
        encoding="utf-8",
    )
    (result,) = import_files(engine, [path], mapping=mapping)  # a mapping file still decides
    assert result.added == 1 and result.notes == ()
    engine.dispose()


def test_due_before_received_is_refused(tmp_path: Path, settings: Settings) -> None:
    engine = open_store(settings.database_url)
    path = tmp_path / "dossiers.csv"
    path.write_text(
        "Mã hồ sơ,Ngày tiếp nhận,Ngày hẹn trả,Đơn vị\nA,10/01/2021,05/01/2021,SO-TP\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidRowsError, match="ngày hẹn trả trước ngày tiếp nhận"):
        import_files(engine, [path])
    engine.dispose()


def test_kind_told_by_the_export_headers(tmp_path: Path, settings: Settings) -> None:
    engine = open_store(settings.database_url)
    import_files(engine, _canonical(tmp_path)[:1])
    (result,) = import_files(engine, [_one_stop_xls(tmp_path / "motcua-export.xls")])
    assert result.kind == "dossiers" and result.added == len(DOSSIERS)
    engine.dispose()
