"""Every kind of period, in both cut-off modes, over two years of records (issue #10).

The records give each day a number of documents from a formula of the date alone, so a
period's expected count is summed here from literal dates, independently of the code's
periods and SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.core.period_names import period_name, trend_label
from reports.core.period_pick import parse_period
from reports.figures.indicators import figure_set
from reports.produce.pipeline import generate
from reports.settings.load import PROJECT_ROOT, Settings, settings_from_mapping
from reports.store import rollup
from reports.store.db import open_store
from reports.store.schema import documents
from tests.test_cli import run

D = date
FIRST, LAST = D(2020, 1, 1), D(2021, 12, 31)
BULLETIN = "Kết quả chỉ đạo, điều hành nổi bật của UBND Thành phố {subject}"
SUBJECT_LINES = {
    "week": BULLETIN,
    "range": BULLETIN,
    "month": "Kết quả chỉ đạo, điều hành của UBND Thành phố {subject}",
    "quarter": "Tình hình, kết quả công tác chỉ đạo, điều hành của UBND Thành phố {subject}",
    "half": "Sơ kết công tác chỉ đạo, điều hành {subject}; nhiệm vụ trọng tâm {next}",
    "year": "Tổng kết công tác chỉ đạo, điều hành {subject}; nhiệm vụ trọng tâm {next}",
}
"""The trích yếu of each kind's own template."""
"""The fixture's records run over these two years."""


def per_day(d: date) -> int:
    """Documents received on ``d``: 1 to 5, varying from day to day."""
    return 1 + (d.toordinal() * 7 + d.month) % 5


def expected(start: date, end: date) -> int:
    total, d = 0, max(start, FIRST)
    while d <= min(end, LAST):
        total += per_day(d)
        d += timedelta(days=1)
    return total


def _fill(engine: Engine) -> None:
    rows = []
    d = FIRST
    while d <= LAST:
        rows += [
            {"id": f"{d.isoformat()}-{i}", "received_on": d, "unit": "U", "field": "kinh_te"}
            for i in range(per_day(d))
        ]
        d += timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(sa.insert(documents), rows)
        rollup.rebuild_scope(conn)


@pytest.fixture(scope="module")
def two_years(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('two-years') / 'baocao.sqlite'}"
    engine = open_store(url)
    _fill(engine)
    engine.dispose()
    return url


@dataclass(frozen=True)
class Case:
    text: str
    cutoff: bool
    convention: str
    current: tuple[date, date]
    previous: tuple[date, date]
    last_year: tuple[date, date]
    year_to_date: tuple[date, date]
    opening: str
    subject: str
    file: str
    labels: tuple[str, str]
    """The trend's first and last labels (12 points)."""


