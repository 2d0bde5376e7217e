"""A unit's own report: a ward's and a department's, a deep unit tree, a merged ward (#10)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import docx
import pytest
from sqlalchemy.engine import Engine

from reports.compose.unit_profile import abbreviation, unit_type
from reports.core.errors import ConfigError
from reports.core.model import UnitRow
from reports.core.periods import month_period
from reports.produce.pipeline import generate, unit_figure_set
from reports.settings.load import PROJECT_ROOT, Settings, settings_from_mapping
from reports.sources.importer import import_files
from reports.store.db import open_store
from tests.test_cli import run

SEPTEMBER = month_period(2025, 9)
UNITS_CSV = """code,name,parent,unit_type,place,absorbed,dissolved_on,signer_name
UBND-HN,UBND thành phố Hà Nội,,,,,,
SO-YT,Sở Y tế,UBND-HN,,,,,
P-BA-DINH,Phường Ba Đình,UBND-HN,phuong,,P-OLD-A; P-OLD-B,,Lê Thị C
P-OLD-A,UBND phường Quán Thánh,,,,,30/06/2025,Phạm Văn D
P-OLD-B,UBND phường Trúc Bạch,,,,,30/06/2025,Phạm Văn E
TDP-1,Tổ dân phố số 1,P-BA-DINH,khac,,,,
TO-1A,Tổ 1A,TDP-1,khac,,,,
"""


def _documents() -> str:
    lines = ["id,received_on,unit,field,summary"]
    # September 2025: 3 at the ward itself, 2 four levels down, 4 at the department
    lines += [f"w{i},2025-09-0{i + 1},P-BA-DINH,kinh_te," for i in range(3)]
    lines += [f"t{i},2025-09-1{i},TO-1A,do_thi," for i in range(2)]
    lines += [f"s{i},2025-09-2{i},SO-YT,van_hoa_xa_hoi," for i in range(4)]
    # September 2024, before the merger of 1/7/2025: the two wards it absorbed
    lines += [f"a{i},2024-09-0{i + 1},P-OLD-A,kinh_te," for i in range(5)]
    lines += [f"b{i},2024-09-1{i},P-OLD-B,kinh_te," for i in range(6)]
    return "\n".join(lines) + "\n"


DIRECTIVES_CSV = """id,approved_on,field,summary,number,highlight,unit
d1,2025-09-22,van_hoa_xa_hoi,Chỉ đạo phòng chống sốt xuất huyết,12/SYT,true,SO-YT
d2,2025-09-23,kinh_te,Chỉ đạo của Thành phố,15/UBND,true,
"""
HIGHLIGHTS_CSV = """id,date,title,body,field,position,unit
h1,2025-09-24,Ra quân diệt lăng quăng,Toàn ngành y tế ra quân.,van_hoa_xa_hoi,1,SO-YT
"""


@pytest.fixture
def store(tmp_path: Path, db_url: str) -> Iterator[Engine]:
    files = []
    for name, text in (
        ("units", UNITS_CSV),
        ("documents", _documents()),
        ("directives", DIRECTIVES_CSV),
        ("highlights", HIGHLIGHTS_CSV),
    ):
        path = tmp_path / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    engine = open_store(db_url)
    import_files(engine, files)
    yield engine
    engine.dispose()


def settings_of(tmp_path: Path, db_url: str, **units: object) -> Settings:
    return settings_from_mapping(
        {
            "database": {"url": db_url},
            "paths": {"templates": str(PROJECT_ROOT / "templates"), "output": str(tmp_path)},
            "report": {"number": "123"},
            "signer": {"name": "Nguyễn Văn A"},
            "units": units,
        },
        base_dir=tmp_path,
        environ={},
    )


def _document(engine: Engine, settings: Settings, unit: str, out: Path) -> docx.document.Document:
    _, paths = generate(
        engine,
        settings,
        SEPTEMBER,
        unit=unit,
        formats=("docx",),
        out_dir=out,
        issued_on=date(2025, 10, 5),
    )
    assert [p.name for p in paths] == [f"BC-thang-2025-09_{unit}.docx"]
    return docx.Document(str(paths[0]))


def _header(document: docx.document.Document) -> list[str]:
    table = document.tables[0]
    return [p.text for row in table.rows for c in row.cells for p in c.paragraphs if p.text]


def _signature(document: docx.document.Document) -> list[str]:
    table = document.tables[-1]
    return [p.text for row in table.rows for c in row.cells for p in c.paragraphs if p.text]


def test_a_wards_report(store: Engine, tmp_path: Path, db_url: str) -> None:
    document = _document(store, settings_of(tmp_path, db_url), "P-BA-DINH", tmp_path)
    assert _header(document) == [
        "UBND PHƯỜNG BA ĐÌNH",
        "VĂN PHÒNG HĐND VÀ UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: \u00a0\u00a0\u00a0\u00a0\u00a0\u00a0/BC-VP",
        "Ba Đình, ngày 05 tháng 10 năm 2025",
    ]
    texts = [p.text for p in document.paragraphs]
    assert texts[1] == "Kết quả chỉ đạo, điều hành của UBND phường Ba Đình tháng 9/2025"
    opening = next(t for t in texts if t.startswith("Trong tháng 9/2025, "))
    # its own records and those four levels down (3 + 2), not the department's or the city's
    assert opening.startswith(
        "Trong tháng 9/2025, UBND phường Ba Đình đã tiếp nhận, xử lý công việc tại 5 văn bản "
    )
    # issue 19: no directive, dossier, reception or petition of its own, ever: no sentence
    # about them (it used to say "đã phê duyệt 0 văn bản chỉ đạo", "Tiếp 0 lượt công dân")
    assert opening == (
        "Trong tháng 9/2025, UBND phường Ba Đình đã tiếp nhận, xử lý công việc tại 5 văn bản "
        "hành chính nhà nước."
    )
    assert not any("cụ thể:" in t or "Lĩnh vực" in t for t in texts)
    assert not any("lượt công dân" in t or "phê duyệt" in t for t in texts)
    # no highlight of its own: no section II, the figures section takes its number
    assert not any("nổi bật" in t for t in texts)
    assert "2. Số liệu tổng hợp" in texts  # part 2 of the month's section I
    # issue 19: to a higher body, "Kính gửi" and "- Như trên;" (Nghị định 30, Phụ lục I
    # II.9.b); the signer's name from the units table, never blank
    assert texts[:4] == [
        "BÁO CÁO",
        "Kết quả chỉ đạo, điều hành của UBND phường Ba Đình tháng 9/2025",
        "",
        "Kính gửi: UBND Thành phố.",
    ]
    assert _signature(document) == [
        "Nơi nhận:",
        "- Như trên;",
        "- Thường trực Đảng ủy, HĐND phường (để b/c);",
        "- Chủ tịch, các Phó Chủ tịch UBND phường;",
        "- Lưu: VT, VP.",
        "KT. CHÁNH VĂN PHÒNG",
        "PHÓ CHÁNH VĂN PHÒNG",
        "Lê Thị C",
    ]


def test_a_departments_report_with_its_settings(store: Engine, tmp_path: Path, db_url: str) -> None:
    settings = settings_of(
        tmp_path,
        db_url,
        **{
            "SO-YT": {
                "signer_name": "Trần Thị B",
                "recipients": ["UBND Thành phố (để b/c);", "Bộ Y tế;", "Lưu: VT, VP."],
            }
        },
    )
    document = _document(store, settings, "SO-YT", tmp_path)
    assert _header(document)[:2] == ["UBND THÀNH PHỐ HÀ NỘI", "SỞ Y TẾ"]
    assert _header(document)[4:] == [
        "Số: \u00a0\u00a0\u00a0\u00a0\u00a0\u00a0/BC-SYT",
        "Hà Nội, ngày 05 tháng 10 năm 2025",
    ]
    texts = [p.text for p in document.paragraphs]
    assert texts[1] == "Kết quả chỉ đạo, điều hành của Sở Y tế tháng 9/2025"  # the month's own
    opening = next(t for t in texts if t.startswith("Trong tháng 9/2025, "))
    assert " tại 4 văn bản " in opening
    assert opening.endswith("đã phê duyệt 1 văn bản chỉ đạo, điều hành trên các lĩnh vực, cụ thể:")
    # its own directive and highlight, not the city's
    # a month is summarised (issue 19): counted by kind ("12/SYT" has no kind: a công văn)
    assert (
        "- Lĩnh vực văn hóa - xã hội: Ban hành 1 công văn. Chỉ đạo phòng chống sốt xuất huyết."
        in texts
    )
    assert not any("của Thành phố" in t for t in texts)
    assert "2. Một số hoạt động chỉ đạo, điều hành nổi bật" in texts
    assert "Ra quân diệt lăng quăng" in texts and "3. Số liệu tổng hợp" in texts
    assert _signature(document) == [
        "Nơi nhận:",
        "- UBND Thành phố (để b/c);",
        "- Bộ Y tế;",
        "- Lưu: VT, VP.",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Trần Thị B",
    ]


def test_a_merged_ward_compares_with_the_wards_it_absorbed(
    store: Engine, tmp_path: Path, db_url: str
) -> None:
    settings = settings_of(tmp_path, db_url)
    r = run(
        "--settings",
        str(_write(tmp_path, db_url)),
        "figures",
        "--period",
        "2025-09",
        "--unit",
        "P-BA-DINH",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    import json

    data = json.loads(r.stdout)
    assert data["figures"]["current"]["documents_received"] == 5
    assert data["figures"]["last_year"]["documents_received"] == 5 + 6
    # absorbed by the settings: added to the import's list; a unit in its tree is not counted
    # twice; a unit with no absorbed column takes them from the settings alone
    extra = settings_of(
        tmp_path,
        db_url,
        **{"P-BA-DINH": {"absorbed": ["P-OLD-A", "TDP-1"]}, "TDP-1": {"absorbed": ["P-OLD-B"]}},
    )
    with store.connect() as conn:
        ward = unit_figure_set(conn, extra, SEPTEMBER, "P-BA-DINH")
        group = unit_figure_set(conn, extra, SEPTEMBER, "TDP-1")
        alone = unit_figure_set(conn, settings, SEPTEMBER, "TDP-1")
    assert (ward.current.documents_received, ward.last_year.documents_received) == (5, 11)
    assert (group.current.documents_received, group.last_year.documents_received) == (2, 6)
    assert (alone.current.documents_received, alone.last_year.documents_received) == (2, 0)


def _write(tmp_path: Path, db_url: str) -> Path:
    path = tmp_path / "baocao.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    return path


def test_unit_types_and_abbreviations() -> None:
    assert unit_type(UnitRow("X", "UBND phường Kim Mã")) == "phuong"
    assert unit_type(UnitRow("X", "Xã Sóc Sơn")) == "xa"
    assert unit_type(UnitRow("X", "Đặc khu Phú Quốc")) == "dac_khu"
    assert unit_type(UnitRow("X", "Sở Kế hoạch và Đầu tư")) == "so"
    assert unit_type(UnitRow("X", "Trung tâm A")) == "khac"
    assert unit_type(UnitRow("X", "Trung tâm A", unit_type="so")) == "so"
    assert unit_type(UnitRow("X", "Phường Láng", unit_type="Ward")) == "phuong"  # unknown type
    assert abbreviation("Sở Kế hoạch và Đầu tư") == "SKHĐT"
    assert abbreviation("Sở Y tế") == "SYT"


def test_unit_settings_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_mapping({"units": {"SO-YT": {"ky_ten": "x"}}}, tmp_path, None, {})
    assert str(info.value).startswith("Cấu hình units.SO-YT.ky_ten: không có thiết lập này")
    with pytest.raises(ConfigError) as info:
        settings_from_mapping({"units": {"SO-YT": {"unit_type": "sở"}}}, tmp_path, None, {})
    assert str(info.value) == (
        "Cấu hình units.SO-YT.unit_type: phải là một trong phuong, xa, dac_khu, thi_xa, quan, "
        "huyen, thanh_pho, so, ban, khac, nhận được 'sở'"
    )
