"""The sample city: deterministic, canonical, and the reference week's figures exactly.

The week's raw counts are computed here in Python from the CSV files with data.md §3's
definitions; one test also goes through the importer and the store.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest
from sqlalchemy.engine import Engine

from reports.compose.assemble import field_lines
from reports.core.errors import UsageError
from reports.core.model import Directive
from reports.figures.indicators import figure_set, period_directives, period_highlights
from reports.sample.city import REFERENCE, write_sample
from reports.sources.importer import import_files
from reports.store.db import open_store

ORDER = ["units", "documents", "dossiers", "receptions", "petitions", "directives", "highlights"]
AROUND = {"start": date(2020, 8, 1), "end": date(2020, 10, 31)}

# data.md §1, column for column.
CANONICAL = {
    "units": ["code", "name", "parent", "signer_name"],  # issue 19: a unit report's signer
    "documents": ["id", "received_on", "unit", "field", "summary"],
    "dossiers": ["id", "received_on", "due_on", "returned_on", "unit", "field", "online"],
    "receptions": ["id", "held_on", "persons", "unit"],
    "petitions": ["id", "received_on", "kind", "resolved_on", "unit"],
    "directives": ["id", "approved_on", "field", "summary", "number", "highlight"],
    "highlights": ["id", "date", "title", "body", "field", "position"],
}

# data.md §3 "in the reference week".
BULLETIN_FIGURES = {
    "documents_received": 1406,
    "dossiers_received": 61,
    "dossiers_completed": 49,
    "dossiers_in_progress": 12,
    "receptions": 106,
    "reception_persons": 183,
    "petitions_received": 215,
    "petitions_resolved": 212,
    "directives_approved": 800,
}

# The bulletin's section I field lines, verbatim (reference-bulletin-2020-09-21.txt).
BULLETIN_LINES = [
    "- Lĩnh vực kinh tế: chỉ đạo tiếp tục tổ chức sự kiện giới thiệu, quảng bá, kết nối sản phẩm OCOP gắn với văn hóa các tỉnh đồng bằng sông Hồng và các tỉnh miền Trung, Tây Nguyên, các tỉnh Nam Bộ. Triển khai Chương trình xúc tiến thương mại, nông nghiệp 3 tháng cuối năm 2020. Ban hành các quyết định: điều chỉnh giảm danh mục tài sản mua sắm theo phương thức tập trung của Thành phố; định mức kinh tế kỹ thuật bảo trì hạ tầng giao thông đường bộ trên địa bàn thành phố Hà Nội; kế hoạch thực hiện đề án phát triển sản phẩm công nghiệp chủ lực giai đoạn 2021 - 2025 trên địa bàn Thành phố; phê duyệt Kế hoạch lựa chọn nhà thầu cung cấp dịch vụ sự nghiệp công quản lý, bảo trì hệ thống đèn tín hiệu giao thông trên địa bàn các quận, huyện, thị xã.",
    "- Lĩnh vực đô thị: chỉ đạo tăng cường quản lý chất lượng công trình trường học, đảm bảo an toàn kết cấu công trình, an toàn cho học sinh trên địa bàn thành phố Hà Nội. Bảo trì hệ thống kết cấu hạ tầng giao thông phục vụ Đại hội XVII Đảng bộ thành phố Hà Nội. Ban hành các quyết định: phê duyệt dự án đầu tư xây dựng đường trục phát triển kinh tế huyện Thanh Oai; giao đất, thu hồi đất; giải quyết khiếu nại/giao nhiệm vụ xác minh nội dung khiếu nại của công dân. Thông báo thụ lý giải quyết khiếu nại/không giải quyết lại tố cáo của công dân. Báo cáo tổng kết thực hiện Chương trình số 06-CTr/TU, ngày 29/6/2016, của Thành ủy về Phát triển đồng bộ, hiện đại hóa từng bước kết cấu hạ tầng đô thị, tăng cường quản lý trật tự xây dựng, đất đai, môi trường, xây dựng đô thị văn minh hiện đại, giai đoạn 2016 - 2020.",
    "- Lĩnh vực văn hóa - xã hội: Phê duyệt danh sách người nước ngoài nhập cảnh vào làm việc tại Hà Nội. Chỉ đạo phương án cách ly các chuyên gia nước ngoài nhập cảnh làm việc tại Hà Nội. Thực hiện hướng dẫn tạm thời giám sát người nhập cảnh từ các chuyến bay thương mại theo chỉ đạo của Chính phủ. Ban hành các quyết định: phê duyệt Kế hoạch lựa chọn nhà thầu cung cấp thuốc năm 2020 - 2021 cho một số bệnh viện thuộc Thành phố; tổ chức gắn biển địa điểm lưu niệm các sự kiện: Đại tướng Nguyễn Chí Thanh thăm phát động phong trào Gió Đại Phong tại đình Thái Bạt, xã Tòng Bạt, huyện Ba Vì; Bác Hồ về thăm và chỉ đạo chống lụt tại kè Thịnh Thôn năm 1958 xã Cam Thượng, huyện Ba Vì; công nhận trường trung học đạt chuẩn quốc gia tại các quận, huyện thị xã. Phê duyệt Kế hoạch tổ chức Lễ kỷ niệm 1010 năm Thăng Long - Hà Nội. Báo cáo tổng kết Chương trình số 04-CTr/TU ngày 26/4/2016 của Thành ủy và Kế hoạch số 165/KH-UBND ngày 31/8/2016 của UBND Thành phố về phát triển văn hóa xã hội, nâng cao chất lượng nguồn nhân lực Thủ đô, xây dựng người Hà Nội thanh lịch, văn minh giai đoạn 2016 -2020.",
    "- Lĩnh vực nội chính: tổ chức khảo sát, đo lường hài lòng về sự phục vụ của các cơ quan, đơn vị thuộc Thành phố năm 2020. Ban hành các quyết định: công bố danh mục TTHC, TTHC bị bãi bỏ lĩnh vực đường bộ thuộc thẩm quyền giải quyết của Sở Giao thông Vận tải Hà Nội; xử phạt vi phạm hành chính trong lĩnh vực bảo vệ môi trường.",
]
BULLETIN_TITLES = [
    "5 năm (2016-2020), GRDP Thành phố ước tăng 7,39%, đạt mục tiêu Đại hội Đảng bộ Thành phố lần thứ XVI đề ra",
    "Tập trung giải ngân toàn bộ kế hoạch vốn được giao",
    "Chống lấn chiếm, xây dựng trái phép, giải tỏa các vi phạm về đất đai",
    "Điều chỉnh giảm danh mục tài sản mua sắm theo phương thức tập trung của thành phố Hà Nội",
    "Phấn đấu đến năm 2025, các doanh nghiệp sản xuất SPCNCL đóng góp 40-50% tổng giá trị sản xuất công nghiệp của Thành phố",
]
LABELS = {
    "kinh_te": "kinh tế",
    "do_thi": "đô thị",
    "van_hoa_xa_hoi": "văn hóa - xã hội",
    "noi_chinh": "nội chính",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _day(value: str) -> date | None:
    """The calendar day of a cell written by the sample ("2020-09-21" or "2020-09-21 14:30")."""
    return date.fromisoformat(value[:10]) if value else None


def _working_days(after: date, until: date) -> int:
    """Monday-to-Friday days that are not Vietnamese public holidays, in (after, until]."""
    off = holidays.country_holidays("VN", years=range(after.year, until.year + 1))
    days = (after + timedelta(days=i) for i in range(1, (until - after).days + 1))
    return sum(1 for d in days if d.weekday() < 5 and d not in off)


def raw_figures(files: dict[str, Path], start: date, end: date) -> dict[str, int]:
    """data.md §3 for the period start..end (both included), straight from the CSV files."""

    def within(value: str) -> bool:
        day = _day(value)
        return day is not None and start <= day <= end

    dossiers = [r for r in _rows(files["dossiers"]) if within(r["received_on"])]
    completed = [r for r in dossiers if r["returned_on"] and _day(r["returned_on"]) <= end]  # type: ignore[operator]
    receptions = [r for r in _rows(files["receptions"]) if within(r["held_on"])]
    petitions = _rows(files["petitions"])
    return {
        "documents_received": sum(within(r["received_on"]) for r in _rows(files["documents"])),
        "dossiers_received": len(dossiers),
        "dossiers_completed": len(completed),
        "dossiers_in_progress": len(dossiers) - len(completed),
        "receptions": len(receptions),
        "reception_persons": sum(int(r["persons"]) for r in receptions),
        "petitions_received": sum(within(r["received_on"]) for r in petitions),
        "petitions_resolved": sum(within(r["resolved_on"]) for r in petitions),
        "directives_approved": sum(within(r["approved_on"]) for r in _rows(files["directives"])),
    }


def _directives(files: dict[str, Path], start: date, end: date) -> list[Directive]:
    out = []
    for r in _rows(files["directives"]):
        day = _day(r["approved_on"])
        assert day is not None
        if start <= day <= end:
            out.append(
                Directive(
                    r["id"], day, r["field"], r["summary"], r["number"], r["highlight"] == "1"
                )
            )
    return out


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_sample(tmp_path_factory.mktemp("sample"), **AROUND)


def test_same_seed_same_bytes(tmp_path: Path, sample: dict[str, Path]) -> None:
    again = write_sample(tmp_path, **AROUND)
    for kind, path in sample.items():
        assert again[kind].read_bytes() == path.read_bytes(), kind


def test_another_seed_other_records_same_reference_figures(
    tmp_path: Path, sample: dict[str, Path]
) -> None:
    other = write_sample(tmp_path, seed=7, **AROUND)
    assert other["documents"].read_bytes() != sample["documents"].read_bytes()
    assert raw_figures(other, REFERENCE.start, REFERENCE.end) == BULLETIN_FIGURES


def test_canonical_headers_and_files(sample: dict[str, Path]) -> None:
    assert list(sample) == ORDER
    for kind, path in sample.items():
        assert path.name == f"{kind}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            assert next(csv.reader(fh)) == CANONICAL[kind], kind


def test_reference_week_raw_counts(sample: dict[str, Path]) -> None:
    assert raw_figures(sample, REFERENCE.start, REFERENCE.end) == BULLETIN_FIGURES


def test_reference_week_alone_still_exact(tmp_path: Path) -> None:
    files = write_sample(tmp_path, start=REFERENCE.start, end=REFERENCE.end)
    assert raw_figures(files, REFERENCE.start, REFERENCE.end) == BULLETIN_FIGURES


def test_neighbouring_weeks_are_ordinary(sample: dict[str, Path]) -> None:
    # 21/9 and 28/9 also belong to the weeks before and after: those weeks are not copies of the
    # reference week, but of the same order of magnitude.
    for start in (REFERENCE.start - timedelta(days=7), REFERENCE.end):
        got = raw_figures(sample, start, start + timedelta(days=7))
        assert got != BULLETIN_FIGURES
        assert 1000 < got["documents_received"] < 1800, got
        assert 600 < got["directives_approved"] < 1000, got


def test_reference_field_lines_are_the_bulletins(sample: dict[str, Path]) -> None:
    lines = field_lines(_directives(sample, REFERENCE.start, REFERENCE.end))
    assert [f"- Lĩnh vực {LABELS[line.field]}: {line.text}" for line in lines] == BULLETIN_LINES


def test_reference_highlights_are_the_bulletins(sample: dict[str, Path]) -> None:
    week = [
        r
        for r in _rows(sample["highlights"])
        if REFERENCE.start <= _day(r["date"]) <= REFERENCE.end  # type: ignore[operator]
    ]
    week.sort(key=lambda r: (int(r["position"]), r["date"]))
    assert [r["title"] for r in week] == BULLETIN_TITLES
    assert [r["position"] for r in week] == ["1", "2", "3", "4", "5"]
    body = week[1]["body"].split("\n\n")
    assert body[0].startswith("Ngày 16/9/2020, đồng chí Nguyễn Văn Sửu")
    assert body[-1].startswith("f) Giao Công ty TNHH MTV Đầu tư phát triển Thủy lợi Hà Nội")
    assert len(body) == 13


def test_every_week_has_content(sample: dict[str, Path]) -> None:
    highlighted: dict[date, set[str]] = defaultdict(set)
    for r in _rows(sample["directives"]):
        if r["highlight"] == "1":
            day = _day(r["approved_on"])
            assert day is not None
            highlighted[day - timedelta(days=day.weekday())].add(r["field"])
    items: dict[date, int] = defaultdict(int)
    for r in _rows(sample["highlights"]):
        day = _day(r["date"])
        assert day is not None
        items[day - timedelta(days=day.weekday())] += 1
        if not r["id"].startswith("NB-REF-"):  # one of the bulletin's has a single paragraph
            assert "\n\n" in r["body"], r["id"]
    monday = date(2020, 8, 3)
    while monday + timedelta(days=7) <= AROUND["end"]:
        assert highlighted[monday] == set(LABELS), monday
        assert 2 <= items[monday] <= 5, monday
        monday += timedelta(days=7)


def test_records_are_consistent(sample: dict[str, Path]) -> None:
    start, end = AROUND["start"], AROUND["end"]
    dossiers = _rows(sample["dossiers"])
    for r in dossiers:
        received, due, returned = _day(r["received_on"]), _day(r["due_on"]), _day(r["returned_on"])
        assert received is not None and due is not None
        assert start <= received <= end
        assert 5 <= _working_days(received, due) <= 15, r
        assert returned is None or received <= returned <= end, r
    late = sum(1 for r in dossiers if r["returned_on"] and r["returned_on"] > r["due_on"])
    assert 0 < late < len(dossiers) * 0.2
    assert any(not r["returned_on"] for r in dossiers)
    assert any(r["online"] == "1" for r in dossiers)
    for r in _rows(sample["petitions"]):
        received, resolved = _day(r["received_on"]), _day(r["resolved_on"])
        assert received is not None and start <= received <= end
        assert resolved is None or received <= resolved <= end, r
        assert r["kind"] in {"khieu_nai", "to_cao", "kien_nghi_phan_anh"}
    units = {r["code"]: r["parent"] for r in _rows(sample["units"])}
    assert 25 <= len(units) <= 40
    assert units["P-PHUC-XA"] == "UBND-BA-DINH" and units["UBND-BA-DINH"] == "UBND-HN"
    assert all(r["unit"] in units for r in _rows(sample["documents"]))
    for kind in ORDER[1:]:
        ids = [r["id"] for r in _rows(sample[kind])]
        assert len(ids) == len(set(ids)), kind


def test_holidays_are_quiet(tmp_path: Path) -> None:
    files = write_sample(tmp_path, start=date(2020, 4, 27), end=date(2020, 5, 3))
    per_day: dict[date, int] = defaultdict(int)
    for r in _rows(files["documents"]):
        day = _day(r["received_on"])
        assert day is not None
        per_day[day] += 1
    # 30/4 and 1/5 are public holidays, 2-3/5 a weekend; 27-29/4 ordinary working days.
    assert min(per_day[date(2020, 4, d)] for d in (27, 28, 29)) > 150
    assert per_day[date(2020, 4, 30)] + per_day[date(2020, 5, 1)] < 20


def test_a_backwards_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as err:
        write_sample(tmp_path, start=date(2020, 10, 1), end=date(2020, 9, 1))
    assert str(err.value) == (
        "Khoảng ngày của dữ liệu mẫu không hợp lệ: từ 01/10/2020 đến 01/09/2020. "
        "Hãy chọn ngày bắt đầu không muộn hơn ngày kết thúc."
    )


def test_reference_week_figures_through_the_store(engine: Engine, sample: dict[str, Path]) -> None:
    import_files(engine, [sample[k] for k in ORDER])
    with engine.connect() as conn:
        f = figure_set(conn, REFERENCE, None, 2).current
        directives = period_directives(conn, REFERENCE)
        highlights = period_highlights(conn, REFERENCE)
    assert {k: getattr(f, k) for k in BULLETIN_FIGURES} == BULLETIN_FIGURES
    lines = [f"- Lĩnh vực {LABELS[line.field]}: {line.text}" for line in field_lines(directives)]
    assert lines == BULLETIN_LINES
    ordered = sorted(highlights, key=lambda h: (h.position or 0, h.date))
    assert [h.title for h in ordered] == BULLETIN_TITLES
    assert len(ordered[1].paragraphs) == 13


def test_bench_synth_writes_importable_canonical_files(tmp_path: Path, sqlite_url: str) -> None:
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "synth"
    cmd = [
        sys.executable,
        str(root / "bench" / "synth.py"),
        "--rows",
        "20000",
        "--units",
        "60",
        "--years",
        "1",
        "--out",
        str(out),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    files = {p.stem: p for p in out.glob("*.csv")}
    assert sorted(files) == sorted(ORDER)
    for kind, path in files.items():
        with path.open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        # canonical columns first; directives and highlights add the optional unit column
        assert header[: len(CANONICAL[kind])] == CANONICAL[kind], kind
    counts = {kind: len(_rows(path)) for kind, path in files.items()}
    assert counts["units"] == 60
    assert (
        sum(v for k, v in counts.items() if k not in ("units", "highlights")) + counts["highlights"]
        == 20000
    )
    assert 0.50 < counts["documents"] / 20000 < 0.56 and 0.29 < counts["directives"] / 20000 < 0.32
    dossiers = _rows(files["dossiers"])
    dates = [r["received_on"] for r in dossiers]
    assert dates == sorted(dates)
    # dossiers received in the last days are due after the data ends: the date must still be
    # written (an empty due_on is an invalid row)
    assert all(r["due_on"] for r in dossiers)
    assert max(r["due_on"] for r in dossiers) > dates[-1]
    results = import_files(open_store(sqlite_url), [files[k] for k in ORDER])
    assert sum(r.added for r in results) == sum(counts.values())
