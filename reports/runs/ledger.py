"""The run ledger: who runs what, and who has been mailed, kept in the project's database.

A run is claimed for (job, period, unit) by inserting a row the unique key protects, before any
work: of two processes (or machines sharing PostgreSQL) only one inserts it. The winner renews
a lease while it works; a run whose lease ran out (its process died) is taken over by a
compare-and-set on the old lease. Each recipient's delivery is recorded before and after the
SMTP transaction, so a resumed run skips those already sent.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.core.files import sha256_file
from reports.core.period_time import restore_period
from reports.core.periods import ReportPeriod
from reports.store.db import as_utc
from reports.store.schema import deliveries, run_files, runs

RUNNING, DELIVERED, FAILED = "running", "delivered", "failed"
SENDING, SENT = "sending", "sent"
AWAITING, HELD, RETURNED = "awaiting", "held", "returned"
"""A draft waiting for approval; a run waiting for its data; a draft sent back (issue 15)."""
STATUS_VI = {
    AWAITING: "chờ duyệt",
    HELD: "chờ đủ số liệu",
    RETURNED: "trả lại để sửa",
    RUNNING: "đang chạy",
    DELIVERED: "đã gửi xong",
    FAILED: "lỗi",
    SENDING: "đang gửi (chưa xác nhận)",
    SENT: "đã gửi",
}
"""How ``baocao runs`` and ``baocao jobs list`` name the statuses stored in English."""


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Run:
    id: int
    job_id: str
    period: ReportPeriod
    unit: str
    status: str
    owner: str
    attempt: int
    lease_until: datetime
    started_at: datetime
    finished_at: datetime | None
    files: tuple[Path, ...]
    error: str | None


@dataclass(frozen=True)
class Claim:
    """The outcome of :func:`claim`: ``run`` is ours to work on, or ``held_by`` has it."""

    run: Run | None
    held_by: Run | None = None
    already_delivered: Run | None = None
    awaiting: Run | None = None
    """A draft of this run waits for approval: a second run is not made (--force makes one)."""


def _run(row: sa.Row[tuple[object, ...]]) -> Run:
    m = row._mapping
    files = tuple(Path(p) for p in json.loads(m["files"])) if m["files"] else ()
    return Run(
        id=m["id"],
        job_id=m["job_id"],
        period=restore_period(m["period_start"], m["period_end"], m["kind"], m["cutoff"]),
        unit=m["unit"],
        status=m["status"],
        owner=m["owner"],
        attempt=m["attempt"],
        lease_until=as_utc(m["lease_until"]),  # type: ignore[arg-type]
        started_at=as_utc(m["started_at"]),  # type: ignore[arg-type]
        finished_at=as_utc(m["finished_at"]),
        files=files,
        error=m["error"],
    )


def latest(engine: Engine, job_id: str, period: ReportPeriod, unit: str = "") -> Run | None:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(runs)
            .where(
                runs.c.job_id == job_id,
                runs.c.period_start == period.start,
                runs.c.period_end == period.end,
                runs.c.unit == unit,
            )
            .order_by(runs.c.attempt.desc())
            .limit(1)
        ).first()
    return _run(row) if row else None


def get(engine: Engine, run_id: int) -> Run | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(runs).where(runs.c.id == run_id)).first()
    return _run(row) if row else None


def claim(
    engine: Engine,
    job_id: str,
    period: ReportPeriod,
    *,
    unit: str = "",
    owner: str,
    now: datetime,
    lease_s: int,
    force: bool = False,
) -> Claim:
    """Claim (job, period, unit) for ``owner``; never two owners at once."""
    lease = now + timedelta(seconds=lease_s)
    current = latest(engine, job_id, period, unit)
    if current is not None:
        lease_until = current.lease_until
        if current.status == RUNNING and lease_until > now and current.owner != owner:
            return Claim(None, held_by=current)
        if current.status == DELIVERED and not force:
            return Claim(None, already_delivered=current)
        if current.status == AWAITING and not force:
            return Claim(None, awaiting=current)
        if current.status in (RUNNING, FAILED, HELD):
            # Take over a dead or failed run, keeping its deliveries (no resending).
            with engine.begin() as conn:
                taken = conn.execute(
                    sa.update(runs)
                    .where(
                        runs.c.id == current.id,
                        runs.c.status == current.status,
                        runs.c.owner == current.owner,
                        runs.c.lease_until == current.lease_until,
                    )
                    .values(status=RUNNING, owner=owner, lease_until=lease, error=None)
                ).rowcount
            if taken != 1:
                return Claim(None, held_by=latest(engine, job_id, period, unit))
            return Claim(latest(engine, job_id, period, unit))
    attempt = current.attempt + 1 if current else 1
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.insert(runs).values(
                    job_id=job_id,
                    period_start=period.start,
                    period_end=period.end,
                    unit=unit,
                    status=RUNNING,
                    owner=owner,
                    lease_until=lease,
                    attempt=attempt,
                    started_at=now,
                    kind=period.kind,
                    cutoff=period.cutoff,
                )
            )
    except sa.exc.IntegrityError:
        return Claim(None, held_by=latest(engine, job_id, period, unit))
    return Claim(latest(engine, job_id, period, unit))


def _ours(run: Run) -> sa.ColumnElement[bool]:
    """The row is still ``run``'s: same owner, still running (not taken over after its lease)."""
    return sa.and_(runs.c.id == run.id, runs.c.owner == run.owner, runs.c.status == RUNNING)