CASES = [
    Case(
        "2021-03", False, "monday-to-monday",
        (D(2021, 3, 1), D(2021, 3, 31)), (D(2021, 2, 1), D(2021, 2, 28)),
        (D(2020, 3, 1), D(2020, 3, 31)), (D(2021, 1, 1), D(2021, 3, 31)),
        "Trong tháng 3/2021", "tháng 3/2021", "BC-thang-2021-03.docx", ("Tháng 4/2020", "Tháng 3/2021"),
    ),
    Case(
        "2021-03", True, "monday-to-monday",
        (D(2021, 2, 15), D(2021, 3, 14)), (D(2021, 1, 15), D(2021, 2, 14)),
        (D(2020, 2, 15), D(2020, 3, 14)), (D(2020, 12, 15), D(2021, 3, 14)),
        "Trong tháng 3/2021", "tháng 3/2021 (số liệu từ ngày 15/02 đến ngày 14/3/2021)",
        "BC-thang-2021-03.docx", ("Tháng 4/2020", "Tháng 3/2021"),
    ),
    Case(
        "2021-Q1", False, "monday-to-monday",
        (D(2021, 1, 1), D(2021, 3, 31)), (D(2020, 10, 1), D(2020, 12, 31)),
        (D(2020, 1, 1), D(2020, 3, 31)), (D(2021, 1, 1), D(2021, 3, 31)),
        "Trong quý I/2021", "quý I/2021", "BC-quy-2021-Q1.docx", ("Quý II/2018", "Quý I/2021"),
    ),
    Case(
        "2021-Q1", True, "monday-to-monday",
        (D(2020, 12, 15), D(2021, 3, 14)), (D(2020, 9, 15), D(2020, 12, 14)),
        (D(2019, 12, 15), D(2020, 3, 14)), (D(2020, 12, 15), D(2021, 3, 14)),
        "Trong quý I/2021", "quý I/2021 (số liệu từ ngày 15/12/2020 đến ngày 14/3/2021)",
        "BC-quy-2021-Q1.docx", ("Quý II/2018", "Quý I/2021"),
    ),
    Case(
        "2021-H1", False, "monday-to-monday",
        (D(2021, 1, 1), D(2021, 6, 30)), (D(2020, 7, 1), D(2020, 12, 31)),
        (D(2020, 1, 1), D(2020, 6, 30)), (D(2021, 1, 1), D(2021, 6, 30)),
        "Trong 6 tháng đầu năm 2021", "6 tháng đầu năm 2021", "BC-6thang-2021-H1.docx",
        ("6 tháng cuối năm 2015", "6 tháng đầu năm 2021"),
    ),
    Case(
        "2021-H2", True, "monday-to-monday",
        (D(2021, 6, 15), D(2021, 12, 14)), (D(2020, 12, 15), D(2021, 6, 14)),
        (D(2020, 6, 15), D(2020, 12, 14)), (D(2020, 12, 15), D(2021, 12, 14)),
        "Trong 6 tháng cuối năm 2021",
        "6 tháng cuối năm 2021 (số liệu từ ngày 15/6 đến ngày 14/12/2021)",
        "BC-6thang-2021-H2.docx", ("6 tháng đầu năm 2016", "6 tháng cuối năm 2021"),
    ),
    Case(
        "2021", False, "monday-to-monday",
        (D(2021, 1, 1), D(2021, 12, 31)), (D(2020, 1, 1), D(2020, 12, 31)),
        (D(2020, 1, 1), D(2020, 12, 31)), (D(2021, 1, 1), D(2021, 12, 31)),
        "Trong năm 2021", "năm 2021", "BC-nam-2021.docx", ("2010", "2021"),
    ),
    Case(
        "2021", True, "monday-to-monday",
        (D(2020, 12, 15), D(2021, 12, 14)), (D(2019, 12, 15), D(2020, 12, 14)),
        (D(2019, 12, 15), D(2020, 12, 14)), (D(2020, 12, 15), D(2021, 12, 14)),
        "Trong năm 2021", "năm 2021 (số liệu từ ngày 15/12/2020 đến ngày 14/12/2021)",
        "BC-nam-2021.docx", ("2010", "2021"),
    ),
    Case(
        "2021-W11", False, "monday-to-monday",
        (D(2021, 3, 15), D(2021, 3, 22)), (D(2021, 3, 8), D(2021, 3, 15)),
        (D(2020, 3, 16), D(2020, 3, 23)), (D(2021, 1, 1), D(2021, 3, 22)),
        "Tuần qua (15/3-22/3/2021)", "từ ngày 15/3 đến ngày 22/3/2021",
        "BC-tuan-2021-03-15_2021-03-22.docx", ("Tuần 53", "Tuần 11"),
    ),
    Case(
        "2021-W11", True, "iso",
        (D(2021, 3, 15), D(2021, 3, 21)), (D(2021, 3, 8), D(2021, 3, 14)),
        (D(2020, 3, 16), D(2020, 3, 22)), (D(2020, 12, 15), D(2021, 3, 21)),
        "Tuần qua (15/3-21/3/2021)", "từ ngày 15/3 đến ngày 21/3/2021",
        "BC-tuan-2021-03-15_2021-03-21.docx", ("Tuần 53", "Tuần 11"),
    ),
    Case(
        "2021-03-10..2021-03-19", False, "monday-to-monday",
        (D(2021, 3, 10), D(2021, 3, 19)), (D(2021, 2, 28), D(2021, 3, 9)),
        (D(2020, 3, 10), D(2020, 3, 19)), (D(2021, 1, 1), D(2021, 3, 19)),
        "Từ ngày 10/3 đến ngày 19/3/2021", "từ ngày 10/3 đến ngày 19/3/2021",
        "BC-ky-2021-03-10_2021-03-19.docx", ("20/11", "10/3"),
    ),
    Case(
        "2021-12-20..2021-12-29", True, "monday-to-monday",
        (D(2021, 12, 20), D(2021, 12, 29)), (D(2021, 12, 10), D(2021, 12, 19)),
        (D(2020, 12, 20), D(2020, 12, 29)), (D(2021, 12, 15), D(2021, 12, 29)),
        "Từ ngày 20/12 đến ngày 29/12/2021", "từ ngày 20/12 đến ngày 29/12/2021",
        "BC-ky-2021-12-20_2021-12-29.docx", ("01/9", "20/12"),
    ),
]  # fmt: skip
IDS = [f"{c.text}-{'cut-off' if c.cutoff else 'calendar'}-{c.convention}" for c in CASES]


