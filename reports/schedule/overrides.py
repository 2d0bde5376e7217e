"""A job's schedule and recipients edited in Lịch gửi, kept in the database over its job file.

The job file (or the job made on the page, :mod:`reports.schedule.stored`) stays the
definition; an edit made in the page replaces its ``schedule`` (with its ``on_holiday`` rule)
and ``[email] to``/``cc`` for every door: the page, ``baocao jobs`` and the scheduler of every
machine sharing the database, which reads them with :func:`effective_jobs`.
A scheduler already running reads the new recipients at the next run and the new schedule
within ``scheduler.reconcile_s``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.accounts.audit import audit
from reports.core.errors import JobError, Step, UsageError
from reports.deliver.addresses import is_address
from reports.runs.jobs import Job
from reports.schedule.stored import all_jobs
from reports.settings.load import Settings
from reports.store.schema import job_overrides


def parse_addresses(text: str, field: str) -> tuple[str, ...]:
    """Addresses separated by commas, semicolons or lines, each checked."""
    out = tuple(a.strip() for a in re.split(r"[,;\n]", text) if a.strip())
    for address in out:
        if not is_address(address):
            raise JobError(f"{field}: địa chỉ thư không hợp lệ {address!r}")
    return out


def _apply(job: Job, row: sa.Row[tuple[object, ...]] | None) -> Job:
    if row is None:
        return job
    return replace(
        job,
        schedule=str(row.schedule),
        to=tuple(json.loads(str(row.recipients_to))),
        cc=tuple(json.loads(str(row.recipients_cc))),
        on_holiday=str(row.on_holiday or job.on_holiday),
    )


def effective_jobs(engine: Engine, settings: Settings) -> list[Job]:
    """Every job as it runs now: the job files, the jobs made on the page
    (:mod:`reports.schedule.stored`), and the page's edits. The one function every door and
    every scheduler node reads jobs with."""
    jobs = all_jobs(engine, settings)
    with engine.connect() as conn:
        rows = {r.job_id: r for r in conn.execute(sa.select(job_overrides))}
    return [_apply(job, rows.get(job.id)) for job in jobs]


def effective_job(engine: Engine, settings: Settings, job_id: str) -> Job:
    for job in effective_jobs(engine, settings):
        if job.id == job_id:
            return job
    raise JobError(
        f"Không có công việc {job_id!r} (trong thư mục công việc và các công việc tạo trên trang)."
    ).leads_to(Step.PICK_JOB)


def save_edit(
    engine: Engine,
    settings: Settings,
    job_id: str,
    *,
    schedule: str,
    to: Sequence[str],
    cc: Sequence[str],
    by: str,
    on_holiday: str | None = None,
) -> Job:
    """Check and keep a job's new schedule and recipients; the job as it now is."""
    current = effective_job(engine, settings, job_id)
    job = replace(
        current,
        schedule=" ".join(schedule.split()),
        to=tuple(to),
        cc=tuple(cc),
        on_holiday=on_holiday or current.on_holiday,
    )
    try:
        job.trigger()
    except UsageError as exc:
        raise JobError(str(exc)) from exc
    except ValueError as exc:
        raise JobError(
            f'lịch cron không hợp lệ {schedule!r} ({exc}); ví dụ "0 8 * * 1" là 08:00 thứ Hai'
        ) from exc
    if not job.to:
        raise JobError("cần ít nhất một người nhận (Gửi tới)")
    values = {
        "schedule": job.schedule,
        "recipients_to": json.dumps(list(job.to)),
        "recipients_cc": json.dumps(list(job.cc)),
        "changed_by": by,
        "changed_at": datetime.now(UTC),
        "on_holiday": job.on_holiday,
    }
    with engine.begin() as conn:
        done = conn.execute(
            sa.update(job_overrides).where(job_overrides.c.job_id == job.id).values(**values)
        )
        if done.rowcount == 0:
            conn.execute(sa.insert(job_overrides).values(job_id=job.id, **values))
    audit(
        engine,
        by,
        "job.edit",
        f"sửa {job.id}: lịch {job.schedule}, gửi tới {', '.join(job.to)}"
        + (f", đồng gửi {', '.join(job.cc)}" if job.cc else ""),
    )
    return job
