"""Unit reports that say true things (issue 19): the root unit's report is the office's, a
unit dissolved before the period gets none, a unit's report is never signed by a blank."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from reports.core.errors import ConfigError
from reports.produce.batch import compose_unit_reports
from reports.produce.pipeline import build_report_conn, generate
from tests.test_unit_reports import SEPTEMBER, settings_of, store  # noqa: F401 - the fixture

ISSUED = date(2025, 10, 5)


def test_the_root_units_report_is_the_offices(store: Engine, tmp_path: Path, db_url: str) -> None:  # noqa: F811
    settings = settings_of(tmp_path, db_url)
    with store.connect() as conn:
        office = build_report_conn(conn, settings, SEPTEMBER, issued_on=ISSUED)
        root = build_report_conn(conn, settings, SEPTEMBER, unit="UBND-HN", issued_on=ISSUED)
        batch = {
            r.unit_code: r
            for r in compose_unit_reports(conn, settings, SEPTEMBER, issued_on=ISSUED)
        }
    assert root.figures.current == office.figures.current
    assert root.figures.current.documents_received == 9  # every record, not 0
    assert (root.issuing_body, root.signer_name, root.unit_code) == (
        "VĂN PHÒNG",
        "Nguyễn Văn A",
        "UBND-HN",
    )
    assert batch["UBND-HN"].figures.current == office.figures.current
    assert batch["UBND-HN"].issuing_body == "VĂN PHÒNG"


def test_a_unit_dissolved_before_the_period_gets_no_report(
    store: Engine,  # noqa: F811
    tmp_path: Path,
    db_url: str,
) -> None:
    settings = settings_of(tmp_path, db_url)
    with store.connect() as conn:
        september = {
            r.unit_code for r in compose_unit_reports(conn, settings, SEPTEMBER, issued_on=ISSUED)
        }
        from reports.core.periods import month_period

        june = {
            r.unit_code
            for r in compose_unit_reports(conn, settings, month_period(2025, 6), issued_on=ISSUED)
        }
    assert "P-OLD-A" not in september and "P-OLD-B" not in september  # dissolved 30/6/2025
    assert {"P-OLD-A", "P-OLD-B", "P-BA-DINH"} <= june  # they still existed in June


def test_a_unit_report_without_a_signer_says_what_to_fill_in(
    store: Engine,  # noqa: F811
    tmp_path: Path,
    db_url: str,
) -> None:
    settings = settings_of(tmp_path, db_url)
    with pytest.raises(ConfigError) as info:
        generate(store, settings, SEPTEMBER, unit="TDP-1", formats=("docx",), out_dir=tmp_path)
    assert str(info.value) == (
        "Cấu hình units.TDP-1.signer_name: chưa có tên người ký báo cáo của Tổ dân phố số 1 "
        "(TDP-1); ghi cột signer_name của đơn vị trong units.csv rồi nhập lại, hoặc "
        'signer_name = "Họ và tên" trong [units.TDP-1] của baocao.toml'
    )
    assert not list(tmp_path.glob("*.docx"))
    named = settings_of(tmp_path, db_url, **{"TDP-1": {"signer_name": "Đỗ Văn F"}})
    report, _ = generate(store, named, SEPTEMBER, unit="TDP-1", formats=("docx",), out_dir=tmp_path)
    assert report.signer_name == "Đỗ Văn F"
    assert report.addressee == ""  # "khac": no higher body named


def test_an_unknown_unit_code_is_refused_with_its_row_and_the_nearest_codes(
    tmp_path: Path, sqlite_url: str
) -> None:
    from tests.test_cli import run

    units = tmp_path / "units.csv"
    units.write_text(
        "code,name,parent\nUBND-X,UBND quận X,\nP-BA-DINH,Phường Ba Đình,UBND-X\n", encoding="utf-8"
    )
    docs = tmp_path / "documents.csv"
    docs.write_text(
        "id,received_on,unit\nd1,2025-09-02,P-BA-DINH\nd2,2025-09-03,P-BA-DIHN\n"
        "d3,2025-09-04,P-BA-DIHN\nd4,2025-09-04,ZZZ\n",
        encoding="utf-8",
    )
    r = run("import", str(units), str(docs), db=sqlite_url)
    assert r.returncode == 3
    assert r.stderr == (
        f"Lỗi: {docs}: 2 dòng không hợp lệ trên 4 dòng; chưa nhập dòng nào của tệp này.\n"
        f"{docs}:3:unit: mã đơn vị không có trong bảng units; mã gần giống: P-BA-DINH (P-BA-DIHN)\n"
        f"{docs}:5:unit: mã đơn vị không có trong bảng units (ZZZ)\n"
        "Thêm các đơn vị này vào units.csv (hoặc sửa mã) rồi nhập lại.\n"
        "Hoặc dùng --accept-unknown-units để nhập và liệt kê chúng.\n"
    )
    r = run("import", str(units), str(docs), "--accept-unknown-units", db=sqlite_url)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == (
        f"{docs} (documents): thêm 4, thay 0, không đổi 0; mã đơn vị không có trong bảng "
        "units: P-BA-DIHN, ZZZ"
    )