def office(tmp_path: Path, url: str, case: Case) -> Settings:
    mode = "cut-off" if case.cutoff else "calendar"
    return settings_from_mapping(
        {
            "database": {"url": url},
            "paths": {"templates": str(PROJECT_ROOT / "templates"), "output": str(tmp_path)},
            "report": {"week_convention": case.convention},
            "periods": {"month": mode, "quarter": mode, "half": mode, "year": mode},
        },
        base_dir=tmp_path,
        environ={},
    )


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_figures_and_comparisons(case: Case, two_years: str, tmp_path: Path) -> None:
    settings = office(tmp_path, two_years, case)
    period = parse_period(case.text, settings.periods.cutoffs, case.convention)
    engine = open_store(two_years)
    with engine.connect() as conn:
        fs = figure_set(conn, period, None, 12)
    engine.dispose()
    got = {k: (p.start, p.end) for k, p in period.comparisons().items()}
    assert got == {
        "current": case.current,
        "previous": case.previous,
        "last_year": case.last_year,
        "year_to_date": case.year_to_date,
    }
    assert fs.current.documents_received == expected(*case.current)
    assert fs.previous.documents_received == expected(*case.previous)
    assert fs.last_year.documents_received == expected(*case.last_year)
    assert fs.year_to_date.documents_received == expected(*case.year_to_date)
    points = fs.trend_points()
    assert len(points) == 12 and points[-1][0] == period
    for p, f in points:
        if p.end < FIRST:
            assert f is None  # before the first record: a gap, not a zero
        else:
            assert f is not None and f.documents_received == expected(p.start, p.end)
    # each point is the previous period of the next one: steps of the kind
    assert all(a == b.previous() for (a, _), (b, _) in zip(points, points[1:], strict=False))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_report_wording_and_file_name(case: Case, two_years: str, tmp_path: Path) -> None:
    settings = office(tmp_path, two_years, case)
    period = parse_period(case.text, settings.periods.cutoffs, case.convention)
    engine = open_store(two_years)
    report, paths = generate(
        engine, settings, period, formats=("docx",), out_dir=tmp_path, issued_on=D(2022, 1, 5)
    )
    engine.dispose()
    assert [p.name for p in paths] == [case.file]
    document = docx.Document(str(paths[0]))
    texts = [p.text for p in document.paragraphs]
    # each kind has its own trích yếu (issue 19: a template per kind, its own structure)
    following = period_name(period.following())
    assert texts[1] == SUBJECT_LINES[period.kind].format(subject=case.subject, next=following)
    n = f"{expected(*case.current):,}".replace(",", ".")
    opening = [t for t in texts if t.startswith(f"{case.opening}, UBND Thành phố")]
    assert opening and opening[0].startswith(
        f"{case.opening}, UBND Thành phố đã tiếp nhận, xử lý công việc tại {n} văn bản"
    )
    # no directive in the fixture: no "cụ thể:" with nothing after it, no empty section II
    assert opening[0].endswith("điều hành trên các lĩnh vực.")
    assert not any(t.startswith(("II. MỘT SỐ HOẠT ĐỘNG", "2. Một số hoạt động")) for t in texts)
    # the table takes the highlights' number: section II of a week, part 2 of a longer report
    table = "II. SỐ LIỆU TỔNG HỢP" if period.kind in ("week", "range") else "2. Số liệu tổng hợp"
    assert table in texts
    labels = _chart_labels(paths[0])
    # issue 19: only the periods that have data, none ending before the first record (FIRST)
    with_data = [p for p in period.trend(12) if p.end >= FIRST]
    assert labels == [trend_label(p) for p in with_data] and labels[-1] == case.labels[1]
    assert len(labels) < 12 or labels[0] == case.labels[0]
    assert report.period == period


