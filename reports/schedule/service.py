"""The scheduler service: APScheduler 3.x with its job store in the project's database.

- Jobs are (re)added at start with their file's id and ``replace_existing``; jobs whose file is
  gone are removed.
- ``coalesce`` and a long ``misfire_grace_time``: a run missed while the service was down runs
  once when it comes back, not a burst.
- A whole outage over several run times: at start, every fire time that passed while the job was
  registered (its stored next run time) and no scheduler was running is run once, oldest first
  (the ledger makes each exactly-once). A job that was never registered starts from its next
  fire time, whatever hand-runs the ledger holds.
- The job store holds the job's id and schedule only: no database URL, no settings path. Each
  process runs the jobs with its own settings (:func:`register` binds them).
- A failing job never stops the scheduler: the runner records and reports it; an exception
  escaping anyway is logged by the listener with the job id.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from reports.core.errors import SchedulerStopped, StoreError
from reports.runs.jobs import Job, find_job, load_jobs
from reports.runs.lease import RunOutcome
from reports.schedule.resilient import Health, RetryingJobStore, retrying
from reports.schedule.runner import run_job
from reports.settings.load import Settings

log = logging.getLogger(__name__)


_ACTIVE: dict[str, Any] = {}
"""This process's ``settings`` (bound by :func:`register`) and ``health`` (by
:func:`build_scheduler`): the jobs of this process run with them."""


def scheduled_run(job_id: str, **_stored_by_older_versions: Any) -> None:
    """The callable APScheduler stores (by reference), with the job id as its only argument:
    the database URL and the settings come from this process, never from the job store.

    A database error is retried (``scheduler.db_retry_s``); the run resumes where it stopped.
    """
    from reports.store.db import open_store

    settings: Settings = _ACTIVE["settings"]
    health: Health | None = _ACTIVE.get("health")
    retry_s = settings.scheduler.db_retry_s
    job = find_job(settings.jobs_dir, job_id, settings.smtp.owner, settings.calendar)
    now = datetime.now(UTC)
    period = job.period_for(last_fire_time(job, now) or now, settings)

    def attempt() -> RunOutcome | None:
        from reports.schedule.overrides import effective_job
        from reports.schedule.pause import paused_jobs

        engine = open_store(settings.database_url, busy_timeout_s=settings.database_busy_timeout_s)
        try:
            if job_id in paused_jobs(engine):
                log.info("job %s is paused (Lịch gửi): its scheduled run is skipped", job_id)
                return None
            edited = effective_job(engine, settings, job_id)  # with the edits made in Lịch gửi
            return run_job(engine, settings, edited, period)
        finally:
            engine.dispose()

    from reports.runs.send import rerun_command

    what = (
        f"công việc {job.id} kỳ {period.slug()} (chạy lại: {rerun_command(job, period, settings)})"
    )
    try:
        outcome = retrying(what, attempt, retry_s=retry_s, health=health)
    except StoreError as exc:
        # the database is unusable for this baocao (unreachable past the retries, or left at a
        # newer revision): this scheduler cannot go on; serve() mails the owner and exits
        log.error("Job %s for %s: %s", job.id, period.slug(), exc)
        if health is not None:
            health.fail(str(exc))
        return
    if outcome is not None:
        log.info("%s", outcome.message)


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


def stored_next_runs(scheduler: Any, jobs: list[Job]) -> dict[str, datetime]:
    """Each registered job's stored next run time (same schedule only): the first fire time no
    scheduler has handled. Read before :func:`register` replaces the stored jobs."""
    stored = {found.id: found for found in scheduler.get_jobs()}
    since: dict[str, datetime] = {}
    for job in jobs:
        old = stored.get(job.id)
        if old is None or repr(old.trigger) != repr(job.trigger()):
            continue  # never registered, or another schedule: it starts from its next fire time
        if old.next_run_time is not None:
            since[job.id] = old.next_run_time
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
    from reports.schedule.pause import paused_jobs

    outcomes: list[RunOutcome] = []
    paused = paused_jobs(engine)
    limit = settings.scheduler.catch_up_max
    for job in jobs:
        if job.id in paused:
            continue  # paused from Lịch gửi: no catching up either
        first = since.get(job.id)
        if first is None:
            continue  # a new job starts from its next run time
        fires = missed_fire_times(job, first - timedelta(seconds=1), now, 10**6)
        if len(fires) > limit:
            log.warning(
                "job %s: %d runs were missed; catching up the newest %d (scheduler.catch_up_max), "
                "from %s; run the older ones by hand with 'baocao jobs run'",
                job.id, len(fires), limit, fires[-limit],
            )  # fmt: skip
            older = [job.period_for(f, settings) for f in fires[:-limit]]
            tell_owner_skipped(settings, job, older)
        for fire in fires[-limit:] if limit else []:
            period = job.period_for(fire, settings)
            if stopping is not None and stopping.is_set():
                return outcomes
            log.info("catching up job %s for %s (missed run at %s)", job.id, period.slug(), fire)
            outcomes.append(run_job(engine, settings, job, period, **run_kwargs))
    return outcomes


def build_scheduler(settings: Settings, jobs: list[Job], *, blocking: bool = True) -> Any:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    from reports.store.db import create_engine

    cls = BlockingScheduler if blocking else BackgroundScheduler
    health = _ACTIVE["health"] = Health()
    store = RetryingJobStore(
        engine=create_engine(
            settings.database_url, busy_timeout_s=settings.database_busy_timeout_s
        ),
        retry_s=settings.scheduler.db_retry_s,
        health=health,
    )
    scheduler = cls(
        jobstores={"default": store},
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


def bind(settings: Settings) -> None:
    """The settings this process's scheduled runs use (``register`` binds them; a test or a
    one-off caller of :func:`scheduled_run` binds them itself)."""
    _ACTIVE["settings"] = settings


def register(scheduler: Any, settings: Settings, jobs: list[Job]) -> None:
    """Add every job by its id (replacing the stored one); remove jobs no longer on disk."""
    wanted = {job.id for job in jobs}
    stored = {found.id: found for found in scheduler.get_jobs()}
    for job_id in stored:
        if job_id not in wanted:
            scheduler.remove_job(job_id)
    bind(settings)
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
            kwargs={"job_id": job.id},
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
    scheduler = build_scheduler(settings, jobs, blocking=False)
    scheduler.start(paused=True)
    since = stored_next_runs(scheduler, jobs)
    catch_up(engine, settings, jobs, now or datetime.now(UTC), since, stopping=stopping)
    register(scheduler, settings, jobs)
    log.info("scheduler started with %d jobs from %s", len(jobs), settings.jobs_dir)
    if not paused and not (stopping is not None and stopping.is_set()):
        scheduler.resume()  # stopped during the catch-up: nothing more starts
    return scheduler


def serve(engine: Engine, settings: Settings, *, check_every_s: float = 5.0) -> None:
    """Run until SIGTERM or Ctrl-C; the run in hand finishes first (a second Ctrl-C aborts).

    Raises :class:`SchedulerStopped` (the owner mailed) when it cannot go on: a database error
    outlasted ``scheduler.db_retry_s``, or APScheduler's thread ended.
    """
    stopping = threading.Event()

    def stop(signum: int, _frame: object) -> None:
        # No logging here: the signal may interrupt a write to stderr (a reentrant write
        # raises, and the event would never be set).
        stopping.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler = None
    try:
        scheduler = start(engine, settings, stopping=stopping)
        watch(scheduler, settings, stopping, check_every_s)
        log.info("stop requested: finishing the run in hand, then stopping")
    except KeyboardInterrupt:
        log.info("Ctrl-C: finishing the run in hand, then stopping")
    finally:
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=not _ACTIVE["health"].failed.is_set())


HELD_EVERY_S = 900.0
"""How often the scheduler tries the runs held for incomplete data again (and tells the owner
of those past their deadline); an import tries them at once too."""


def watch(
    scheduler: Any,
    settings: Settings,
    stopping: threading.Event,
    check_every_s: float = 5.0,
    held_every_s: float = HELD_EVERY_S,
) -> None:
    """Return when ``stopping`` is set; raise :class:`SchedulerStopped` (owner mailed) when the
    scheduler can no longer schedule: never a live process that runs nothing. Every
    ``held_every_s`` the held runs are tried again (:func:`retry_held_runs`)."""
    import time

    health: Health = _ACTIVE["health"]
    next_held = time.monotonic() + held_every_s
    while not stopping.wait(check_every_s):
        if time.monotonic() >= next_held:
            next_held = time.monotonic() + held_every_s
            retry_held_runs(settings)
        thread = getattr(scheduler, "_thread", None)
        if not health.failed.is_set() and thread is not None and not thread.is_alive():
            health.fail("luồng lập lịch APScheduler đã dừng")
        if health.failed.is_set():
            error = SchedulerStopped(health.reason)
            log.critical("scheduler cannot go on: %s", health.reason)
            tell_owner_stopped(settings, str(error))
            raise error


def retry_held_runs(settings: Settings) -> list[str]:
    """Try again the runs held for incomplete data (reports.approval.retry_held): those whose
    data has come are sent, those past their deadline are reported to the owner. A failure is
    logged; the scheduler goes on."""
    from reports.schedule.held import retry_held
    from reports.store.db import open_store

    try:
        engine = open_store(settings.database_url, busy_timeout_s=settings.database_busy_timeout_s)
    except Exception:  # noqa: BLE001 - the next round tries again; the runs stay held
        log.exception("held runs: the database could not be opened")
        return []
    try:
        lines = retry_held(engine, settings)
    except Exception:  # noqa: BLE001 - logged; the scheduler goes on
        log.exception("held runs could not be tried again")
        return []
    finally:
        engine.dispose()
    for line in lines:
        log.info("held run: %s", line)
    return lines


def tell_owner_stopped(settings: Settings, problem: str) -> None:
    from reports.core.errors import DeliveryError
    from reports.deliver import mail

    owners = {settings.smtp.owner} | {job.owner for job in _loaded_jobs(settings)}
    for owner in sorted(o for o in owners if o):
        msg = mail.owner_message(settings, owner, "[baocao] Bộ lập lịch đã dừng", problem + "\n")
        try:
            mail.send(settings.smtp, msg, owner)
        except DeliveryError as exc:
            log.error("could not tell owner %s that the scheduler stopped: %s", owner, exc)


def tell_owner_skipped(settings: Settings, job: Job, periods: list[Any]) -> None:
    """The periods older than ``scheduler.catch_up_max`` are not run: the owner gets the
    commands that run them (nobody else is mailed)."""
    from reports.core.errors import DeliveryError
    from reports.deliver import mail
    from reports.runs.send import rerun_command

    owner = job.owner or settings.smtp.owner
    if not owner:
        return
    body = (
        f"Bộ lập lịch đã không chạy trong {len(periods) + settings.scheduler.catch_up_max} kỳ "
        f"của công việc {job.id}; chỉ chạy bù {settings.scheduler.catch_up_max} kỳ gần nhất "
        "(scheduler.catch_up_max). Các kỳ cũ hơn chưa gửi; nếu cần, chạy bằng lệnh:\n"
        + "".join(f"  {rerun_command(job, p, settings)}\n" for p in periods)
    )
    subject = f"[baocao] {job.id}: {len(periods)} kỳ cũ chưa chạy bù"
    try:
        mail.send(settings.smtp, mail.owner_message(settings, owner, subject, body), owner)
    except DeliveryError as exc:
        log.error("could not tell owner %s about skipped periods of %s: %s", owner, job.id, exc)


def _loaded_jobs(settings: Settings) -> list[Job]:
    try:
        return load_jobs(settings.jobs_dir, settings.smtp.owner, settings.calendar)
    except Exception:  # noqa: BLE001 - the owner from the settings is told all the same
        return []


def next_run_times(
    settings: Settings, jobs: list[Job], now: datetime
) -> dict[str, datetime | None]:
    return {job.id: job.trigger().get_next_fire_time(None, now) for job in jobs}
