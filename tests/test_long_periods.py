"""Long periods summarised from the data (issue 19): a month, a quarter and a year over
thousands of directives stay about as long as a week's report, say no sentence twice, start
every sentence with a capital, and count the directives by kind of document exactly."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa

from reports.core.domain import FIELDS
from reports.core.period_pick import parse_period
from reports.produce.pipeline import generate
from reports.sample import words as w
from reports.settings.load import Settings
from reports.store import rollup
from reports.store.db import open_store
from reports.store.schema import directives, highlights
from tests.conftest import need

KINDS = {"QĐ-UBND": "quyết định", "KH-UBND": "kế hoạch", "CT-UBND": "chỉ thị",
         "TB-UBND": "thông báo", "UBND-KT": "công văn", "BC-UBND": "báo cáo"}  # fmt: skip
YEAR = 2021
PER_MONTH, HIGHLIGHTS_PER_MONTH = 2000, 120
MONTHS = (1, 2, 3, 6)  # the year: four busy months, the others empty (a quarter of 6,000)


def _fill(url: str) -> Counter[tuple[str, str]]:
    """2,000 directives and 120 highlights in each month of MONTHS; returns the count of
    directives by (field, kind) in March, taken from the rows themselves."""
    rng = random.Random(19)
    rows_d, rows_h = [], []
    march: Counter[tuple[str, str]] = Counter()
    for month in MONTHS:
        first = date(YEAR, month, 1)
        for i in range(PER_MONTH):
            day = first + timedelta(days=i % 28)
            field = rng.choice(list(FIELDS))
            suffix = rng.choice(list(KINDS))
            topic = rng.choice(w.TOPICS[field])
            # lower-case summaries, many of them the same sentence
            summary = f"{rng.choice(w.ACTIONS).lower()} {topic}{rng.choice(w.SCOPES)}".format(
                year=YEAR
            )
            rows_d.append(
                {
                    "id": f"D{month}-{i}",
                    "approved_on": day,
                    "field": field,
                    "summary": summary,
                    "number": f"{i + 1}/{suffix}",
                    "highlight": i % 25 == 0,
                }
            )
            if month == 3:
                march[(field, KINDS[suffix])] += 1
        for i in range(HIGHLIGHTS_PER_MONTH):
            day = first + timedelta(days=i % 28)
            body = "\n".join(
                [
                    f"Ngày {day.day:02d}/{day.month}/{YEAR}, UBND Thành phố chỉ đạo "
                    f"{rng.choice(w.TOPICS['kinh_te'])} (mục {month}.{i}).",
                    *rng.sample(w.FOLLOW_UPS, 2),
                ]
            )
            rows_h.append(
                {
                    "id": f"H{month}-{i}",
                    "date": day,
                    "title": f"{rng.choice(w.ACTIONS)} {rng.choice(w.TOPICS['do_thi'])} {i}",
                    "body": body,
                    "position": 1 + i % 4,
                }
            )
    engine = open_store(url)
    with engine.begin() as conn:
        conn.execute(sa.insert(directives), rows_d)
        conn.execute(sa.insert(highlights), rows_h)
        rollup.rebuild_scope(conn)
    engine.dispose()
    return march


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Counter[tuple[str, str]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('busy') / 'baocao.sqlite'}"
    return url, _fill(url)


def _paragraphs(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]


def _sentences(paragraphs: list[str]) -> list[str]:
    out = []
    for text in paragraphs:
        text = re.sub(r"^- Lĩnh vực [^:]+: ", "", text)
        out += [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 3]
    return out


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]


@pytest.mark.parametrize(("code", "limit"), [("2021-03", 12), ("2021-Q1", 16), ("2021", 20)])
def test_long_period_is_a_summary(
    busy: tuple[str, Counter[tuple[str, str]]],
    settings: Settings,
    tmp_path: Path,
    code: str,
    limit: int,
) -> None:
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
    need(shutil.which("pdfinfo") is not None, "poppler-utils (pdfinfo) not installed")
    url, _ = busy
    engine = open_store(url)
    try:
        _, paths = generate(
            engine,
            settings,
            parse_period(code, {}, "monday-to-monday"),
            formats=("docx", "pdf"),
            out_dir=tmp_path,
        )
    finally:
        engine.dispose()
    docx_path, pdf = paths
    assert _pages(pdf) <= limit
    paragraphs = _paragraphs(docx_path)
    # from section I (each kind's own heading: "I. KẾT QUẢ CHỈ ĐẠO, ĐIỀU HÀNH NỔI BẬT THÁNG 3/2021")
    body = paragraphs[next(i for i, p in enumerate(paragraphs) if p.startswith("I. ")) :]
    sentences = _sentences(body)
    repeated = [s for s, n in Counter(sentences).items() if n > 1]
    assert repeated == []
    lower = [s for s in sentences if s[0].isalpha() and not s[0].isupper()]
    assert lower == []
    # section II is in date order
    dates = [
        (int(m[3]), int(m[2]), int(m[1]))
        for m in (re.match(r"Ngày (\d+)/(\d+)/(\d{4})", p) for p in body)
        if m
    ]
    assert dates and dates == sorted(dates)


def test_counts_by_document_kind_equal_the_records(
    busy: tuple[str, Counter[tuple[str, str]]], settings: Settings, tmp_path: Path
) -> None:
    url, march = busy
    engine = open_store(url)
    try:
        report, _ = generate(
            engine,
            settings,
            parse_period("2021-03", {}, "monday-to-monday"),
            formats=("docx",),
            out_dir=tmp_path,
        )
    finally:
        engine.dispose()
    assert [line.field for line in report.field_lines] == list(FIELDS)
    for line in report.field_lines:
        said = re.match(r"Ban hành (.+?)\.", line.text)
        assert said is not None, line.text
        counts = {
            kind: int(n.replace(".", ""))
            for n, kind in re.findall(r"([\d.]+) ([^,\d]+?)(?:,| và |$)", said.group(1))
        }
        direct = {kind: n for (field, kind), n in march.items() if field == line.field}
        assert counts == direct
        assert line.directives == sum(direct.values())
