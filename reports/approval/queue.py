"""What waits for one person: the drafts they may approve, the returned drafts to redo."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from reports.approval import register
from reports.approval.core import Draft, drafts, open_returns, report_of
from reports.settings.load import Settings


def waiting_for(engine: Engine, name: str, email: str, *, approves: bool) -> list[Draft]:
    """Pending drafts this person may approve: those whose approvers name them (login or mail
    address), the rule :func:`reports.approval.approvers.require_approver` applies. A draft
    naming somebody else never counts for them, whatever their role."""
    if not approves:
        return []
    mine = _names(name, email)
    return [d for d in drafts(engine) if mine & {a.casefold() for a in d.approvers}]


def waiting_for_others(engine: Engine, name: str, email: str) -> list[Draft]:
    """Pending drafts this person may not approve (for a quản trị, who oversees the office:
    shown apart, labelled as waiting for others, never counted as theirs)."""
    mine = _names(name, email)
    return [d for d in drafts(engine) if not mine & {a.casefold() for a in d.approvers}]


def _names(name: str, email: str) -> set[str]:
    return {name.strip().casefold(), email.strip().casefold()} - {""}


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
