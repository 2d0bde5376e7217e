"""The figures table's columns and the trend chart by period kind (issue 19), on a real store
whose first record is on 1/7/2019: no column that repeats another, no year to date for a year,
a first half-year or a stock figure, the two "% so với …" columns in the Word table with values
counted here directly from the records, and charts that start at the first record."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from datetime import date, timedelta
from pathlib import Path

import docx
import openpyxl
import pytest
import sqlalchemy as sa

from reports.core.period_pick import parse_period
from reports.produce.pipeline import generate
from reports.render.pdf import convert_to_pdf
from reports.settings.load import PROJECT_ROOT, Settings, settings_from_mapping
from reports.store import rollup
from reports.store.db import open_store
from reports.store.schema import documents, dossiers
from tests.conftest import need
from tests.test_cli import run

D = date
FIRST, LAST = D(2019, 7, 1), D(2021, 12, 31)


def _documents_on(d: date) -> int:
    return 3 + (d.toordinal() * 7) % 11 + (d.month % 4)


def _dossier(d: date, i: int) -> tuple[str, date, date, date | None]:
    """Received on ``d``, due 10 days later, returned after 2-17 days (a few never)."""
    k = (d.toordinal() + 5 * i) % 19
    returned = None if k == 18 else d + timedelta(days=2 + k % 16)
    return f"HS-{d.isoformat()}-{i}", d, d + timedelta(days=10), returned


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


DOSSIERS = [_dossier(d, i) for d in _days(FIRST, LAST) for i in range(1 + d.day % 3)]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('columns') / 'baocao.sqlite'}"
    engine = open_store(url)
    docs = [
        {"id": f"VB-{d.isoformat()}-{i}", "received_on": d, "unit": "U", "field": "kinh_te"}
        for d in _days(FIRST, LAST)
        for i in range(_documents_on(d))
    ]
    files = [
        {"id": i, "received_on": r, "due_on": due, "returned_on": ret, "unit": "U"}
        for i, r, due, ret in DOSSIERS
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(documents), docs)
        conn.execute(sa.insert(dossiers), files)
        rollup.rebuild_scope(conn)
    engine.dispose()
    return url


def _settings(tmp_path: Path, url: str) -> Settings:
    return settings_from_mapping(
        {
            "database": {"url": url},
            "paths": {"templates": str(PROJECT_ROOT / "templates"), "output": str(tmp_path)},
            "report": {"week_convention": "monday-to-monday"},
        },
        base_dir=tmp_path,
        environ={},
    )


def _generate(
    url: str, tmp_path: Path, text: str, formats: tuple[str, ...] = ("docx",)
) -> list[Path]:
    settings = _settings(tmp_path, url)
    period = parse_period(text, settings.periods.cutoffs, "monday-to-monday")
    engine = open_store(url)
    try:
        _, paths = generate(engine, settings, period, formats=formats, out_dir=tmp_path)
    finally:
        engine.dispose()
    return paths


def _table(path: Path) -> list[list[str]]:
    """The figures table (the grid table whose first heading is "Chỉ tiêu")."""
    for table in docx.Document(str(path)).tables:
        rows = [[c.text for c in row.cells] for row in table.rows]
        if rows and rows[0][0] == "Chỉ tiêu":
            return rows
    raise AssertionError("no figures table")


def _row(rows: list[list[str]], label: str) -> dict[str, str]:
    row = next(r for r in rows if r[0] == label)
    return dict(zip(rows[0], row, strict=True))


# --- counted here from the records, and written as the report writes them -----------------


def _docs(start: date, end: date) -> int:
    return sum(_documents_on(d) for d in _days(start, end))


def _on_time_rate(start: date, end: date) -> float:
    back = [(ret, due) for _, _, due, ret in DOSSIERS if ret is not None and start <= ret <= end]
    return sum(ret <= due for ret, due in back) / len(back)


def _in_progress(start: date, end: date) -> int:
    received = [ret for _, r, _, ret in DOSSIERS if start <= r <= end]
    return sum(ret is None or ret > end for ret in received)


def _vi(x: float, decimals: int) -> str:
    whole, _, frac = f"{x:,.{decimals}f}".partition(".")
    return whole.replace(",", ".") + ("," + frac if frac else "")


def _ratio(cur: float, base: float) -> str:
    x = (cur - base) / base * 100
    return ("+" if x > 0 else "-" if x < 0 else "") + _vi(abs(x), 1) + "%"


def _points(cur: float, base: float) -> str:
    x = round((cur - base) * 100, 10)
    return ("+" if x > 0 else "-" if x < 0 else "") + _vi(abs(x), 1) + "\u00a0điểm\u00a0%"


DOCS, RATE, STOCK = (
    "Văn bản hành chính tiếp nhận, xử lý",
    "Tỷ lệ đúng hạn (hồ sơ trả kết quả trong kỳ)",
    "Hồ sơ đang giải quyết",
)


def _columns(rows: list[list[str]]) -> list[tuple[str, ...]]:
    return [tuple(r[i] for r in rows[1:]) for i in range(1, len(rows[0]))]


def test_a_year_has_no_repeated_column_and_no_year_to_date(store: str, tmp_path: Path) -> None:
    rows = _table(_generate(store, tmp_path, "2021")[0])
    # the previous year *is* the same period last year, and the year *is* its year to date
    assert rows[0] == ["Chỉ tiêu", "Năm 2021", "Năm 2020", "%\u00a0so với kỳ trước"]
    columns = _columns(rows)
    assert len(set(columns)) == len(columns)  # no column repeats another
    docs = _row(rows, DOCS)
    cur, prev = _docs(D(2021, 1, 1), D(2021, 12, 31)), _docs(D(2020, 1, 1), D(2020, 12, 31))
    assert docs["Năm 2021"] == _vi(cur, 0) and docs["Năm 2020"] == _vi(prev, 0)
    assert docs["%\u00a0so với kỳ trước"] == _ratio(cur, prev)


def test_the_first_half_has_no_year_to_date_and_the_second_has_one(
    store: str, tmp_path: Path
) -> None:
    first = _table(_generate(store, tmp_path / "h1", "2021-H1")[0])
    assert not any(h.startswith("Lũy kế") for h in first[0])
    assert "Cùng kỳ 6 tháng đầu năm 2020" in first[0]
    second = _table(_generate(store, tmp_path / "h2", "2021-H2")[0])
    assert second[0][-1] == "Lũy kế từ đầu năm"
    ytd = _docs(D(2021, 1, 1), D(2021, 12, 31))
    assert _row(second, DOCS)["Lũy kế từ đầu năm"] == _vi(ytd, 0)
    # a stock (dossiers still in progress at the end) has no year to date at all
    stock = _row(second, STOCK)
    assert stock["Lũy kế từ đầu năm"] == ""
    assert stock["6 tháng cuối năm 2021"] == _vi(_in_progress(D(2021, 7, 1), D(2021, 12, 31)), 0)


def test_the_word_table_has_both_change_columns_counted_from_the_records(
    store: str, tmp_path: Path
) -> None:
    rows = _table(_generate(store, tmp_path, "2021-03")[0])
    assert rows[0] == [
        "Chỉ tiêu",
        "Tháng 3/2021",
        "Tháng 2/2021",
        "%\u00a0so với kỳ trước",
        "Cùng kỳ tháng 3/2020",
        "%\u00a0so với cùng kỳ",
        "Lũy kế từ đầu năm",
    ]
    march, feb, march_2020 = (
        (D(2021, 3, 1), D(2021, 3, 31)),
        (D(2021, 2, 1), D(2021, 2, 28)),
        (D(2020, 3, 1), D(2020, 3, 31)),
    )
    docs = _row(rows, DOCS)
    assert docs["%\u00a0so với kỳ trước"] == _ratio(_docs(*march), _docs(*feb))
    assert docs["%\u00a0so với cùng kỳ"] == _ratio(_docs(*march), _docs(*march_2020))
    rate = _row(rows, RATE)  # a rate's change in percentage points, unbroken
    assert rate["Tháng 3/2021"] == _vi(_on_time_rate(*march) * 100, 1) + "%"
    assert rate["%\u00a0so với kỳ trước"] == _points(_on_time_rate(*march), _on_time_rate(*feb))
    assert rate["%\u00a0so với cùng kỳ"] == _points(
        _on_time_rate(*march), _on_time_rate(*march_2020)
    )
    assert _row(rows, STOCK)["Lũy kế từ đầu năm"] == ""


def _chart_labels(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        chart = z.read("word/charts/chart1.xml").decode()
    cat = chart.split("</c:ser>")[0].split("<c:cat>")[1].split("</c:cat>")[0]
    return re.findall(r"<c:v>([^<]*)</c:v>", cat)


def test_charts_start_at_the_first_record(store: str, tmp_path: Path) -> None:
    """The first record is on 1/7/2019: a chart of December 2019 starts with July."""
    docx_path, xlsx_path = _generate(store, tmp_path, "2019-12", ("docx", "xlsx"))
    months = [f"Tháng {m}/2019" for m in range(7, 13)]
    assert _chart_labels(docx_path) == months
    trend = openpyxl.load_workbook(xlsx_path)["Xu hướng"]
    assert [r[0].value for r in trend.iter_rows(min_row=2)] == months
    quarter = _generate(store, tmp_path / "q", "2019-Q4")[0]
    assert _chart_labels(quarter) == ["Quý III/2019", "Quý IV/2019"]
    half = _generate(store, tmp_path / "h", "2020-H1")[0]
    assert _chart_labels(half) == ["6 tháng cuối năm 2019", "6 tháng đầu năm 2020"]


@pytest.mark.parametrize("text", ["2021-03", "2021-W12"])
def test_the_table_prints_whole_in_the_pdf(text: str, store: str, tmp_path: Path) -> None:
    """Through LibreOffice: the seven columns fit, "+x,x điểm %" and the dates stay whole
    (a week's headings "22/3-29/3/2021" are the widest)."""
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
    need(shutil.which("pdftotext") is not None, "poppler-utils (pdftotext) not installed")
    pdf = convert_to_pdf(_generate(store, tmp_path, text)[0], tmp_path / "pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"[+-]\d+,\d\s+điểm\s+%", text)  # on one line
    assert not re.search(r"(^|\s)%\s*$", text, re.M)  # "%" never alone on a line
    assert not re.search(r"điểm\s*$", text, re.M)
    dates = re.findall(r"\d{1,2}/\d{1,2}/\d+", text)
    assert dates and all(len(d.rsplit("/", 1)[1]) == 4 for d in dates), dates


def test_figures_on_the_terminal_and_in_json_repeat_no_column(store: str) -> None:
    r = run("figures", "--period", "2021", db=store)
    assert r.returncode == 0, r.stderr
    heads = [c.strip() for c in r.stdout.splitlines()[0].split("  ") if c.strip()]
    assert heads == ["Chỉ tiêu", "Năm 2021", "Năm 2020"]
    r = run("figures", "--period", "2021-H2", "--json", db=store)
    assert r.returncode == 0, r.stderr
    ytd = json.loads(r.stdout)["figures"]["year_to_date"]
    assert ytd["dossiers_in_progress"] is None and ytd["dossiers_overdue_open"] is None
    assert ytd["documents_received"] == _docs(D(2021, 1, 1), D(2021, 12, 31))


def test_the_comparisons_are_named_once() -> None:
    """For templates (``so_sanh_so_lieu``): a year's previous period is named once and a period
    that starts the year has no "lũy kế"."""
    from reports.compose.period_words import comparisons_phrase

    def phrase(text: str) -> str:
        return comparisons_phrase(parse_period(text, {}, "monday-to-monday"))

    assert phrase("2021") == "so với cùng kỳ năm trước (năm 2020)"
    assert phrase("2021-H1") == (
        "so với kỳ trước (6 tháng cuối năm 2020) và cùng kỳ năm trước (6 tháng đầu năm 2020)"
    )
    assert phrase("2021-03") == (
        "so với kỳ trước (tháng 2/2021), cùng kỳ năm trước (tháng 3/2020) "
        "và lũy kế (01/01-31/3/2021)"
    )
