"""The scheduler service: APScheduler 3.x, each node's schedule in its own memory.

- Each node (a machine, or a jobs folder on it) keeps its jobs in APScheduler's MemoryJobStore:
  a job store is never shared between processes (APScheduler's FAQ: "you can't"), so no node
  ever removes another's jobs. Every ``scheduler.reconcile_s`` a node re-reads its jobs (its job
  files with the page's edits, :func:`reports.schedule.overrides.effective_jobs`): a new job is
  added, an edited schedule taken (``reschedule_job``), a job gone removed, all without a
  restart; then it writes its heartbeat (:mod:`reports.schedule.nodes`).
- A fire on every node for the same period is still one run: the run ledger claims it.
- ``coalesce`` and a long ``misfire_grace_time``: a run missed while the service was down runs
  once when it comes back, not a burst.
- A whole outage over several run times: at start, every fire time from the next run time the
  node last wrote in its heartbeat up to now is run once, oldest first (the ledger makes each
  exactly-once). A job the node never ran starts from its next fire time.
- The heartbeat holds job ids, schedules and times only: no database URL, no settings path.
- A failing job never stops the scheduler: the runner records and reports it; an exception
  escaping anyway is logged by the listener with the job id.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from reports.core.errors import SchedulerStopped, StoreError
from reports.render import pdf_gate
from reports.runs.jobs import Job, find_job
from reports.runs.lease import RunOutcome
from reports.schedule.catchup import (
    catch_up,
    last_fire_time,
    missed_fire_times,
    stored_next_runs,
)
from reports.schedule.housekeeping import purge_kept_files, retry_held_runs
from reports.schedule.owner_mail import tell_owner_stopped
from reports.schedule.resilient import Health, retrying
from reports.schedule.runner import run_job
from reports.settings.load import Settings

log = logging.getLogger(__name__)

__all__ = [
    "bind",
    "build_scheduler",
    "catch_up",
    "last_fire_time",
    "missed_fire_times",
    "next_run_times",
    "reconcile",
    "register",
    "scheduled_run",
    "serve",
    "start",
    "watch",
]


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
        from reports.schedule.pause import is_paused, paused_jobs

        engine = open_store(settings.database_url, busy_timeout_s=settings.database_busy_timeout_s)
        try:
            if is_paused(paused_jobs(engine), job_id):
                log.info("công việc %s đang tạm dừng (Lịch gửi): bỏ qua lần chạy theo lịch", job_id)
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
        log.error("Công việc %s kỳ %s: %s", job.id, period.slug(), exc)
        if health is not None:
            health.fail(str(exc))
        return
    if outcome is not None:
        log.info("%s", outcome.message)


def build_scheduler(settings: Settings, jobs: list[Job], *, blocking: bool = True) -> Any:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    cls = BlockingScheduler if blocking else BackgroundScheduler
    _ACTIVE["health"] = Health()
    scheduler = cls(
        jobstores={"default": {"type": "memory"}},
        executors={"default": {"type": "threadpool", "max_workers": 2}},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=settings.tz,
    )

    def on_event(event: Any) -> None:
        if event.code == EVENT_JOB_ERROR:
            log.error("Công việc %s gặp lỗi: %s", event.job_id, event.exception)
        else:
            log.warning("Công việc %s lỡ lần chạy lúc %s", event.job_id, event.scheduled_run_time)

    scheduler.add_listener(on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler


def bind(settings: Settings) -> None:
    """The settings this process's scheduled runs use (``register`` binds them; a test or a
    one-off caller of :func:`scheduled_run` binds them itself)."""
    _ACTIVE["settings"] = settings
    pdf_gate.configure(settings.pdf.max_parallel, None)  # runs wait in line, however long


def register(
    scheduler: Any,
    settings: Settings,
    jobs: list[Job],
    since: Mapping[str, datetime] | None = None,
) -> None:
    """Make this node's in-memory schedule ``jobs``: add new ones, reschedule edited ones,
    remove those gone. ``since``: a job's next run time to keep (a run missed while the service
    was down then runs once, coalesced, within its misfire grace)."""
    bind(settings)
    wanted = {job.id: job for job in jobs}
    for found in scheduler.get_jobs():
        if found.id not in wanted:
            log.info("công việc %s không còn: bỏ khỏi lịch của máy này", found.id)
            scheduler.remove_job(found.id)
    for job in jobs:
        trigger = job.trigger()
        current = scheduler.get_job(job.id)
        if current is not None:
            if repr(current.trigger) != repr(trigger):
                log.info("công việc %s: lịch mới %s", job.id, job.schedule)
                scheduler.reschedule_job(job.id, trigger=trigger)
            continue
        keep: dict[str, Any] = {}
        if since and job.id in since:
            keep["next_run_time"] = since[job.id]
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


def heartbeat(scheduler: Any, engine: Engine, settings: Settings, state: str = "running") -> None:
    """Write this node's heartbeat with each job's trigger and next run time."""
    from reports.schedule.nodes import beat, node_id

    jobs = None
    if state == "running":  # a stopped scheduler lists no jobs: the last ones written stay
        jobs = {j.id: (repr(j.trigger), j.next_run_time) for j in scheduler.get_jobs()}
    beat(
        engine,
        node_id(settings.jobs_dir),
        jobs,
        started_at=_ACTIVE.get("started_at") or datetime.now(UTC),
        state=state,
    )


def reconcile(scheduler: Any, engine: Engine, settings: Settings) -> None:
    """Re-read the jobs and take their changes, then write the heartbeat; a database error is
    retried (logged at once), past ``scheduler.db_retry_s`` the scheduler stops."""
    from reports.schedule.overrides import effective_jobs

    health: Health | None = _ACTIVE.get("health")

    def attempt() -> None:
        register(scheduler, settings, effective_jobs(engine, settings))
        heartbeat(scheduler, engine, settings)

    try:
        retrying(
            "kiểm tra lịch và ghi nhịp tim",
            attempt,
            retry_s=settings.scheduler.db_retry_s,
            health=health,
        )
    except StoreError as exc:
        if health is not None:
            health.fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - a bad job file: logged, the scheduler goes on
        if health is not None and health.failed.is_set():
            return
        log.error("không đọc lại được các công việc: %s", exc)


def _keep_reconciling(scheduler: Any, engine: Engine, settings: Settings) -> None:
    """A daemon thread that reconciles every ``scheduler.reconcile_s`` until the scheduler
    shuts down (then it writes a last heartbeat, marked stopped)."""
    from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN

    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(settings.scheduler.reconcile_s):
            reconcile(scheduler, engine, settings)

    def on_shutdown(_event: Any) -> None:
        stop.set()
        health: Health | None = _ACTIVE.get("health")
        if health is not None and health.failed.is_set():
            return
        try:
            heartbeat(scheduler, engine, settings, state="stopped")
        except Exception as exc:  # noqa: BLE001 - the page shows it silent instead
            log.warning("không ghi được nhịp sống cuối của bộ lập lịch: %s", exc)

    scheduler.add_listener(on_shutdown, EVENT_SCHEDULER_SHUTDOWN)
    threading.Thread(target=loop, name="baocao-reconcile", daemon=True).start()


def start(
    engine: Engine,
    settings: Settings,
    *,
    now: datetime | None = None,
    stopping: threading.Event | None = None,
    paused: bool = False,
) -> Any:
    """Catch up missed periods, then start a background scheduler with this node's jobs.

    ``paused``: the caller adds its listeners, then calls ``resume()`` (a run missed while the
    service was down fires as soon as it resumes).
    """
    from reports.schedule.nodes import node_id
    from reports.schedule.overrides import effective_jobs

    _ACTIVE["started_at"] = datetime.now(UTC)
    health = Health()

    def read() -> tuple[list[Job], dict[str, datetime]]:
        jobs = effective_jobs(engine, settings)  # the job files, with the edits made in Lịch gửi
        return jobs, stored_next_runs(engine, node_id(settings.jobs_dir), jobs)

    jobs, since = retrying(
        "đọc các công việc lúc khởi động",
        read,
        retry_s=settings.scheduler.db_retry_s,
        health=health,
    )
    scheduler = build_scheduler(settings, jobs, blocking=False)
    scheduler.start(paused=True)
    catch_up(engine, settings, jobs, now or datetime.now(UTC), since, stopping=stopping)
    register(scheduler, settings, jobs, since)
    retrying(
        "ghi nhịp tim",
        lambda: heartbeat(scheduler, engine, settings),
        retry_s=settings.scheduler.db_retry_s,
        health=_ACTIVE["health"],
    )
    _keep_reconciling(scheduler, engine, settings)
    log.info(
        "Bộ lập lịch đã chạy với %d công việc trong %s (máy %s)",
        len(jobs), settings.jobs_dir, node_id(settings.jobs_dir),
    )  # fmt: skip
    if not paused and not (stopping is not None and stopping.is_set()):
        scheduler.resume()  # stopped during the catch-up: nothing more starts
    return scheduler


def serve(engine: Engine | None, settings: Settings, *, check_every_s: float = 5.0) -> None:
    """Run until SIGTERM or Ctrl-C; the run in hand finishes first (a second Ctrl-C aborts).

    ``engine`` None: the database is opened here, retried like any other database error.
    Raises :class:`SchedulerStopped` (the owner mailed) when it cannot go on: a database error
    outlasted ``scheduler.db_retry_s`` (at start too), or APScheduler's thread ended.
    """
    from reports.schedule.resilient import is_retryable
    from reports.store.db import open_store

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
        try:
            if engine is None:
                url = settings.database_url
                engine = retrying(
                    "mở cơ sở dữ liệu",
                    lambda: open_store(url, busy_timeout_s=settings.database_busy_timeout_s),
                    retry_s=settings.scheduler.db_retry_s,
                    health=None,
                )
            scheduler = start(engine, settings, stopping=stopping)
        except Exception as exc:
            if not (isinstance(exc, StoreError) or is_retryable(exc)):
                raise
            error = SchedulerStopped(str(getattr(exc, "orig", None) or exc))
            log.critical("Bộ lập lịch không khởi động được: %s", error.reason)
            tell_owner_stopped(settings, str(error))
            raise error from exc
        watch(scheduler, settings, stopping, check_every_s)
        log.info("nhận lệnh dừng: làm xong lần chạy đang dở rồi dừng")
    except KeyboardInterrupt:
        log.info("Ctrl-C: làm xong lần chạy đang dở rồi dừng")
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
            purge_kept_files(settings)
        thread = getattr(scheduler, "_thread", None)
        if not health.failed.is_set() and thread is not None and not thread.is_alive():
            health.fail("luồng lập lịch APScheduler đã dừng")
        if health.failed.is_set():
            error = SchedulerStopped(health.reason)
            log.critical("Bộ lập lịch không thể tiếp tục: %s", health.reason)
            tell_owner_stopped(settings, str(error))
            raise error


def next_run_times(
    settings: Settings, jobs: list[Job], now: datetime
) -> dict[str, datetime | None]:
    return {job.id: job.trigger().get_next_fire_time(None, now) for job in jobs}
