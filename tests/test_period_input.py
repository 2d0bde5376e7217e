"""Periods picked or typed: presets, the typed forms the CLI takes, and messages per field."""

from __future__ import annotations

from datetime import date

import pytest

from reports.core.period_input import (
    PeriodInput,
    PeriodInputError,
    parse_typed,
    period_from_input,
    preset_period,
)
from reports.core.periods import ReportPeriod

TODAY = date(2020, 10, 5)


def _pick(**fields: str) -> ReportPeriod:
    return period_from_input(PeriodInput(**fields), TODAY, {}, "iso")


@pytest.mark.parametrize(
    ("text", "start", "end", "kind"),
    [
        ("2020-09", date(2020, 9, 1), date(2020, 9, 30), "month"),
        ("09/2020", date(2020, 9, 1), date(2020, 9, 30), "month"),
        ("10/2026", date(2026, 10, 1), date(2026, 10, 31), "month"),
        ("2020-Q3", date(2020, 7, 1), date(2020, 9, 30), "quarter"),
        ("Q3/2020", date(2020, 7, 1), date(2020, 9, 30), "quarter"),
        ("2020-H1", date(2020, 1, 1), date(2020, 6, 30), "half"),
        ("2020", date(2020, 1, 1), date(2020, 12, 31), "year"),
        ("21/09/2020..27/09/2020", date(2020, 9, 21), date(2020, 9, 27), "week"),
        ("2020-09-21 - 2020-09-27", date(2020, 9, 21), date(2020, 9, 27), "week"),
    ],
)
def test_typed_forms(text: str, start: date, end: date, kind: str) -> None:
    p = _pick(text=text)
    assert (p.start, p.end, p.kind) == (start, end, kind)


def test_the_quarter_preset_is_the_typed_quarter() -> None:
    assert _pick(preset="quy-truoc") == _pick(text="2020-Q3")
    assert _pick(preset="quy-truoc").kind == "quarter"
    assert preset_period("thang-truoc", TODAY, {}, "iso") == _pick(text="09/2020")
    assert preset_period("tuan-truoc", TODAY, {}, "iso").start == date(2020, 9, 28)
    assert preset_period("nam-nay", TODAY, {}, "iso") == _pick(text="2020")


def test_a_day_with_a_kind_is_that_kind_of_period() -> None:
    assert _pick(text="15/08/2020", kind="quarter") == _pick(text="2020-Q3")


def test_dates_in_either_notation() -> None:
    assert _pick(start="2020-09-21", end="27/09/2020") == _pick(text="21/09/2020..27/09/2020")
    # a stray space inside a date is not an error
    assert _pick(start="21/09/ 2020", end=" 27/09/2020") == _pick(text="21/09/2020..27/09/2020")


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"start": "21/09/2020", "end": ""}, "end", "Đến ngày: chưa nhập ngày"),
        ({"start": " ", "end": "21/09/2020"}, "start", "Từ ngày: chưa nhập ngày"),
        ({"start": "1/1/1900", "end": "2/1/1900"}, "start", "năm 1900"),
        ({"text": "1900"}, "text", "năm 1900"),
        ({"text": "2020-13"}, "text", "không có tháng 13"),
        ({"text": "quý ba"}, "text", "không hiểu kỳ"),
        ({"start": "30/02/2020", "end": "01/03/2020"}, "start", "ngày không tồn tại"),
        ({"start": "27/09/2020", "end": "21/09/2020"}, "end", "trước Từ ngày"),
        ({}, "preset", "chưa chọn kỳ"),
        ({"preset": "hom-qua"}, "preset", "không có lựa chọn kỳ"),
    ],
)
def test_bad_input_names_its_field(fields: dict[str, str], field: str, words: str) -> None:
    with pytest.raises(PeriodInputError, match=words) as caught:
        _pick(**fields)
    assert caught.value.field == field


def test_cli_label_is_kept() -> None:
    with pytest.raises(PeriodInputError, match="--period: không hiểu kỳ"):
        parse_typed("abc", {}, "iso", label="--period")
