"""Pause and resume a job from Lịch gửi, in the database: every scheduler sharing it skips a
paused job's scheduled and caught-up runs; ``baocao jobs run`` and "Chạy ngay" still run it."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.accounts.users import audit
from reports.store.schema import job_state


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
