"""What waits for one person: the drafts they may approve, the returned drafts to redo."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from reports.approval import register
from reports.approval.core import Draft, drafts, open_returns, report_of
from reports.settings.load import Settings


def waiting_for(engine: Engine, name: str, email: str, *, approves: bool) -> list[Draft]:
    """Pending drafts whose approvers name this person (login or mail address); a person who
    approves but is named by none sees every pending draft that names nobody they know."""
    if not approves:
        return []
    pending = drafts(engine)
    mine = {name.casefold(), email.casefold()} - {""}
    named = [d for d in pending if mine & {a.casefold() for a in d.approvers}]
    return named or pending


def to_redo(engine: Engine, *, prepares: bool) -> list[Draft]:
    """Returned drafts not redone yet, for those who prepare reports."""
    return open_returns(engine) if prepares else []


def upcoming_reference(
    engine: Engine, settings: Settings, d: Draft, now: datetime | None = None
) -> tuple[str, date]:
    """The number and date the draft would get if approved now (the register gives the
    number at approval: someone approving another document first takes this one)."""
    now = now or datetime.now(UTC)
    prefix = report_of(engine, d.id).reference_prefix
    issued = now.astimezone(settings.tz).date()
    number = register.last_number(engine, prefix, issued.year) + 1
    return register.reference(number, prefix), issued
