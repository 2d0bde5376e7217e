"""Nothing reaches a leader unchecked: drafts, approval, the document number, frozen files.

A job with ``approval = true`` renders a draft and stops (run status *chờ duyệt*); the
approvers get one mail. :func:`approve` numbers the draft from the register, writes the number
and the date into the final files, freezes them (SHA-256, bytes kept in ``frozen_files``) and
delivers them once through the ordinary path; :func:`return_draft` sends it back with a comment
(or revokes an approval, which stops a delivery in progress). The CLI (``baocao drafts``,
``approve``, ``return``) and the web page call these same functions.
"""

from reports.approval.core import (
    APPROVED,
    PENDING,
    RELEASED,
    RETURNED,
    REVOKED,
    STATE_VI,
    VOID,
    Draft,
    Lookup,
    answered_return,
    draft,
    drafts,
    open_returns,
    prepare_draft,
    redone_by,
    report_of,
    resolve_approvers,
    set_approver_lookup,
)
from reports.approval.decisions import Decision, approve, return_draft
from reports.approval.delivery import before_delivery, frozen_paths

__all__ = [
    "APPROVED",
    "PENDING",
    "RELEASED",
    "RETURNED",
    "REVOKED",
    "STATE_VI",
    "VOID",
    "Decision",
    "Draft",
    "Lookup",
    "answered_return",
    "approve",
    "open_returns",
    "redone_by",
    "before_delivery",
    "draft",
    "drafts",
    "frozen_paths",
    "resolve_approvers",
    "set_approver_lookup",
    "return_draft",
    "prepare_draft",
    "report_of",
]