def _chart_labels(path: Path) -> list[str]:
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        chart = z.read("word/charts/chart1.xml").decode()
    first_series = chart.split("</c:ser>")[0]
    cat = first_series.split("<c:cat>")[1].split("</c:cat>")[0]
    return re.findall(r"<c:v>([^<]*)</c:v>", cat)


def test_section_three_names_the_periods(two_years: str, tmp_path: Path) -> None:
    settings = office(tmp_path, two_years, CASES[0])
    period = parse_period("2021-03", {}, "monday-to-monday")
    engine = open_store(two_years)
    _, paths = generate(engine, settings, period, formats=("docx",), out_dir=tmp_path)
    engine.dispose()
    document = docx.Document(str(paths[0]))
    headings = [c.text for c in document.tables[1].rows[0].cells]
    assert headings == [
        "Chỉ tiêu",
        "Tháng 3/2021",
        "Tháng 2/2021",
        "%\u00a0so với kỳ trước",  # issue 19: was the absolute "Tăng/giảm"
        "Cùng kỳ tháng 3/2020",
        "%\u00a0so với cùng kỳ",
        "Lũy kế từ đầu năm",
    ]
    texts = [p.text for p in document.paragraphs]
    assert (
        "Số liệu tháng 3/2021 so với kỳ trước (tháng 2/2021), cùng kỳ năm trước (tháng 3/2020) "
        "và lũy kế (01/01-31/3/2021):" in texts
    )
    assert "Xu hướng 12 tháng gần nhất:" in texts


def test_gaps_before_the_first_record_are_left_out_of_the_chart(
    two_years: str, tmp_path: Path
) -> None:
    settings = office(tmp_path, two_years, CASES[2])
    period = parse_period("2021-Q1", {}, "monday-to-monday")
    engine = open_store(two_years)
    _, paths = generate(engine, settings, period, formats=("docx",), out_dir=tmp_path)
    engine.dispose()
    import zipfile

    with zipfile.ZipFile(paths[0]) as z:
        chart = z.read("word/charts/chart1.xml").decode()
    documents_series = chart.split("</c:ser>")[0].split("<c:val>")[1]
    # 12 quarters from quý II/2018: the first 7 end before 1/1/2020 and are not on the chart
    # at all (issue 19: a chart shows only the periods that have data)
    assert '<c:ptCount val="5"/>' in documents_series
    assert all(f'<c:pt idx="{i}">' in documents_series for i in range(5))
    assert "Quý I/2020" in chart and "Quý IV/2019" not in chart
    # the fixture has no dossiers, petitions or directives: only the documents series is named
    assert chart.count("<c:ser>") == 1 and "Hồ sơ TTHC" not in chart


