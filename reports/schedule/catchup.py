"""Runs missed while a node's scheduler was down: from the next run time its heartbeat last
held up to now, each fire time once, oldest first (the run ledger makes each exactly-once)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from reports.runs.jobs import Job
from reports.runs.lease import RunOutcome
from reports.schedule.owner_mail import tell_owner_skipped
from reports.schedule.runner import run_job
from reports.settings.load import Settings

log = logging.getLogger(__name__)

__all__ = ["catch_up", "last_fire_time", "missed_fire_times", "stored_next_runs"]


def last_fire_time(job: Job, now: datetime) -> datetime | None:
    """The job's latest fire time at or before ``now``, within its misfire grace.

    A run APScheduler starts late (the service came back after the fire time) reports on the
    period of the time it was due, not of the time it started.
    """
    since = now - timedelta(seconds=job.misfire_grace_s + 60)
    times = missed_fire_times(job, since, now, 1)
    return times[-1] if times else None


def missed_fire_times(job: Job, since: datetime, now: datetime, limit: int) -> list[datetime]:
    """Fire times of ``job`` after ``since`` up to ``now``, the newest ``limit`` of them."""
    trigger = job.trigger()
    times: list[datetime] = []
    previous = None
    current = trigger.get_next_fire_time(None, since + timedelta(seconds=1))
    while current is not None and current <= now:
        times.append(current)
        previous = current
        current = trigger.get_next_fire_time(previous, current + timedelta(seconds=1))
    return times[-limit:]


def stored_next_runs(engine: Engine, node: str, jobs: list[Job]) -> dict[str, datetime]:
    """Each job's next run time as this node last wrote it (same schedule only): the first
    fire time it has not handled."""
    from reports.schedule.nodes import last_next_runs

    stored = last_next_runs(engine, node)
    since: dict[str, datetime] = {}
    for job in jobs:
        old = stored.get(job.id)
        if old is None or old[0] != repr(job.trigger()):
            continue  # never run here, or another schedule: it starts from its next fire time
        since[job.id] = old[1]
    return since


def catch_up(
    engine: Engine,
    settings: Settings,
    jobs: list[Job],
    now: datetime,
    since: Mapping[str, datetime],
    *,
    stopping: threading.Event | None = None,
    **run_kwargs: Any,
) -> list[RunOutcome]:
    """Run, once each and oldest first, every fire time from a job's stored next run time
    (``since``) up to ``now``: those that passed while no scheduler was running.

    A job without a stored next run time (never registered) has nothing to catch up. At most
    ``scheduler.catch_up_max`` fire times per job, the newest; the older ones are logged.
    ``stopping`` set (SIGTERM) ends the catch-up after the run in hand.
    """
    from reports.schedule.pause import is_paused, paused_jobs

    outcomes: list[RunOutcome] = []
    paused = paused_jobs(engine)
    limit = settings.scheduler.catch_up_max
    for job in jobs:
        if is_paused(paused, job.id):
            continue  # paused from Lịch gửi: no catching up either
        first = since.get(job.id)
        if first is None:
            continue  # a new job starts from its next run time
        fires = missed_fire_times(job, first - timedelta(seconds=1), now, 10**6)
        if len(fires) > limit:
            log.warning(
                "công việc %s: lỡ %d lần chạy; chạy bù %d lần gần nhất (scheduler.catch_up_max), "
                "từ %s; các lần cũ hơn chạy tay bằng 'baocao jobs run'",
                job.id, len(fires), limit, fires[-limit],
            )  # fmt: skip
            older = [job.period_for(f, settings) for f in fires[:-limit]]
            tell_owner_skipped(settings, job, older)
        for fire in fires[-limit:] if limit else []:
            period = job.period_for(fire, settings)
            if stopping is not None and stopping.is_set():
                return outcomes
            log.info("chạy bù công việc %s kỳ %s (lần chạy lỡ lúc %s)", job.id, period.slug(), fire)
            outcomes.append(run_job(engine, settings, job, period, **run_kwargs))
    return outcomes
