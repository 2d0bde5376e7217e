"""Pause and resume a job from Lịch gửi, in the database: every scheduler sharing it skips a
paused job's scheduled and caught-up runs; ``baocao jobs run`` and "Chạy ngay" still run it."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.accounts.audit import audit
from reports.store.schema import job_state

ALL = "*"
"""The job id that pauses every job (a restored copy: ``baocao jobs resume --all``)."""


def set_paused(engine: Engine, job_id: str, paused: bool, *, by: str) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        done = conn.execute(
            sa.update(job_state)
            .where(job_state.c.job_id == job_id)
            .values(paused=paused, changed_by=by, changed_at=now)
        )
        if done.rowcount == 0:
            conn.execute(
                sa.insert(job_state).values(
                    job_id=job_id, paused=paused, changed_by=by, changed_at=now
                )
            )
    audit(
        engine,
        by,
        "job.pause" if paused else "job.resume",
        f"{'tạm dừng' if paused else 'tiếp tục'} {job_id}",
    )


def paused_jobs(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(
            conn.execute(
                sa.select(job_state.c.job_id).where(job_state.c.paused.is_(True))
            ).scalars()
        )


def is_paused(paused: set[str], job_id: str) -> bool:
    """Whether ``job_id`` is paused, by itself or with every job (:data:`ALL`)."""
    return job_id in paused or ALL in paused


def resume_all(engine: Engine, *, by: str) -> list[str]:
    """Resume every paused job (and lift the pause of a restored copy); the ids resumed."""
    ids = sorted(paused_jobs(engine))
    for job_id in ids:
        set_paused(engine, job_id, False, by=by)
    return ids
