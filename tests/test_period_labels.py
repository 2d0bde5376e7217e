"""The period's kind and labels wherever a period is named: week detection of ``--from/--to``,
the mail body, the workbook and ``baocao figures`` (issue #10, second part)."""

from __future__ import annotations

import json
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import docx
import pytest

from reports.core.model import Figures
from reports.core.periods import ReportPeriod, classify, month_period, quarter_period
from reports.deliver import mail
from reports.sample.city import write_sample
from reports.settings.load import Settings
from reports.sources.importer import import_files
from reports.store.db import open_store
from tests.test_cli import run
from tests.test_docx import FIGURES_PARAGRAPH

D = date
ORDER = ["units", "documents", "dossiers", "receptions", "petitions", "directives", "highlights"]
MM = "monday-to-monday"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample records around the reference week, imported into a SQLite file."""
    folder = tmp_path_factory.mktemp("sample")
    files = write_sample(folder, start=D(2020, 8, 1), end=D(2020, 10, 15))
    url = f"sqlite:///{folder / 'baocao.sqlite'}"
    engine = open_store(url)
    import_files(engine, [files[k] for k in ORDER])
    engine.dispose()
    return url


# --- 1. which ranges are weeks ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "convention", "kind"),
    [
        (D(2020, 9, 21), D(2020, 9, 28), MM, "week"),  # the reference week, Monday to Monday
        (D(2020, 9, 21), D(2020, 9, 27), MM, "range"),  # Monday to Sunday: not this office's
        (D(2020, 9, 21), D(2020, 9, 27), "iso", "week"),
        (D(2020, 9, 21), D(2020, 9, 28), "iso", "range"),
        (D(2020, 9, 23), D(2020, 9, 30), MM, "range"),  # Wednesday to Wednesday, 8 days
        (D(2020, 9, 23), D(2020, 9, 29), MM, "range"),  # Wednesday to Tuesday, 7 days
        (D(2020, 9, 23), D(2020, 9, 29), "iso", "range"),
    ],
)
def test_only_the_offices_week_shape_is_a_week(
    start: date, end: date, convention: str, kind: str
) -> None:
    period = classify(start, end, {}, convention)
    assert period.kind == kind
    if kind == "range":  # the previous period: the same length, just before
        days = (end - start).days + 1
        before = period.previous()
        assert (before.end, before.days) == (D.fromordinal(start.toordinal() - 1), days)


def test_without_a_convention_either_monday_shape_is_a_week() -> None:
    # periods read back from the ledger by their days alone, or a caller without settings
    assert classify(D(2020, 9, 21), D(2020, 9, 28), {}).kind == "week"
    assert classify(D(2020, 9, 21), D(2020, 9, 27), {}).kind == "week"
    assert classify(D(2020, 9, 23), D(2020, 9, 29), {}).kind == "range"
    assert ReportPeriod(D(2020, 9, 23), D(2020, 9, 30)).kind == "range"


def test_a_wednesday_range_through_the_cli_is_a_plain_range(sample_db: str, tmp_path: Path) -> None:
    r = run("figures", "--from", "2020-09-23", "--to", "2020-09-29", "--json", db=sample_db)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["kind"] == "range" and data["name"] == "từ ngày 23/9 đến ngày 29/9/2020"
    assert data["periods"]["previous"] == {"from": "2020-09-16", "to": "2020-09-22"}
    r = run(
        "generate", "--from", "2020-09-23", "--to", "2020-09-29", "--format", "docx",
        "--out", str(tmp_path), db=sample_db,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    path = tmp_path / "BC-ky-2020-09-23_2020-09-29.docx"
    assert r.stdout == f"{path}\n"
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    assert texts[1] == (
        "Kết quả chỉ đạo, điều hành nổi bật của UBND Thành phố từ ngày 23/9 đến ngày 29/9/2020"
    )
    assert any(t.startswith("Từ ngày 23/9 đến ngày 29/9/2020, UBND Thành phố đã") for t in texts)
    assert not any(t.startswith("Tuần qua") for t in texts)


def test_the_reference_week_through_the_cli_stays_word_for_word(
    sample_db: str, tmp_path: Path
) -> None:
    r = run(
        "generate", "--from", "2020-09-21", "--to", "2020-09-28", "--format", "docx",
        "--out", str(tmp_path), db=sample_db,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    path = tmp_path / "BC-tuan-2020-09-21_2020-09-28.docx"
    assert r.stdout == f"{path}\n"
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    assert FIGURES_PARAGRAPH in texts
    r = run("figures", "--from", "2020-09-21", "--to", "2020-09-28", "--json", db=sample_db)
    data = json.loads(r.stdout)
    assert data["kind"] == "week"
    assert data["periods"]["previous"] == {"from": "2020-09-14", "to": "2020-09-21"}


# --- 2. the mail body ------------------------------------------------------------------------


def _bodies(settings: Settings, period: ReportPeriod, tmp_path: Path) -> tuple[str, str]:
    report = tmp_path / "BC.docx"
    report.write_bytes(b"PK\x03\x04")
    msg: EmailMessage = mail.build_message(
        settings,
        recipient="lanhdao@ubnd.gov.vn",
        period=period,
        figures=Figures(documents_received=1406),
        previous=Figures(documents_received=1300),
        files=[report],
    )
    text = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    return text, html


@pytest.mark.parametrize(
    ("period", "sentence", "headings"),
    [
        (
            month_period(2021, 3),
            "Văn phòng gửi báo cáo kết quả chỉ đạo, điều hành tháng 3/2021.",
            "<th>Tháng 3/2021</th><th>Tháng 2/2021</th>",
        ),
        (
            month_period(2021, 3, cutoff=True),
            "Văn phòng gửi báo cáo kết quả chỉ đạo, điều hành tháng 3/2021 "
            "(số liệu từ ngày 15/02 đến ngày 14/3/2021).",
            "<th>Tháng 3/2021</th><th>Tháng 2/2021</th>",
        ),
        (
            quarter_period(2021, 1),
            "Văn phòng gửi báo cáo kết quả chỉ đạo, điều hành quý I/2021.",
            "<th>Quý I/2021</th><th>Quý IV/2020</th>",
        ),
        (
            ReportPeriod(D(2021, 3, 15), D(2021, 3, 22)),
            "Văn phòng gửi báo cáo kết quả chỉ đạo, điều hành từ ngày 15/3 đến ngày 22/3/2021.",
            "<th>15/3-22/3/2021</th><th>08/3-15/3/2021</th>",
        ),
    ],
    ids=["month", "month-cut-off", "quarter", "week"],
)
def test_the_mail_names_the_period_by_its_kind(
    settings: Settings, tmp_path: Path, period: ReportPeriod, sentence: str, headings: str
) -> None:
    text, html = _bodies(settings, period, tmp_path)
    assert text.splitlines()[2] == sentence
    assert f"<p>{sentence}</p>" in html
    assert f'<tr><th align="left">Chỉ tiêu</th>{headings}</tr>' in html


# --- 3. the workbook -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title", "days", "headings", "trend"),
    [
        (
            "2020-09",
            "tháng 9/2020",
            "01/9-30/9/2020",
            ["Tháng 9/2020", "Tháng 8/2020", "Cùng kỳ tháng 9/2019", "Lũy kế từ đầu năm"],
            [
                ("Tháng 8/2020", D(2020, 8, 1), D(2020, 8, 31)),
                ("Tháng 9/2020", D(2020, 9, 1), D(2020, 9, 30)),
            ],
        ),
        (
            "2020-Q3",
            "quý III/2020",
            "01/7-30/9/2020",
            ["Quý III/2020", "Quý II/2020", "Cùng kỳ quý III/2019", "Lũy kế từ đầu năm"],
            [
                ("Quý III/2020", D(2020, 7, 1), D(2020, 9, 30)),
                ("Quý III/2020", D(2020, 7, 1), D(2020, 9, 30)),
            ],
        ),
        (
            "2020-W39",
            "21/9-28/9/2020",
            "21/9-28/9/2020",
            ["21/9-28/9/2020", "14/9-21/9/2020", "Cùng kỳ 23/9-30/9/2019", "Lũy kế từ đầu năm"],
            [
                ("Tuần 31", D(2020, 7, 27), D(2020, 8, 3)),
                ("Tuần 39", D(2020, 9, 21), D(2020, 9, 28)),
            ],
        ),
    ],
    ids=["month", "quarter", "week"],
)
def test_the_workbook_names_the_periods_by_their_kind(
    sample_db: str,
    tmp_path: Path,
    text: str,
    title: str,
    days: str,
    headings: list[str],
    trend: list[tuple[str, date, date]],
) -> None:
    import openpyxl

    r = run(
        "generate", "--period", text, "--format", "xlsx", "--out", str(tmp_path), db=sample_db
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(r.stdout.strip())
    assert wb.properties.title == f"Báo cáo kết quả chỉ đạo, điều hành {title}"
    assert wb["Tổng hợp"]["A3"].value.startswith(f"Kỳ này: {days}; kỳ trước: ")
    summary = [c.value for c in wb["Tổng hợp"][5]]
    assert summary == ["Chỉ tiêu", "Đơn vị tính", headings[0], headings[1], "Tăng/giảm",
                       "Tăng/giảm (%)", headings[2], "So với cùng kỳ (%)", headings[3]]  # fmt: skip
    documents = [c.value for c in wb["Tổng hợp"][6]]
    assert documents[0] == "Văn bản hành chính tiếp nhận, xử lý" and isinstance(documents[2], int)
    assert documents[6] is None  # the same period of 2019: before the first record, not 0
    ws = wb["Xu hướng"]
    rows = [[c.value for c in row[:3]] for row in ws.iter_rows(min_row=2)]
    got = [(label, start.date(), end.date()) for label, start, end in (rows[0], rows[-1])]
    assert got == trend
    # issue 19: only the periods that have data, from the first record (1/8/2020) on
    assert all(isinstance(ws.cell(r, 4).value, int) for r in range(2, len(rows) + 2))


# --- 4. baocao figures -----------------------------------------------------------------------


def _table(*args: str, db: str) -> list[list[str]]:
    r = run("figures", *args, db=db)
    assert r.returncode == 0, r.stderr
    return [line.split("  ") for line in r.stdout.splitlines()]


def _cells(line: list[str]) -> list[str]:
    return [c.strip() for c in line if c.strip()]


def test_figures_table_headings_name_the_periods(sample_db: str) -> None:
    lines = _table("--period", "2020-09", db=sample_db)
    assert _cells(lines[0]) == [
        "Chỉ tiêu", "Tháng 9/2020", "Tháng 8/2020", "Cùng kỳ tháng 9/2019", "Lũy kế từ đầu năm"
    ]  # fmt: skip
    assert _cells(lines[1]) == [
        "01/9-30/9/2020", "01/8-31/8/2020", "01/9-30/9/2019", "01/01-30/9/2020"
    ]  # fmt: skip
    documents = _cells(lines[3])
    assert documents[0] == "Văn bản hành chính tiếp nhận, xử lý"
    # September 2019 is before the first record (1/8/2020): a dash, not a zero
    assert documents[3] == "-" and documents[1] != "-" and documents[2] != "-"
    week = _table("--from", "2020-09-21", "--to", "2020-09-28", db=sample_db)
    assert _cells(week[0]) == [
        "Chỉ tiêu", "21/9-28/9/2020", "14/9-21/9/2020", "Cùng kỳ 23/9-30/9/2019",
        "Lũy kế từ đầu năm",
    ]  # fmt: skip
    assert _cells(week[1]) == ["01/01-28/9/2020"]  # the week's headings already say their days
    r = run("figures", "--period", "2020-09-14..2020-09-21", "--json", db=sample_db)
    previous = json.loads(r.stdout)["figures"]["current"]["documents_received"]
    assert _cells(week[3])[1:3] == ["1.406", f"{previous:,}".replace(",", ".")]
