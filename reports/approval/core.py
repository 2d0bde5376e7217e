"""Drafts: their states, who approves them, submitting one, the queue, what a draft replaces.

Decisions on a draft (approve, return, revoke) are in :mod:`reports.approval.decisions`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from reports.approval import register
from reports.compose import report_json
from reports.core import vi
from reports.core.errors import ApprovalError, Step
from reports.core.model import FIGURE_INFO, Report
from reports.core.period_time import restore_period
from reports.core.periods import ReportPeriod
from reports.runs import ledger
from reports.runs.jobs import Job
from reports.store.db import as_utc
from reports.store.schema import approvals, runs

PENDING, APPROVED, RETURNED = "pending", "approved", "returned"
REVOKED, VOID, RELEASED = "revoked", "void", "released"
STATE_VI = {
    PENDING: "chờ duyệt",
    APPROVED: "đã duyệt",
    RETURNED: "trả lại để sửa",
    REVOKED: "đã thu hồi phê duyệt",
    VOID: "hết hiệu lực (đã tạo lại)",
    RELEASED: "đã phát hành",
}

Lookup = Callable[[str], Sequence[str]]
"""A login or role name → the mail addresses it stands for (the web's users table)."""

KEY_FIGURES = (
    "documents_received",
    "dossiers_received",
    "dossiers_completed",
    "on_time_rate",
    "receptions",
    "petitions_received",
    "directives_approved",
)


_registered: list[Lookup] = []


def set_approver_lookup(lookup: Lookup | None) -> None:
    """Where the users table (the web's) plugs in: logins and role names in a job's
    ``approvers`` are resolved through ``lookup`` from now on (None: mail addresses only)."""
    _registered[:] = [lookup] if lookup is not None else []


def resolve_approvers(names: Sequence[str], lookup: Lookup | None = None) -> tuple[str, ...]:
    """Mail addresses as they are; logins and roles through ``lookup`` or the one set with
    :func:`set_approver_lookup` (none: an error that says to write mail addresses)."""
    lookup = lookup or (_registered[0] if _registered else None)
    out: list[str] = []
    for name in names:
        if "@" in name:
            found: Sequence[str] = [name]
        elif lookup is None:
            raise ApprovalError(
                f"Người duyệt {name!r} không phải địa chỉ thư và chưa có danh sách người dùng "
                "để tra; ghi địa chỉ thư vào approvers trong tệp công việc."
            )
        else:
            found = lookup(name)
            if not found:
                raise ApprovalError(
                    f"Người duyệt {name!r}: không có người dùng hay vai trò này; sửa approvers "
                    "trong tệp công việc."
                )
        out.extend(a for a in found if a not in out)
    return tuple(out)


@dataclass(frozen=True)
class FileRecord:
    path: Path
    sha256: str


@dataclass(frozen=True)
class Draft:
    id: int
    run_id: int
    job_id: str
    period: ReportPeriod
    unit: str
    state: str
    approvers: tuple[str, ...]
    files: tuple[FileRecord, ...]
    """The draft's files as the approvers were sent them, with their SHA-256."""
    summary: str
    provisional: str | None
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    comment: str | None
    number: int | None
    prefix: str | None
    issued_on: date | None
    final_files: tuple[FileRecord, ...]
    """The numbered, frozen files (after approval): what is sent, byte for byte."""
    replaces_id: int | None

    @property
    def reference(self) -> str | None:
        """``01/BC-VP`` once numbered."""
        if self.number is None or self.prefix is None:
            return None
        return register.reference(self.number, self.prefix)


def _files(text: str | None) -> tuple[FileRecord, ...]:
    return tuple(FileRecord(Path(f["path"]), f["sha256"]) for f in json.loads(text or "[]"))


def dump_files(files: Sequence[FileRecord]) -> str:
    return json.dumps([{"path": str(f.path), "sha256": f.sha256} for f in files])


def _select() -> sa.Select[tuple[object, ...]]:
    return sa.select(
        approvals,
        runs.c.job_id,
        runs.c.period_start,
        runs.c.period_end,
        runs.c.unit,
        runs.c.kind,
        runs.c.cutoff,
    ).join(runs, runs.c.id == approvals.c.run_id)


def _draft(row: sa.Row[tuple[object, ...]]) -> Draft:
    m = row._mapping
    return Draft(
        id=m["id"],
        run_id=m["run_id"],
        job_id=m["job_id"],
        period=restore_period(m["period_start"], m["period_end"], m["kind"], m["cutoff"]),
        unit=m["unit"],
        state=m["state"],
        approvers=tuple(json.loads(m["approvers"])),
        files=_files(m["draft_files"]),
        summary=m["summary"],
        provisional=m["provisional"],
        created_at=as_utc(m["created_at"]),  # type: ignore[arg-type]
        decided_by=m["decided_by"],
        decided_at=as_utc(m["decided_at"]),
        comment=m["comment"],
        number=m["number"],
        prefix=m["prefix"],
        issued_on=m["issued_on"],
        final_files=_files(m["final_files"]),
        replaces_id=m["replaces_id"],
    )


def draft(engine: Engine | Connection, run_id: int) -> Draft:
    """The latest draft of run #``run_id``."""
    stmt = _select().where(approvals.c.run_id == run_id).order_by(approvals.c.id.desc()).limit(1)
    if isinstance(engine, Connection):
        row = engine.execute(stmt).first()
    else:
        with engine.connect() as conn:
            row = conn.execute(stmt).first()
    if row is None:
        raise ApprovalError(f"Lần chạy #{run_id} không có bản dự thảo nào.").leads_to(
            Step.SEE_DRAFTS
        )
    return _draft(row)


def drafts(engine: Engine, states: Sequence[str] = (PENDING,), limit: int = 100) -> list[Draft]:
    """Drafts in ``states``, newest first (the approval queue: pending ones)."""
    with engine.connect() as conn:
        rows = conn.execute(
            _select()
            .where(approvals.c.state.in_(list(states)))
            .order_by(approvals.c.id.desc())
            .limit(limit)
        )
        return [_draft(r) for r in rows]


def report_of(engine: Engine, draft_id: int) -> Report:
    """The composed report the draft was rendered from."""
    with engine.connect() as conn:
        data = conn.execute(
            sa.select(approvals.c.report).where(approvals.c.id == draft_id)
        ).scalar()
    if data is None:
        raise ApprovalError(f"Không có bản dự thảo #{draft_id}.")
    return report_json.loads(bytes(data))


def summary(report: Report) -> str:
    """The key figures, one per line, as the approvers' mail and ``baocao drafts`` show them."""
    fs = report.figures.current
    labels = {info.name: info for info in FIGURE_INFO}
    lines = []
    for name in KEY_FIGURES:
        info = labels[name]
        value = fs.value(name)
        shown = vi.percent(value) if info.unit == "%" else f"{vi.number(value)} {info.unit}"
        lines.append(f"- {info.label}: {shown}")
    return "\n".join(lines)


def _same_report(job_id: str, period: ReportPeriod, unit: str) -> sa.ColumnElement[bool]:
    return approvals.c.run_id.in_(
        sa.select(runs.c.id).where(
            runs.c.job_id == job_id,
            runs.c.period_start == period.start,
            runs.c.period_end == period.end,
            runs.c.unit == unit,
        )
    )


def released(conn: Connection, job_id: str, period: ReportPeriod, unit: str) -> Draft | None:
    """The latest released document of (job, period, unit), which a new draft replaces."""
    row = conn.execute(
        _select()
        .where(_same_report(job_id, period, unit), approvals.c.state == RELEASED)
        .order_by(approvals.c.id.desc())
        .limit(1)
    ).first()
    return _draft(row) if row else None


def answered_return(engine: Engine | Connection, d: Draft) -> Draft | None:
    """The returned draft of the same job, period and unit that ``d`` was made after: the
    comment ``d`` answers (None when ``d`` is not a redone draft)."""
    query = (
        _select()
        .where(
            _same_report(d.job_id, d.period, d.unit),
            approvals.c.state == RETURNED,
            approvals.c.id < d.id,
        )
        .order_by(approvals.c.id.desc())
        .limit(1)
    )
    if isinstance(engine, Connection):
        row = engine.execute(query).first()
    else:
        with engine.connect() as conn:
            row = conn.execute(query).first()
    return _draft(row) if row else None


def redone_by(engine: Engine, d: Draft) -> Draft | None:
    """The newest later draft of the same job, period and unit (the one that redoes ``d``)."""
    with engine.connect() as conn:
        row = conn.execute(
            _select()
            .where(_same_report(d.job_id, d.period, d.unit), approvals.c.id > d.id)
            .order_by(approvals.c.id.desc())
            .limit(1)
        ).first()
    return _draft(row) if row else None


def open_returns(engine: Engine, limit: int = 50) -> list[Draft]:
    """Returned drafts not yet redone: the specialist's list of what to fix."""
    with engine.connect() as conn:
        rows = conn.execute(
            _select().where(approvals.c.state == RETURNED).order_by(approvals.c.id.desc())
        ).all()
        out: list[Draft] = []
        for row in rows:
            d = _draft(row)
            newer = conn.execute(
                sa.select(approvals.c.id)
                .where(_same_report(d.job_id, d.period, d.unit), approvals.c.id > d.id)
                .limit(1)
            ).first()
            if newer is None:
                out.append(d)
            if len(out) >= limit:
                break
    return out


def replacement_line(old: Draft) -> str:
    assert old.reference is not None and old.issued_on is not None
    return f"Thay thế văn bản số {old.reference} ngày {vi.numeric_date(old.issued_on)}."


def prepare_draft(conn: Connection, job: Job, report: Report) -> Report:
    """A draft's report: no number yet (the register gives it on approval), and the line
    saying which released document it replaces, when there is one."""
    old = released(conn, job.id, report.period, job.unit or "")
    return replace(report, number="", draft=True, replaces=replacement_line(old) if old else "")


def submit(
    engine: Engine,
    job: Job,
    run: ledger.Run,
    report: Report,
    files: Sequence[Path],
    approvers: Sequence[str],
    *,
    now: datetime,
) -> Draft:
    """Record the draft of ``run`` and set the run *chờ duyệt*, in one transaction.

    Any earlier draft of the same job, period and unit not yet released is void from now: an
    approval is of the files approved, and these replace them.
    """
    records = [FileRecord(p, register.sha256(p.read_bytes())) for p in files]
    with engine.begin() as conn:
        conn.execute(
            sa.update(approvals)
            .where(
                _same_report(job.id, run.period, run.unit),
                approvals.c.state.in_([PENDING, APPROVED]),
            )
            .values(state=VOID)
        )
        old = released(conn, job.id, run.period, run.unit)
        conn.execute(
            sa.insert(approvals).values(
                run_id=run.id,
                state=PENDING,
                approvers=json.dumps(list(approvers), ensure_ascii=False),
                draft_files=dump_files(records),
                summary=summary(report),
                report=report_json.dumps(report),
                provisional=report.provisional or None,
                replaces_id=old.id if old else None,
                created_at=now,
            )
        )
        held = conn.execute(
            sa.update(runs)
            .where(runs.c.id == run.id, runs.c.owner == run.owner, runs.c.status == ledger.RUNNING)
            .values(status=ledger.AWAITING, finished_at=now, lease_until=now, error=None)
        ).rowcount
        if held != 1:
            raise ApprovalError(
                f"Lần chạy #{run.id} đã được tiến trình khác tiếp quản; không gửi duyệt bản này."
            )
    return draft(engine, run.id)