def renew(
    engine: Engine,
    run: Run,
    *,
    now: datetime,
    lease_s: int,
    also: sa.ColumnElement[bool] | None = None,
) -> bool:
    """Extend ``run``'s lease; False if another owner took the run over (ours ran out), or
    if ``also`` (a further condition on the run, e.g. its approval stands) no longer holds."""
    with engine.begin() as conn:
        return _renew(conn, run, now, lease_s, also)


def _renew(
    conn: sa.Connection,
    run: Run,
    now: datetime,
    lease_s: int,
    also: sa.ColumnElement[bool] | None,
) -> bool:
    where = _ours(run) if also is None else sa.and_(_ours(run), also)
    renewed = conn.execute(
        sa.update(runs).where(where).values(lease_until=now + timedelta(seconds=lease_s))
    ).rowcount
    return renewed == 1


def claim_send(
    engine: Engine,
    run: Run,
    recipient: str,
    *,
    now: datetime,
    lease_s: int,
    also: sa.ColumnElement[bool] | None = None,
) -> bool:
    """Renew the lease and record ``recipient`` as being sent, in one transaction; False (and
    nothing recorded) if the run is no longer ours or ``also`` no longer holds."""
    with engine.begin() as conn:
        if not _renew(conn, run, now, lease_s, also):
            return False
        _mark(conn, run, recipient, SENDING, now=now)
    return True


def record_files(engine: Engine, run: Run, files: list[Path]) -> None:
    """The run's files, and the SHA-256 of each as it is before anyone is mailed."""
    hashes = [(str(f), sha256_file(f), f.stat().st_size) for f in files if f.is_file()]
    with engine.begin() as conn:
        done = conn.execute(
            sa.update(runs)
            .where(_ours(run))
            .values(files=json.dumps([str(f) for f in files], ensure_ascii=False))
        ).rowcount
        if done:
            conn.execute(sa.delete(run_files).where(run_files.c.run_id == run.id))
            for position, (path, sha256, size) in enumerate(hashes):
                conn.execute(
                    sa.insert(run_files).values(
                        run_id=run.id, position=position, path=path, sha256=sha256, size=size
                    )
                )


