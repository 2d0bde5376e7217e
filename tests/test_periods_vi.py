"""Periods and Vietnamese presentation (format.md §3)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from reports.core import period_names, vi
from reports.core.errors import UsageError
from reports.core.period_pick import parse_cli_date, week_before
from reports.core.periods import ReportPeriod

P = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))


def test_numbers_use_vi_separators() -> None:
    assert vi.number(1406) == "1.406"
    assert vi.number(1234567.5, 1) == "1.234.567,5"
    assert vi.percent(0.998) == "99,8%"
    assert vi.signed(12) == "+12"
    assert vi.signed(-1406) == "-1.406"
    assert vi.number(None) == "-"


@pytest.mark.parametrize(
    ("period", "short", "long"),
    [
        (P, "21/9-28/9/2020", "từ ngày 21/9 đến ngày 28/9/2020"),
        (
            ReportPeriod(date(2021, 3, 1), date(2021, 3, 8)),
            "01/3-08/3/2021",
            "từ ngày 01/3 đến ngày 08/3/2021",
        ),
        (
            ReportPeriod(date(2020, 12, 28), date(2021, 1, 4)),
            "28/12/2020-04/01/2021",
            "từ ngày 28/12/2020 đến ngày 04/01/2021",
        ),
    ],
)
def test_period_wording(period: ReportPeriod, short: str, long: str) -> None:
    assert period_names.period_short(period) == short
    assert period_names.period_long(period) == long


def test_place_date_padding() -> None:
    assert vi.place_date("Hà Nội", date(2021, 2, 5)) == "Hà Nội, ngày 05 tháng 02 năm 2021"
    assert vi.place_date("Hà Nội", date(2020, 9, 28)) == "Hà Nội, ngày 28 tháng 9 năm 2020"
    assert vi.numeric_date(date(2019, 3, 7)) == "07/3/2019"
    assert vi.numeric_date(date(2019, 1, 24)) == "24/01/2019"


def test_comparison_periods() -> None:
    assert P.days == 8
    # The previous report's week (sharing its Monday), not the 8 days before: issue #10.
    assert P.previous() == ReportPeriod(date(2020, 9, 14), date(2020, 9, 21))
    # A week's "cùng kỳ" is 52 weeks earlier, Monday to Monday again: issue #10.
    assert P.same_period_last_year() == ReportPeriod(date(2019, 9, 23), date(2019, 9, 30))
    assert P.year_to_date() == ReportPeriod(date(2020, 1, 1), date(2020, 9, 28))
    leap = ReportPeriod(date(2020, 2, 23), date(2020, 2, 29), "range")
    assert leap.same_period_last_year() == ReportPeriod(date(2019, 2, 23), date(2019, 2, 28))
    assert P.trend(3) == [P.shifted(-14), P.shifted(-7), P]


def test_week_conventions() -> None:
    monday_8am = datetime(2020, 9, 28, 8, 0)
    assert week_before(monday_8am, "monday-to-monday") == P
    assert week_before(monday_8am, "iso") == ReportPeriod(date(2020, 9, 21), date(2020, 9, 27))


def test_cli_dates() -> None:
    assert parse_cli_date("2020-09-21") == date(2020, 9, 21)
    assert parse_cli_date("21/09/2020") == date(2020, 9, 21)
    assert parse_cli_date("1/2/2021") == date(2021, 2, 1)
    with pytest.raises(UsageError, match="không hiểu ngày"):
        parse_cli_date("09/21/20")
    with pytest.raises(UsageError, match="ngày không tồn tại"):
        parse_cli_date("31/02/2021")
    with pytest.raises(UsageError, match="trước ngày bắt đầu"):
        ReportPeriod(date(2020, 9, 28), date(2020, 9, 21))
