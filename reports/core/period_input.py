"""A period from what a person picked or typed: a preset, a typed period, or two dates.

One function for both doors: the page's period picker (presets such as "quý trước", a kind, a
typed period, or "Từ ngày"/"Đến ngày") and the CLI's ``--period``/``--from``/``--to``. Typed
forms: ``2020-09`` or ``09/2020`` (a month), ``2020-Q3`` or ``Q3/2020`` (a quarter),
``2020-H1``, ``2020``, ``2020-W39``, a day (``21/09/2020`` or ``2020-09-21``: with a kind, the
period of that kind holding the day), or two days (``21/09/2020..27/09/2020``).

A bad value raises :class:`PeriodInputError`, which names the field it belongs to, so the page
can show the message beside that field and keep what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from reports.core.errors import UsageError
from reports.core.period_pick import parse_cli_date, parse_period, previous_period, week_containing
from reports.core.periods import PERIOD_KINDS, ReportPeriod, classify

FIRST_YEAR, LAST_YEAR = 2000, 2099
"""The years a report may cover (a typo such as 1900 or 20200 gets a message)."""

PRESETS: dict[str, tuple[str, str, bool]] = {
    "tuan-nay": ("tuần này", "week", False),
    "tuan-truoc": ("tuần trước", "week", True),
    "thang-nay": ("tháng này", "month", False),
    "thang-truoc": ("tháng trước", "month", True),
    "quy-nay": ("quý này", "quarter", False),
    "quy-truoc": ("quý trước", "quarter", True),
    "6-thang-nay": ("6 tháng này", "half", False),
    "6-thang-truoc": ("6 tháng trước", "half", True),
    "nam-nay": ("năm nay", "year", False),
    "nam-truoc": ("năm trước", "year", True),
}
"""Preset key (as in the page's form) → its words, its kind, and whether it is the last
complete period (``True``) or the one running today."""

KIND_WORDS = {
    "": "tự nhận biết",
    "week": "tuần",
    "month": "tháng",
    "quarter": "quý",
    "half": "6 tháng",
    "year": "năm",
}
"""The kind selector: what a typed day means."""

_MONTH_VN = re.compile(r"^(\d{1,2})/(\d{4})$")
_QUARTER_VN = re.compile(r"^[Qq]([1-4])/(\d{4})$")
_YEAR_IN = re.compile(r"\d{4,}")
_RANGE_SPLIT = re.compile(r"\.\.|\s+-\s+|\s*–\s*")


class PeriodInputError(UsageError):
    """A period that cannot be read; ``field`` is the form field it came from."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class PeriodInput:
    """The fields of a period picker; empty strings are fields left empty."""

    preset: str = ""
    kind: str = ""
    text: str = ""
    start: str = ""
    end: str = ""


def _check_years(field: str, text: str) -> None:
    for found in _YEAR_IN.findall(text):
        if not FIRST_YEAR <= int(found) <= LAST_YEAR:
            raise PeriodInputError(
                field, f"năm {found} nằm ngoài khoảng {FIRST_YEAR}–{LAST_YEAR}; kiểm tra lại"
            )


def _date(field: str, label: str, text: str) -> date:
    value = re.sub(r"\s+", "", text)
    if not value:
        raise PeriodInputError(field, f"{label}: chưa nhập ngày (ví dụ 21/09/2020)")
    _check_years(field, value)
    try:
        return parse_cli_date(value, label)
    except UsageError as exc:
        raise PeriodInputError(field, str(exc)) from None


def _holding(kind: str, day: date, cutoffs: Mapping[str, bool], convention: str) -> ReportPeriod:
    """The period of ``kind`` that holds ``day``."""
    if kind == "week":
        return week_containing(day, convention)
    of_year = PERIOD_KINDS[kind].of_year
    assert of_year is not None
    cut = cutoffs.get(kind, False)
    return next(
        p for y in (day.year, day.year + 1) for p in of_year(y, cut) if p.start <= day <= p.end
    )


def parse_typed(
    text: str,
    cutoffs: Mapping[str, bool],
    convention: str,
    kind: str = "",
    field: str = "text",
    label: str = "Kỳ",
) -> ReportPeriod:
    """A typed period (see the module's list of forms)."""
    value = text.strip()
    if not value:
        raise PeriodInputError(field, f"{label}: chưa nhập kỳ (ví dụ 2020-Q3 hoặc 09/2020)")
    _check_years(field, value)
    parts = _RANGE_SPLIT.split(value)
    try:
        if len(parts) == 2:
            first = _date(field, label, parts[0])
            last = _date(field, label, parts[1])
            return classify(first, last, cutoffs, convention)
        compact = re.sub(r"\s+", "", value)
        if m := _MONTH_VN.match(compact):
            return parse_period(f"{m[2]}-{m[1]}", cutoffs, convention, label)
        if m := _QUARTER_VN.match(compact):
            return parse_period(f"{m[2]}-Q{m[1]}", cutoffs, convention, label)
        if compact.count("/") == 2 or compact.count("-") == 2:
            day = _date(field, label, compact)
            if kind in PERIOD_KINDS and kind != "range":
                return _holding(kind, day, cutoffs, convention)
            return ReportPeriod(day, day, "range")
        return parse_period(compact, cutoffs, convention, label)
    except PeriodInputError:
        raise
    except UsageError as exc:
        raise PeriodInputError(field, str(exc)) from None


def preset_period(
    key: str, today: date, cutoffs: Mapping[str, bool], convention: str
) -> ReportPeriod:
    """The period a preset names, seen from ``today``."""
    if key not in PRESETS:
        raise PeriodInputError("preset", f"không có lựa chọn kỳ {key!r}")
    _, kind, previous = PRESETS[key]
    if previous:
        return previous_period(kind, today, cutoffs, convention)
    return _holding(kind, today, cutoffs, convention)


def period_from_input(
    given: PeriodInput, today: date, cutoffs: Mapping[str, bool], convention: str
) -> ReportPeriod:
    """The period the fields name: a typed period first, then two dates, then the preset."""
    if given.kind and given.kind not in KIND_WORDS:
        raise PeriodInputError("kind", f"không có loại kỳ {given.kind!r}")
    if given.text.strip():
        return parse_typed(given.text, cutoffs, convention, given.kind)
    if given.start.strip() or given.end.strip():
        first = _date("start", "Từ ngày", given.start)
        last = _date("end", "Đến ngày", given.end)
        if last < first:
            raise PeriodInputError(
                "end", f"Đến ngày {last:%d/%m/%Y} trước Từ ngày {first:%d/%m/%Y}"
            )
        return classify(first, last, cutoffs, convention)
    if given.preset:
        return preset_period(given.preset, today, cutoffs, convention)
    raise PeriodInputError(
        "preset",
        "chưa chọn kỳ: chọn một kỳ có sẵn, gõ kỳ (ví dụ 2020-Q3) hoặc nhập từ ngày–đến ngày",
    )
