"""A period in time: rebuilt from what a table keeps of it, and whether it has ended.

Rebuilt from its two dates alone, a cut-off month (15th to 14th) would become a plain range and
its comparisons would change; with its kind (a column of the run ledger) it is the period that
was stored. A period that has not ended in the office's time zone is never sent.
"""

from __future__ import annotations

from datetime import date

from reports.core import vi
from reports.core.errors import Step, UsageError
from reports.core.periods import ReportPeriod, classify


def restore_period(start: date, end: date, kind: str | None, cutoff: bool | None) -> ReportPeriod:
    """The period from ``start`` to ``end`` as it was stored (rows written before the kind was
    kept: inferred from the dates, as before)."""
    if not kind:
        return ReportPeriod(start, end)
    cut = bool(cutoff)
    found = classify(start, end, {kind: cut, "year": cut} if kind != "range" else {"year": cut})
    if found.kind == kind and found.cutoff == cut:
        return found
    return ReportPeriod(start, end, "range", cut)


def last_reporting_day(period: ReportPeriod) -> date:
    """The first day on which ``period`` may be sent: the day after its last day, except for
    a Monday-to-Monday week, whose last day (the Monday) is the day it is reported."""
    from datetime import timedelta

    if period.kind == "week" and period.days == 8:
        return period.end
    return period.end + timedelta(days=1)


def has_ended(period: ReportPeriod, today: date) -> bool:
    """``period`` may be sent on ``today`` (a local day in the office's time zone)."""
    return today >= last_reporting_day(period)


def refuse_unended(period: ReportPeriod, today: date, what: str) -> None:
    """Raise :class:`UsageError` when ``period`` has not ended on ``today``."""
    if not has_ended(period, today):
        raise UsageError(
            f"{what}: kỳ từ {vi.numeric_date(period.start)} đến {vi.numeric_date(period.end)} "
            f"chưa kết thúc (hôm nay {vi.numeric_date(today)}); không gửi báo cáo của kỳ chưa "
            f"kết thúc. Gửi từ ngày {vi.numeric_date(last_reporting_day(period))}."
        ).leads_to(Step.PREVIEW)
