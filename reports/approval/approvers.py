"""Who may decide a draft: only the people its job names (``approvers``: mail addresses, logins
or a role, resolved when the draft was submitted), on every door. Everyone else is refused in
Vietnamese, and the attempt is written to Nhật ký (the audit log)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from reports.accounts.audit import audit
from reports.accounts.users import addresses_of
from reports.approval.core import Draft
from reports.core.errors import ApprovalError

ACTION_VI = {"approve": "duyệt", "return": "trả lại", "sign": "ký"}


def is_approver(d: Draft, who: str, engine: Engine | None = None) -> bool:
    """``who`` (a login or a mail address; with ``engine``, also the user's mail address) is
    one of the draft's approvers."""
    names = addresses_of(engine, who) if engine is not None and who.strip() else {who.strip()}
    return bool({n.casefold() for n in names} & {a.casefold() for a in d.approvers})


def require_approver(engine: Engine, d: Draft, who: str, action: str, where: str = "") -> None:
    """Raise :class:`ApprovalError` (and record the attempt) unless ``who`` may ``action``
    the draft ``d``."""
    if is_approver(d, who, engine):
        return
    verb = ACTION_VI[action]
    message = (
        f"{who or '(không rõ)'} không phải người duyệt của công việc {d.job_id}; không {verb} "
        f"được bản dự thảo của lần chạy #{d.run_id}. Người duyệt: {', '.join(d.approvers)} "
        "(approvers trong tệp công việc)."
    )
    audit(
        engine,
        who or "(không rõ)",
        f"draft.{action}.refused",
        message + (f" Từ {where}." if where else ""),
    )
    raise ApprovalError(message)
