"""Runs held for incomplete data, tried again: after an import, on the scheduler's watch, and
by ``baocao held``; sent when the data is complete, given up past the job's ``hold_hours``."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.core.errors import BaocaoError, JobError
from reports.core.period_names import period_short
from reports.figures.completeness import incomplete_reasons
from reports.produce.pipeline import build_report_conn
from reports.runs import ledger
from reports.runs.jobs import find_job
from reports.runs.send import tell_owner
from reports.schedule.runner import run_job
from reports.settings.load import Settings
from reports.store.schema import runs


def retry_held(
    engine: Engine,
    settings: Settings,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """Try each held run again: run it when its data is now complete; past its job's
    ``hold_hours``, stop waiting and tell the owner. One line per run, for the door to show.

    Called after each import (the data may have arrived) and by ``baocao held --retry``.
    """
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        held = [
            ledger.get(engine, rid)
            for rid in conn.execute(
                sa.select(runs.c.id).where(runs.c.status == ledger.HELD).order_by(runs.c.id)
            ).scalars()
        ]
    lines = []
    for run in held:
        if run is None:
            continue
        try:
            job = find_job(settings.jobs_dir, run.job_id, settings.smtp.owner)
        except JobError:
            continue
        try:
            with engine.connect() as conn:
                report = build_report_conn(
                    conn, settings, run.period, unit=job.unit, show_figures_section=False
                )
        except BaocaoError as exc:  # told, and the other held runs still go on
            lines.append(f"Công việc {job.id} kỳ {period_short(run.period)}: {exc}")
            continue
        reasons = incomplete_reasons(report)
        if not reasons:
            lines.append(run_job(engine, settings, job, run.period, now=now, sleep=sleep).message)
            continue
        if now < run.started_at + timedelta(hours=job.hold_hours):
            continue
        error = f"Quá {job.hold_hours} giờ vẫn chưa đủ số liệu: {' '.join(reasons)}"
        with engine.begin() as conn:
            stopped = conn.execute(
                sa.update(runs)
                .where(runs.c.id == run.id, runs.c.status == ledger.HELD)
                .values(status=ledger.FAILED, error=error, finished_at=now)
            ).rowcount
        if stopped == 1:
            tell_owner(settings, job, run.period, error, sleep)
            lines.append(f"Công việc {job.id} kỳ {period_short(run.period)}: {error}")
    return lines
