"""The workbook adds up: the unit tree's detail rows sum to the city, and each figure says what
it counts. Built from the sample city through the real pipeline (import, SQLite store)."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from reports.core.model import FIGURE_INFO
from reports.core.periods import ReportPeriod
from reports.produce.pipeline import generate
from reports.render.docx import FILTERS
from reports.render.xlsx import POINTS
from reports.sample.city import write_sample
from reports.settings.load import PROJECT_ROOT, settings_from_mapping
from reports.sources.importer import import_files
from reports.store.db import open_store

ORDER = ["units", "documents", "dossiers", "receptions", "petitions", "directives", "highlights"]
WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
COUNTS = [i for i in FIGURE_INFO if i.unit != "%"]


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, openpyxl.Workbook]:
    base = tmp_path_factory.mktemp("tree")
    settings = settings_from_mapping(
        {
            "database": {"url": f"sqlite:///{base / 'store.db'}"},
            "paths": {"templates": str(PROJECT_ROOT / "templates"), "output": str(base)},
        },
        base_dir=base,
        environ={},
    )
    files = write_sample(base / "sample", start=date(2020, 6, 1), end=date(2020, 10, 31))
    engine = open_store(settings.database_url)
    books = {}
    try:
        import_files(engine, [files[k] for k in ORDER])
        with engine.begin() as conn:  # some directives of a unit, as an office's data may have
            conn.exec_driver_sql(
                "UPDATE directives SET unit = 'SO-XD' WHERE approved_on BETWEEN "
                "'2020-09-21' AND '2020-09-28' AND field = 'do_thi'"
            )
            from reports.store.rollup import refresh_all

            refresh_all(conn)
        for name, unit in (("city", None), ("unit", "UBND-BA-DINH")):
            _, paths = generate(
                engine, settings, WEEK, unit=unit, formats=("xlsx",), out_dir=base / name
            )
            books[name] = openpyxl.load_workbook(paths[0])
    finally:
        engine.dispose()
    return books


def _summary(wb: openpyxl.Workbook) -> dict[str, object]:
    return {r[0].value: r[2].value for r in wb["Tổng hợp"].iter_rows(min_row=6) if r[0].value}


def _unit_rows(wb: openpyxl.Workbook) -> tuple[list[str], list[list[object]]]:
    rows = [[c.value for c in r] for r in wb["Theo đơn vị"].iter_rows()]
    return [str(h) for h in rows[0]], rows[1:]


@pytest.mark.parametrize("scope", ["city", "unit"])
def test_detail_rows_sum_to_the_scopes_figures(
    workbooks: dict[str, openpyxl.Workbook], scope: str
) -> None:
    wb = workbooks[scope]
    head, rows = _unit_rows(wb)
    assert head[:5] == ["Cấp", "Loại dòng", "Mã đơn vị", "Tên đơn vị", "Đơn vị cấp trên"]
    summary = _summary(wb)
    details = [r for r in rows if r[1] == "Chi tiết"]
    totals = [r for r in rows if r[1] == "Tổng"]
    assert details and totals and rows[0][1] == "Tổng" and rows[0][0] == 0
    for info in COUNTS:
        col = head.index(info.label)
        assert sum(int(r[col] or 0) for r in details) == summary[info.label], info.name
        assert rows[0][col] == summary[info.label]  # the grand total row
    if scope == "city":
        col = head.index("Văn bản chỉ đạo, điều hành được phê duyệt")
        by_code = {r[2]: r[col] for r in details}
        assert int(by_code["SO-XD"] or 0) > 0  # directives counted where the data has a unit
        assert summary["Văn bản chỉ đạo, điều hành được phê duyệt"] > by_code["SO-XD"]  # type: ignore[operator]


def test_subtotals_are_their_details_and_the_outline_follows_the_tree(
    workbooks: dict[str, openpyxl.Workbook],
) -> None:
    wb = workbooks["city"]
    ws = wb["Theo đơn vị"]
    head, rows = _unit_rows(wb)
    col = head.index("Văn bản hành chính tiếp nhận, xử lý")
    for i, row in enumerate(rows):
        if row[1] != "Tổng" or row[0] == 0:
            continue
        level, below = row[0], []
        for other in rows[i + 1 :]:
            if other[0] <= level:  # type: ignore[operator]
                break
            below.append(other)
        assert sum(int(r[col] or 0) for r in below if r[1] == "Chi tiết") == row[col], row[3]
        assert ws.row_dimensions[i + 2].outlineLevel == level
        assert ws.row_dimensions[i + 3].outlineLevel == level + 1  # type: ignore[operator]
    assert max(r[0] for r in rows) >= 2  # type: ignore[type-var]
    assert ws.sheet_properties.outlinePr.summaryBelow is False
    deep = next(i for i, r in enumerate(rows) if r[0] == 2)
    assert ws.cell(deep + 2, 4).alignment.indent == 4  # names indented by level
    with_parent = next(r for r in rows if r[4])
    assert re.fullmatch(r"[A-Z0-9-]+ - .+", str(with_parent[4]))  # code and name of the parent


def test_every_figure_says_what_it_counts(workbooks: dict[str, openpyxl.Workbook]) -> None:
    wb = workbooks["city"]
    labels = [info.label for info in FIGURE_INFO]
    assert "Hồ sơ đã hoàn thành trong số tiếp nhận mới" in labels
    assert "Hồ sơ trả kết quả trong kỳ: đúng hạn" in labels
    assert "Hồ sơ trả kết quả trong kỳ: quá hạn" in labels
    notes = [r[0].value for r in wb["Tổng hợp"].iter_rows() if str(r[0].value).startswith("- ")]
    assert any("kể cả hồ sơ tiếp nhận từ các kỳ trước" in str(n) for n in notes)
    assert any("“Chi tiết”" in str(n) for n in notes)
    rate = next(
        r for r in wb["Tổng hợp"].iter_rows(min_row=6) if r[0].value == FIGURE_INFO[7].label
    )
    assert rate[4].number_format == POINTS
    # issue 19: the whole "+1,3 điểm %" is unbroken (a table column is sized to it)
    assert FILTERS["thay_doi"](0.013, "%") == "+1,3\u00a0điểm\u00a0%"
    assert FILTERS["thay_doi"](-0.02, "%") == "-2,0\u00a0điểm\u00a0%"


def test_detail_sheets_wrap_long_text_and_name_units(
    workbooks: dict[str, openpyxl.Workbook],
) -> None:
    ws = workbooks["city"]["Văn bản"]
    head = [c.value for c in ws[1]]
    assert head[head.index("Đơn vị") + 1] == "Tên đơn vị"
    summary_col = head.index("Trích yếu") + 1
    row = next(r for r in range(2, ws.max_row + 1) if len(str(ws.cell(r, summary_col).value)) > 80)
    cell = ws.cell(row, summary_col)
    assert cell.alignment.wrap_text
    assert ws.row_dimensions[row].height >= 30
    name = ws.cell(row, head.index("Tên đơn vị") + 1).value
    assert name and name != ws.cell(row, head.index("Đơn vị") + 1).value


def test_trend_periods_are_dates(workbooks: dict[str, openpyxl.Workbook]) -> None:
    ws = workbooks["city"]["Xu hướng"]
    # each point by its trend label (as the Word chart) beside its real start and end dates
    assert [ws.cell(1, c).value for c in (1, 2, 3)] == ["Kỳ", "Từ ngày", "Đến ngày"]
    assert isinstance(ws["B2"].value, datetime) and ws["B2"].number_format == "dd/mm/yyyy"
    assert isinstance(ws["C2"].value, datetime) and ws["C2"].number_format == "dd/mm/yyyy"
    last = [ws.cell(ws.max_row, c).value for c in (1, 2, 3)]
    assert last == ["Tuần 39", datetime(2020, 9, 21), datetime(2020, 9, 28)]


def test_chart_xml_has_axis_titles_and_visible_axes(tmp_path: Path) -> None:
    from reports.render.xlsx import render_xlsx
    from reports.settings.load import Settings
    from tests.conftest import make_report

    settings: Settings = settings_from_mapping(
        {"paths": {"templates": str(PROJECT_ROOT / "templates")}}, tmp_path, environ={}
    )
    path = render_xlsx(make_report(settings), settings, tmp_path / "bc.xlsx")
    with zipfile.ZipFile(path) as z:
        for name in ("xl/charts/chart1.xml", "xl/charts/chart2.xml"):
            xml = z.read(name).decode()
            assert "<a:t>Tuần</a:t>" in xml  # the x axis: the trend's points are weeks
            assert re.search(r"<valAx>.*?<a:t>Số (văn bản|lượng)</a:t>", xml)
            assert xml.count('<delete val="0"/>') == 2


def test_returns_in_the_period_are_listed_row_by_row(
    workbooks: dict[str, openpyxl.Workbook],
) -> None:
    """The summary's on-time and late returns are the rows of "Hồ sơ trả kết quả trong kỳ",
    records received earlier included; completions among the received are in "Hồ sơ TTHC"."""
    for wb in workbooks.values():
        summary = _summary(wb)
        ws = wb["Hồ sơ trả kết quả trong kỳ"]
        head = [c.value for c in ws[1]]
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
        col = head.index("Trả kết quả")
        on_time = sum(1 for r in rows if r[col] == "đúng hạn")
        late = sum(1 for r in rows if r[col] == "quá hạn")
        assert on_time == summary["Hồ sơ trả kết quả trong kỳ: đúng hạn"]
        assert late == summary["Hồ sơ trả kết quả trong kỳ: quá hạn"]
        received = head.index("Ngày tiếp nhận")
        assert any(r[received] < datetime(2020, 9, 21) for r in rows)  # type: ignore[operator]
        dossiers = wb["Hồ sơ TTHC"]
        dhead = [c.value for c in dossiers[1]]
        returned = dhead.index("Ngày trả kết quả")
        done = sum(
            1
            for r in dossiers.iter_rows(min_row=2, values_only=True)
            if r[returned] is not None and r[returned] <= datetime(2020, 9, 28)
        )
        assert done == summary["Hồ sơ đã hoàn thành trong số tiếp nhận mới"]
