"""The sections a person writes in a draft (issue 19): edited on the draft's page or given
from a file, stored with the draft's report, rendered into its files, carried to the next
period's draft.

One core function, :func:`save_sections`, for every door: it stores the sections with the
draft, renders the draft's Word and PDF files again, and — as an approval is of the files
approved — an edit after approval (or after a return) voids that decision: the draft is
submitted again, pending, with its new files.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from reports.approval import register
from reports.approval.core import (
    APPROVED,
    PENDING,
    RELEASED,
    RETURNED,
    REVOKED,
    VOID,
    Draft,
    FileRecord,
    draft,
    dump_files,
    report_of,
    summary,
)
from reports.compose import report_json
from reports.core.errors import ApprovalError, Step
from reports.core.model import Report
from reports.core.sections import WrittenSection, declared_sections
from reports.runs import ledger
from reports.runs.jobs import Job
from reports.settings.load import Settings
from reports.store.schema import approvals, runs

log = logging.getLogger(__name__)

EDITABLE = (PENDING, RETURNED, APPROVED, REVOKED)


def draft_sections(settings: Settings, report: Report) -> tuple[WrittenSection, ...]:
    """The sections the draft's page shows: those the settings and the period kind's Word
    template declare, with what is written."""
    from reports.render.template_sections import written_titles

    return declared_sections(written_titles(settings, report.period.kind), report.written)


def _render_files(settings: Settings, report: Report, d: Draft) -> list[Path]:
    """The draft's Word and PDF files rendered again from ``report`` (in place, each complete
    or not at all); the workbook carries no written section and is kept as it is."""
    from reports.render.docx import render_docx
    from reports.render.pdf import convert_to_pdf

    out: list[Path] = []
    docx: Path | None = None
    for f in d.files:
        if f.path.suffix == ".docx":
            docx = render_docx(report, settings, f.path)
            out.append(docx)
        elif f.path.suffix == ".pdf":
            with tempfile.TemporaryDirectory(prefix="baocao-") as tmp:
                source = docx or render_docx(
                    report, settings, Path(tmp) / f.path.with_suffix(".docx").name
                )
                out.append(convert_to_pdf(source, f.path.parent, timeout_s=settings.pdf_timeout_s))
        else:
            out.append(f.path)
    return out


def save_sections(
    engine: Engine,
    settings: Settings,
    run_id: int,
    sections: tuple[WrittenSection, ...],
    *,
    now: datetime | None = None,
) -> Draft:
    """Store ``sections`` with the draft of run #``run_id``, render its files again, and
    return the draft as it now stands.

    Pending: the same draft, its files replaced. Returned, approved or revoked: that decision
    is void (an approval is of the files approved, and these are new), and the draft is pending
    again, as a new submission of the same run. Released: refused (a released document is
    corrected by a replacing one).
    """
    now = now or datetime.now(UTC)
    d = draft(engine, run_id)
    if d.state == RELEASED:
        raise ApprovalError(f"Văn bản số {d.reference} đã phát hành; không sửa được.").leads_to(
            Step.REPLACE,
            job=d.job_id,
            start=d.period.start.isoformat(),
            end=d.period.end.isoformat(),
        )
    if d.state not in EDITABLE:
        raise ApprovalError(f"Bản dự thảo của lần chạy #{run_id} đã hết hiệu lực.").leads_to(
            Step.SEE_DRAFTS
        )
    report = replace(report_of(engine, d.id), written=tuple(sections))
    files = _render_files(settings, report, d)
    records = [FileRecord(p, register.sha256(p.read_bytes())) for p in files]
    values: dict[str, object] = {
        "draft_files": dump_files(records),
        "report": report_json.dumps(report),
        "summary": summary(report),
    }
    with engine.begin() as conn:
        if d.state == PENDING:
            changed = conn.execute(
                sa.update(approvals)
                .where(approvals.c.id == d.id, approvals.c.state == PENDING)
                .values(**values)
            ).rowcount
        else:
            changed = conn.execute(
                sa.update(approvals)
                .where(approvals.c.id == d.id, approvals.c.state == d.state)
                .values(state=VOID)
            ).rowcount
            if changed == 1:
                _resubmit(conn, d, values, now)
        if changed != 1:
            raise ApprovalError(
                f"Bản dự thảo của lần chạy #{run_id} vừa được người khác xử lý; xem lại rồi "
                "sửa lại."
            ).leads_to(Step.SEE_DRAFTS)
    if d.state != PENDING:
        log.info(
            "lần chạy %s: các phần viết tay được sửa sau khi %s; bản dự thảo chờ duyệt lại",
            run_id,
            d.state,
        )
    return draft(engine, run_id)


def _resubmit(conn: Connection, d: Draft, values: dict[str, object], now: datetime) -> None:
    """The draft again, pending, as a new row of the same run; the run waits for approval (a
    delivery in progress stops before its next recipient: its approval no longer stands)."""
    row = conn.execute(
        sa.select(approvals.c.approvers, approvals.c.provisional, approvals.c.replaces_id).where(
            approvals.c.id == d.id
        )
    ).one()
    conn.execute(
        sa.insert(approvals).values(
            run_id=d.run_id,
            state=PENDING,
            approvers=row.approvers,
            provisional=row.provisional,
            replaces_id=row.replaces_id,
            created_at=now,
            **values,
        )
    )
    conn.execute(
        sa.update(runs)
        .where(runs.c.id == d.run_id, runs.c.status != ledger.DELIVERED)
        .values(status=ledger.AWAITING, finished_at=now, lease_until=now, error=None)
    )


def carried_sections(conn: Connection, job: Job, report: Report) -> tuple[WrittenSection, ...]:
    """The previous period's written sections of the same job and unit, as the starting point
    of this period's draft (the specialist edits them); none when there is no earlier draft."""
    previous = report.period.previous()
    row = conn.execute(
        sa.select(approvals.c.report)
        .join(runs, runs.c.id == approvals.c.run_id)
        .where(
            runs.c.job_id == job.id,
            runs.c.period_start == previous.start,
            runs.c.period_end == previous.end,
            runs.c.unit == (job.unit or ""),
            approvals.c.state != VOID,
        )
        .order_by(approvals.c.id.desc())
        .limit(1)
    ).first()
    if row is None or row.report is None:
        return ()
    try:
        return report_json.loads(bytes(row.report)).written
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):  # an old, unreadable row
        return ()
