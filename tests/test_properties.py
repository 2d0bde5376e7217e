"""Properties of the periods and of the cell parsers, over many generated examples (Hypothesis;
the profile is in tests/conftest.py).

Periods: every kind comes back from its ``--period`` text, its label, its file name and its
ledger row; the previous period of the next one is the period; rebuilt from its two dates
(with the office's conventions) it is the same period. The ledger stores only the two dates
today: the kind is classified back from the office's conventions (issue 18 adds a ``kind``
column). Cells: what a parser accepts formats back to what was written; what it refuses, the
import names by its column.
"""

from __future__ import annotations

import csv
import itertools
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from reports.core.errors import InvalidRowsError
from reports.core.files import period_of_file_name, report_file_name
from reports.core.period_names import period_label, period_of_label
from reports.core.period_pick import parse_period
from reports.core.periods import (
    CUTOFF_KINDS,
    KINDS,
    ReportPeriod,
    classify,
    half_period,
    month_period,
    quarter_period,
    week_days,
    week_period,
    year_period,
)
from reports.runs import ledger
from reports.sources import values as v
from reports.sources.importer import import_files
from reports.store.db import open_store

CONVENTIONS = ("monday-to-monday", "iso")
YEARS = st.integers(1901, 2997)


def ident(p: ReportPeriod) -> tuple[object, ...]:
    """Everything a period is: its days and kind, whether cut off, its year and number."""
    return (p.start, p.end, p.kind, p.cutoff, p.year, p.index)


@st.composite
def offices(draw: st.DrawFn) -> tuple[dict[str, bool], str]:
    """An office's conventions: which kinds it cuts off, and its week."""
    cutoffs = {kind: draw(st.booleans()) for kind in CUTOFF_KINDS}
    return cutoffs, draw(st.sampled_from(CONVENTIONS))


@st.composite
def periods(draw: st.DrawFn) -> tuple[ReportPeriod, dict[str, bool], str]:
    """A period of any kind, as the office with the conventions returned with it names it."""
    cutoffs, convention = draw(offices())
    kind = draw(st.sampled_from(KINDS))
    year = draw(YEARS)
    if kind == "week":
        monday = date.fromisocalendar(year, draw(st.integers(1, 52)), 1)
        period = week_period(monday, week_days(convention), cutoffs["year"])
    elif kind == "month":
        period = month_period(year, draw(st.integers(1, 12)), cutoffs["month"])
    elif kind == "quarter":
        period = quarter_period(year, draw(st.integers(1, 4)), cutoffs["quarter"])
    elif kind == "half":
        period = half_period(year, draw(st.integers(1, 2)), cutoffs["half"])
    elif kind == "year":
        period = year_period(year, cutoffs["year"])
    else:
        start = draw(st.dates(date(1901, 1, 1), date(2997, 12, 31)))
        length = draw(st.integers(1, 800))
        period = classify(start, start + timedelta(days=length - 1), cutoffs, convention)
        assume(period.kind == "range")  # a range that happens to be a month is a month
    return period, cutoffs, convention


@given(periods())
def test_a_period_comes_back_from_its_period_text(
    case: tuple[ReportPeriod, dict[str, bool], str],
) -> None:
    period, cutoffs, convention = case
    assert ident(parse_period(period.code(), cutoffs, convention)) == ident(period)


@given(periods())
def test_a_period_comes_back_from_its_label(
    case: tuple[ReportPeriod, dict[str, bool], str],
) -> None:
    period, cutoffs, convention = case
    back = period_of_label(period_label(period), cutoffs, convention)
    assert back is not None and ident(back) == ident(period), period_label(period)


@given(periods(), st.sampled_from(["docx", "xlsx", "pdf"]))
def test_a_period_comes_back_from_its_file_name(
    case: tuple[ReportPeriod, dict[str, bool], str], extension: str
) -> None:
    period, cutoffs, convention = case
    name = report_file_name(period, extension)
    back = period_of_file_name(name, cutoffs, convention)
    assert back is not None and ident(back) == ident(period), name


@given(periods())
def test_a_period_rebuilt_from_its_two_dates_is_the_same_period(
    case: tuple[ReportPeriod, dict[str, bool], str],
) -> None:
    period, cutoffs, convention = case
    assert ident(classify(period.start, period.end, cutoffs, convention)) == ident(period)
    assert period.rules is not None and period.rules.kind == period.kind


