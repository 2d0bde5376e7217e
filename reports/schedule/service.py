"""The scheduler service: APScheduler 3.x with its job store in the project's database.

- Jobs are (re)added at start with their file's id and ``replace_existing``; jobs whose file is
  gone are removed.
- ``coalesce`` and a long ``misfire_grace_time``: a run missed while the service was down runs
  once when it comes back, not a burst.
- A whole outage over several run times: at start every missed *period* since the job's last
  recorded run is run once, oldest first (the ledger makes each exactly-once).
- A failing job never stops the scheduler: the runner records and reports it; an exception
  escaping anyway is logged by the listener with the job id.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from reports.schedule.jobs import Job
from reports.schedule.runner import RunOutcome, run_job
from reports.settings import Settings, load_settings

log = logging.getLogger(__name__)


def scheduled_run(job_id: str, settings_path: str | None, db_url: str, jobs_dir: str) -> None:
    """The callable APScheduler stores (by reference): everything it needs is in its arguments."""
    from reports.store.db import open_store

    settings = load_settings(settings_path).with_database(db_url).with_jobs_dir(jobs_dir)
    engine = open_store(settings.database_url)
    try:
        from reports.schedule.pause import paused_jobs

        if job_id in paused_jobs(engine):
            log.info("job %s is paused (Lịch gửi): its scheduled run is skipped", job_id)
            return
        from reports.schedule.overrides import effective_job

        job = effective_job(engine, settings, job_id)
        now = datetime.now(UTC)
        period = job.period_for(last_fire_time(job, now) or now, settings)
        outcome = run_job(engine, settings, job, period)
        log.info("%s", outcome.message)
    finally:
        engine.dispose()


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


def catch_up(
    engine: Engine,
    settings: Settings,
    jobs: list[Job],
    now: datetime,
    *,
    stopping: threading.Event | None = None,
    **run_kwargs: Any,
) -> list[RunOutcome]:
    """Run each period missed since a job's last recorded run, once, oldest first.

    ``stopping`` set (SIGTERM) ends the catch-up after the run in hand.
    """
    from reports.schedule import ledger
    from reports.schedule.pause import paused_jobs

    outcomes: list[RunOutcome] = []
    paused = paused_jobs(engine)
    for job in jobs:
        if job.id in paused:
            continue  # paused from Lịch gửi: no catching up either
        last_end = ledger.last_period_end(engine, job.id)
        if last_end is None:
            continue  # a new job starts from its next run time
        since = datetime.combine(last_end, datetime.min.time(), tzinfo=job.tz)
        for fire in missed_fire_times(job, since, now, settings.scheduler.catch_up_max):
            period = job.period_for(fire, settings)
            if period.end <= last_end:
                continue
            if stopping is not None and stopping.is_set():
                return outcomes
            log.info("catching up job %s for %s (missed run at %s)", job.id, period.slug(), fire)
            outcomes.append(run_job(engine, settings, job, period, **run_kwargs))
    return outcomes


def build_scheduler(settings: Settings, jobs: list[Job], *, blocking: bool = True) -> Any:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        jobstores={"default": SQLAlchemyJobStore(url=settings.database_url)},
        executors={"default": {"type": "threadpool", "max_workers": 2}},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=settings.tz,
    )

    def on_event(event: Any) -> None:
        if event.code == EVENT_JOB_ERROR:
            log.error("Job %s raised an exception: %s", event.job_id, event.exception)
        else:
            log.warning("Job %s missed its run at %s", event.job_id, event.scheduled_run_time)

    scheduler.add_listener(on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler


def register(scheduler: Any, settings: Settings, jobs: list[Job]) -> None:
    """Add every job by its id (replacing the stored one); remove jobs no longer on disk."""
    wanted = {job.id for job in jobs}
    stored = {found.id: found for found in scheduler.get_jobs()}
    for job_id in stored:
        if job_id not in wanted:
            scheduler.remove_job(job_id)
    settings_path = str(settings.source) if settings.source else None
    for job in jobs:
        trigger = job.trigger()
        keep: dict[str, Any] = {}
        old = stored.get(job.id)
        if old is not None and old.next_run_time is not None and repr(old.trigger) == repr(trigger):
            # Same schedule: keep the stored next run time, even if it passed while the service
            # was down, so APScheduler runs the missed run once (coalesce, misfire grace).
            keep["next_run_time"] = old.next_run_time
        scheduler.add_job(
            "reports.schedule.service:scheduled_run",
            trigger=trigger,
            id=job.id,
            name=job.id,
            replace_existing=True,
            misfire_grace_time=job.misfire_grace_s,
            coalesce=True,
            kwargs={
                "job_id": job.id,
                "settings_path": settings_path,
                "db_url": settings.database_url,
                "jobs_dir": str(settings.jobs_dir),
            },
            **keep,
        )


def start(
    engine: Engine,
    settings: Settings,
    *,
    now: datetime | None = None,
    stopping: threading.Event | None = None,
    paused: bool = False,
) -> Any:
    """Catch up missed periods, then start a background scheduler with the jobs on disk.

    ``paused``: the caller adds its listeners, then calls ``resume()`` (a run missed while the
    service was down fires as soon as it resumes).
    """
    from reports.schedule.overrides import effective_jobs

    jobs = effective_jobs(engine, settings)  # the job files, with the edits made in Lịch gửi
    catch_up(engine, settings, jobs, now or datetime.now(UTC), stopping=stopping)
    scheduler = build_scheduler(settings, jobs, blocking=False)
    scheduler.start(paused=True)
    register(scheduler, settings, jobs)
    log.info("scheduler started with %d jobs from %s", len(jobs), settings.jobs_dir)
    if not paused:
        scheduler.resume()
    return scheduler


def serve(engine: Engine, settings: Settings) -> None:
    """Run until SIGTERM or Ctrl-C; the run in hand finishes first (a second Ctrl-C aborts)."""
    stopping = threading.Event()

    def stop(signum: int, _frame: object) -> None:
        log.info("signal %s: finishing the run in hand, then stopping", signum)
        stopping.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler = None
    try:
        scheduler = start(engine, settings, stopping=stopping)
        while not stopping.wait(3600):
            pass
    except KeyboardInterrupt:
        log.info("Ctrl-C: finishing the run in hand, then stopping")
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)


def next_run_times(
    settings: Settings, jobs: list[Job], now: datetime
) -> dict[str, datetime | None]:
    return {job.id: job.trigger().get_next_fire_time(None, now) for job in jobs}