def sent_hashes(engine: Engine, run_id: int) -> dict[str, str]:
    """Path → SHA-256 of the files run ``run_id`` recorded before mailing them."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(run_files.c.path, run_files.c.sha256).where(run_files.c.run_id == run_id)
        )
        return {str(path): str(sha) for path, sha in rows}


def finish(
    engine: Engine, run: Run, status: str, *, now: datetime, error: str | None = None
) -> bool:
    """Close ``run`` with ``status``; False (and nothing written) if it is no longer ours."""
    with engine.begin() as conn:
        done = conn.execute(
            sa.update(runs)
            .where(_ours(run))
            .values(status=status, finished_at=now, error=error, lease_until=now)
        ).rowcount
    return done == 1


def sent_recipients(engine: Engine, run: Run) -> set[str]:
    """Recipients already mailed for this run or, after ``--force``, for none."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(deliveries.c.recipient).where(
                deliveries.c.run_id == run.id, deliveries.c.status == SENT
            )
        ).scalars()
        return set(rows)


def mark_delivery(
    engine: Engine,
    run: Run,
    recipient: str,
    status: str,
    *,
    now: datetime,
    error: str | None = None,
    message_id: str | None = None,
) -> None:
    with engine.begin() as conn:
        _mark(conn, run, recipient, status, now=now, error=error, message_id=message_id)


def _mark(
    conn: sa.Connection,
    run: Run,
    recipient: str,
    status: str,
    *,
    now: datetime,
    error: str | None = None,
    message_id: str | None = None,
) -> None:
    existing = conn.execute(
        sa.select(deliveries.c.id, deliveries.c.attempts).where(
            deliveries.c.run_id == run.id, deliveries.c.recipient == recipient
        )
    ).first()
    values: dict[str, object] = {"status": status, "updated_at": now, "last_error": error}
    if status == SENDING:
        values["attempts"] = (existing.attempts if existing else 0) + 1
    if status == SENT:
        values.update(sent_at=now, message_id=message_id)
    if existing:
        conn.execute(sa.update(deliveries).where(deliveries.c.id == existing.id).values(**values))
    else:
        conn.execute(sa.insert(deliveries).values(run_id=run.id, recipient=recipient, **values))


@dataclass(frozen=True)
class Delivery:
    recipient: str
    status: str
    attempts: int
    sent_at: datetime | None
    last_error: str | None
    message_id: str | None = None


def get_run(engine: Engine, run_id: int) -> Run | None:
    """The run of this id (the web door finds a run's files by it)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(runs).where(runs.c.id == run_id)).first()
    return _run(row) if row else None


def deliveries_of(engine: Engine, run_id: int) -> list[Delivery]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(deliveries).where(deliveries.c.run_id == run_id).order_by(deliveries.c.id)
        )
        return [
            Delivery(
                r.recipient, r.status, r.attempts, as_utc(r.sent_at), r.last_error, r.message_id
            )
            for r in rows
        ]


def history(
    engine: Engine, job_id: str | None = None, limit: int = 50
) -> list[tuple[Run, list[Delivery]]]:
    with engine.connect() as conn:
        stmt = sa.select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(limit)
        if job_id:
            stmt = stmt.where(runs.c.job_id == job_id)
        found = [_run(r) for r in conn.execute(stmt)]
        out = []
        for run in found:
            rows = conn.execute(
                sa.select(deliveries).where(deliveries.c.run_id == run.id).order_by(deliveries.c.id)
            )
            out.append(
                (
                    run,
                    [
                        Delivery(
                            r.recipient,
                            r.status,
                            r.attempts,
                            as_utc(r.sent_at),
                            r.last_error,
                            r.message_id,
                        )
                        for r in rows
                    ],
                )
            )
        return out


def last_period_end(engine: Engine, job_id: str) -> date | None:
    with engine.connect() as conn:
        value = conn.execute(
            sa.select(sa.func.max(runs.c.period_end)).where(runs.c.job_id == job_id)
        ).scalar()
    return value if isinstance(value, date) or value is None else date.fromisoformat(str(value))