@given(periods())
def test_the_previous_of_the_next_period_is_the_period(
    case: tuple[ReportPeriod, dict[str, bool], str],
) -> None:
    period, _, _ = case
    following = period.following()
    assert following.start > period.start and following.kind == period.kind
    assert ident(following.previous()) == ident(period)
    assert ident(period.previous().following()) == ident(period)


@pytest.fixture(scope="module")
def ledger_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'baocao.sqlite'}")
    yield engine
    engine.dispose()


def test_a_period_comes_back_from_its_ledger_row(ledger_store: Engine) -> None:
    jobs = itertools.count()
    now = datetime(2020, 9, 28, 1, 0, tzinfo=UTC)

    @given(periods())
    def check(case: tuple[ReportPeriod, dict[str, bool], str]) -> None:
        period, cutoffs, convention = case
        claim = ledger.claim(
            ledger_store, f"job-{next(jobs)}", period, owner="test", now=now, lease_s=60
        )
        assert claim.run is not None
        stored = ledger.get(ledger_store, claim.run.id)
        assert stored is not None
        # the row holds the two dates; the kind comes from the office's conventions
        back = classify(stored.period.start, stored.period.end, cutoffs, convention)
        assert ident(back) == ident(period)

    check()


# --- cells ----------------------------------------------------------------------------------

DAYS = st.dates(date(1900, 3, 1), date(2999, 12, 31))
DATE_NOTATIONS = (
    lambda d: d.isoformat(),
    lambda d: f"{d.year}-{d.month}-{d.day}",
    lambda d: f"{d:%d/%m/%Y}",
    lambda d: f"{d.day}/{d.month}/{d.year}",
    lambda d: f"{d:%d.%m.%Y}",
    lambda d: f"{d:%d-%m-%Y}",
    lambda d: f"{d.isoformat()} 14:30",
    lambda d: f"{d.isoformat()}T08:05:59",
    lambda d: f"{d.isoformat()}T12:00:00+07:00",  # the zone was +08:00 before 1975: noon
    lambda d: f"{d:%d/%m/%Y} 7:45",
    lambda d: f"  {d:%d/%m/%Y}  ",
)


@given(DAYS, st.sampled_from(range(len(DATE_NOTATIONS))))
def test_a_date_in_every_accepted_notation_reads_back_as_written(day: date, which: int) -> None:
    text = DATE_NOTATIONS[which](day)
    assert v.parse_date(text) == day, text
    assert v.parse_date_iso(text) == day.isoformat()


@given(DAYS)
def test_a_date_cell_of_any_type_reads_back(day: date) -> None:
    serial = (datetime.combine(day, datetime.min.time()) - v.EXCEL_EPOCH).days
    assert v.parse_date(day) == day
    assert v.parse_date(datetime.combine(day, datetime.min.time())) == day
    assert v.parse_date(serial) == day
    assert v.parse_date(float(serial) + 0.5) == day  # noon of that day


@given(st.integers(1, v.MAX_INT))
def test_a_whole_number_reads_back_as_written(number: int) -> None:
    for cell in (number, float(number), str(number), f" {number} "):
        assert v.parse_positive_int(cell) == number
    assert str(v.parse_positive_int(str(number))) == str(number)


@given(
    st.one_of(
        st.integers(-(10**12), 0),
        st.integers(v.MAX_INT + 1, 10**15),
        st.text().filter(lambda t: not (t.strip().isascii() and t.strip().isdigit())),
    )
)
def test_what_is_not_a_positive_number_is_refused(cell: object) -> None:
    with pytest.raises(v.BadValue):
        v.parse_positive_int(cell)


def _spellings(word: str) -> st.SearchStrategy[str]:
    """``word`` as people type it: any case, spaces around."""
    return st.tuples(
        st.sampled_from([word, word.upper(), word.capitalize(), word.lower()]),
        st.sampled_from(["", " ", "  "]),
    ).map(lambda t: f"{t[1]}{t[0]}{t[1]}")