def test_from_to_spanning_a_month_is_that_month(two_years: str) -> None:
    r = run("figures", "--from", "2021-03-01", "--to", "2021-03-31", "--json", db=two_years)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["kind"] == "month" and data["name"] == "tháng 3/2021"
    assert data["periods"]["previous"] == {"from": "2021-02-01", "to": "2021-02-28"}
    assert data["figures"]["current"]["documents_received"] == expected(
        D(2021, 3, 1), D(2021, 3, 31)
    )
    assert [t["label"] for t in data["trend"]][-2:] == ["Tháng 2/2021", "Tháng 3/2021"]


def test_period_option_and_its_errors(two_years: str) -> None:
    r = run("figures", "--period", "2021-Q1", "--json", db=two_years)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["periods"]["current"] == {"from": "2021-01-01", "to": "2021-03-31"}
    assert data["trend"][0] == {
        "from": "2018-04-01", "to": "2018-06-30", "label": "Quý II/2018", "figures": None
    }  # fmt: skip
    r = run("figures", "--period", "2021-Q5", db=two_years)
    assert r.returncode == 2
    assert r.stderr == (
        "Lỗi: --period: không hiểu kỳ '2021-Q5'; viết 2021-03 (tháng), 2021-Q1 (quý), "
        "2021-H1 (6 tháng), 2021 (năm), 2021-W11 (tuần) hoặc 2021-03-15..2021-03-22\n"
    )
    r = run("figures", "--period", "2021-13", db=two_years)
    assert r.stderr == "Lỗi: --period: không có tháng 13 (2021-13)\n"
    r = run("figures", "--period", "2021-03", "--from", "2021-03-01", db=two_years)
    assert r.stderr == "Lỗi: dùng --period hoặc --from/--to, không dùng cả hai\n"
    r = run("figures", db=two_years)
    assert r.returncode == 2
    assert r.stderr == (
        "Lỗi: cần chọn kỳ báo cáo: --period 2021-03 (hoặc 2021-Q1, 2021-H1, 2021, 2021-W11) "
        "hoặc --from 2021-03-15 --to 2021-03-22\n"
    )


def test_a_comparison_before_the_first_record_reads_a_dash(two_years: str, tmp_path: Path) -> None:
    settings = office(tmp_path, two_years, CASES[0])
    period = parse_period("2020-03", {}, "monday-to-monday")
    engine = open_store(two_years)
    _, paths = generate(engine, settings, period, formats=("docx",), out_dir=tmp_path)
    engine.dispose()
    row = [c.text for c in docx.Document(str(paths[0])).tables[1].rows[1].cells]
    n = f"{expected(D(2020, 3, 1), D(2020, 3, 31)):,}".replace(",", ".")
    before = f"{expected(D(2020, 2, 1), D(2020, 2, 29)):,}".replace(",", ".")
    # March 2019 is before the first record: "-", not "0"; February 2020 is known
    assert row[:3] == ["Văn bản hành chính tiếp nhận, xử lý", n, before]
    assert row[4] == "-"


def test_generate_with_a_period_names_the_file_by_its_kind(two_years: str, tmp_path: Path) -> None:
    r = run(
        "generate", "--period", "2021-H1", "--format", "docx", "--out", str(tmp_path),
        "--date", "2021-07-05", db=two_years,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"{tmp_path / 'BC-6thang-2021-H1.docx'}\n"
    texts = [p.text for p in docx.Document(str(tmp_path / "BC-6thang-2021-H1.docx")).paragraphs]
    # the chart shows 2020-H1, 2020-H2 and 2021-H1: the periods that have data (issue 19)
    assert "Xu hướng 3 kỳ 6 tháng gần nhất:" in texts
