"""Which period: from what a user typed (``--period 2021-Q1``, ``--from 21/09/2020``), or the
last complete one before a moment (what a scheduled run reports on)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from reports.core.errors import UsageError
from reports.core.periods import (
    PERIOD_KINDS,
    ReportPeriod,
    classify,
    half_period,
    iso_week_period,
    month_period,
    quarter_period,
    week_days,
    week_period,
    year_period,
)

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_VN = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_cli_date(text: str, option: str = "--from") -> date:
    """A date as users type it: ``2020-09-21`` or ``21/09/2020`` (day first)."""
    value = text.strip()
    m = _ISO.match(value)
    try:
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = _VN.match(value)
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError as exc:
        raise UsageError(f"{option}: ngày không tồn tại ({text})") from exc
    raise UsageError(f"{option}: không hiểu ngày {text!r}; viết 2020-09-21 hoặc 21/09/2020")


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_HALF = re.compile(r"^(\d{4})-[Hh]([12])$")
_YEAR = re.compile(r"^(\d{4})$")
_WEEK = re.compile(r"^(\d{4})-[Ww](\d{1,2})$")


def parse_period(
    text: str, cutoffs: Mapping[str, bool], convention: str, option: str = "--period"
) -> ReportPeriod:
    """``2021-03``, ``2021-Q1``, ``2021-H1``, ``2021``, ``2021-W11``, ``2021-03-15..2021-03-22``."""
    value = text.strip()
    if ".." in value:
        first, _, last = value.partition("..")
        first_day, last_day = parse_cli_date(first, option), parse_cli_date(last, option)
        return classify(first_day, last_day, cutoffs, convention)
    if m := _MONTH.match(value):
        month = int(m[2])
        if not 1 <= month <= 12:
            raise UsageError(f"{option}: không có tháng {month} ({text})")
        return month_period(int(m[1]), month, cutoffs.get("month", False))
    if m := _QUARTER.match(value):
        return quarter_period(int(m[1]), int(m[2]), cutoffs.get("quarter", False))
    if m := _HALF.match(value):
        return half_period(int(m[1]), int(m[2]), cutoffs.get("half", False))
    if m := _YEAR.match(value):
        return year_period(int(m[1]), cutoffs.get("year", False))
    if m := _WEEK.match(value):
        return iso_week_period(int(m[1]), int(m[2]), convention, cutoffs.get("year", False))
    raise UsageError(
        f"{option}: không hiểu kỳ {text!r}; viết 2021-03 (tháng), 2021-Q1 (quý), "
        "2021-H1 (6 tháng), 2021 (năm), 2021-W11 (tuần) hoặc 2021-03-15..2021-03-22"
    )


def previous_period(
    kind: str, moment: date | datetime, cutoffs: Mapping[str, bool], convention: str
) -> ReportPeriod:
    """The last complete period of ``kind`` before ``moment`` (what a scheduled run reports)."""
    day = moment.date() if isinstance(moment, datetime) else moment
    if kind == "week":
        return week_before(day, convention, cutoffs.get("year", False))
    of_year = PERIOD_KINDS[kind].of_year
    if of_year is None:
        raise ValueError(f"no periods of kind {kind!r}")
    cut = cutoffs.get(kind, False)
    candidates = [p for y in (day.year - 1, day.year) for p in of_year(y, cut)]
    return max(p for p in candidates if p.end < day)


def week_containing(day: date, convention: str) -> ReportPeriod:
    """The office week that starts on the Monday of ``day``'s ISO week."""
    monday = day - timedelta(days=day.weekday())
    return week_period(monday, week_days(convention))


def week_before(
    moment: date | datetime, convention: str, year_cutoff: bool = False
) -> ReportPeriod:
    """The period a weekly run at ``moment`` reports on: the last full week before it.

    ISO: Monday to Sunday of the previous week. Monday-to-Monday (Hà Nội 2020): the previous
    Monday to this week's Monday, as the bulletins of 2020 did.
    """
    day = moment.date() if isinstance(moment, datetime) else moment
    this_monday = day - timedelta(days=day.weekday())
    last_monday = this_monday - timedelta(days=7)
    return week_period(last_monday, week_days(convention), year_cutoff)