BOOL_WORDS = {
    True: ["1", "true", "có", "co", "x", "yes", "y", "đúng", "dung"],
    False: ["0", "false", "không", "khong", "no", "n", "sai", ""],
}


@given(st.booleans().flatmap(lambda b: st.tuples(st.just(b), st.sampled_from(BOOL_WORDS[b]))))
def test_a_yes_or_no_word_reads_back_as_its_value(case: tuple[bool, str]) -> None:
    value, word = case
    assert v.parse_bool(word) is value
    assert v.parse_bool(word.upper()) is value
    assert v.parse_bool(str(int(value))) is value  # formats back: 1/0 read as themselves
    assert v.parse_bool(value) is value


FIELD_WORDS = {
    "kinh_te": ["kinh tế", "Kinh tế", "kinh te", "KINH TẾ"],
    "do_thi": ["đô thị", "Đô thị", "do thi", "ĐÔ THỊ"],
    "van_hoa_xa_hoi": ["văn hóa - xã hội", "Văn hóa – xã hội", "van hoa xa hoi", "văn hoá-xã hội"],
    "noi_chinh": ["nội chính", "Nội chính", "noi chinh", "NỘI CHÍNH"],
}


@given(
    st.sampled_from(sorted(FIELD_WORDS)).flatmap(
        lambda c: st.tuples(st.just(c), st.sampled_from(FIELD_WORDS[c]))
    )
)
def test_a_field_word_reads_back_as_its_code(case: tuple[str, str]) -> None:
    code, words = case
    assert v.parse_field(words) == code
    assert v.parse_field(code) == code  # the code is what it formats back to
    assert v.parse_field(f"  {words.upper()} ") == code


def _refused(parse: object) -> st.SearchStrategy[str]:
    def bad(text: str) -> bool:
        try:
            parse(text)  # type: ignore[operator]
        except v.BadValue:
            return True
        return False

    return st.text(
        st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12
    ).filter(lambda t: t.strip() != "" and bad(t))


COLUMNS = {  # a documents row: the column, and what its cells must be
    "received_on": _refused(v.parse_date),
    "field": _refused(v.parse_field),
}
DOSSIER_COLUMNS = {
    "due_on": _refused(v.parse_date),
    "online": _refused(v.parse_bool),
}


@pytest.fixture(scope="module")
def unit_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    folder = tmp_path_factory.mktemp("refusals")
    engine = open_store(f"sqlite:///{folder / 'baocao.sqlite'}")
    units = folder / "units.csv"
    units.write_text("code,name,parent\nU1,Đơn vị một,\n", encoding="utf-8")
    import_files(engine, [units])
    yield engine
    engine.dispose()


def _import_refused(engine: Engine, name: str, row: dict[str, str]) -> str:
    with tempfile.TemporaryDirectory(prefix="baocao-prop-") as work:
        path = Path(work) / name
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(row))
            writer.writeheader()
            writer.writerow(row)
        with pytest.raises(InvalidRowsError) as info:
            import_files(engine, [path])
        return str(info.value)


def test_a_refused_cell_is_named_by_its_column(unit_store: Engine) -> None:
    @given(st.sampled_from(sorted(COLUMNS)).flatmap(lambda c: st.tuples(st.just(c), COLUMNS[c])))
    def documents(case: tuple[str, str]) -> None:
        column, cell = case
        row = {"id": "VB-1", "received_on": "2020-09-21", "unit": "U1", "field": "kinh_te",
               "summary": "Văn bản"}  # fmt: skip
        row[column] = cell
        message = _import_refused(unit_store, "documents.csv", row)
        assert f"documents.csv:2:{column}: " in message, message

    @given(
        st.sampled_from(sorted(DOSSIER_COLUMNS)).flatmap(
            lambda c: st.tuples(st.just(c), DOSSIER_COLUMNS[c])
        )
    )
    def dossiers(case: tuple[str, str]) -> None:
        column, cell = case
        row = {"id": "HS-1", "received_on": "2020-09-21", "due_on": "2020-10-08",
               "returned_on": "", "unit": "U1", "field": "do_thi", "online": "0"}  # fmt: skip
        row[column] = cell
        message = _import_refused(unit_store, "dossiers.csv", row)
        assert f"dossiers.csv:2:{column}: " in message, message

    documents()
    dossiers()
