"""The scheduler never dies silently: database errors retried with backoff, and when it cannot
go on, the owner is mailed and the process exits non-zero for the service manager to restart it.

A locked SQLite file (an import writing over a fire time) or a PostgreSQL server restarting
raise :class:`sqlalchemy.exc.OperationalError` from APScheduler's job store and from the run
itself. Unhandled in APScheduler's own thread, such an error ends that thread while the process
stays up scheduling nothing; here every job-store call and every scheduled run is retried for
``scheduler.db_retry_s`` seconds, then :class:`Health` is marked failed and ``serve`` stops.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRYABLE = (sa.exc.OperationalError, sa.exc.InterfaceError)
"""Errors of the connection or of a lock, not of the statement: worth trying again."""


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, RETRYABLE):
        return True
    return isinstance(exc, sa.exc.DBAPIError) and bool(exc.connection_invalidated)


class Health:
    """Shared by the scheduler's threads: the first fatal error, which ``serve`` acts on."""

    def __init__(self) -> None:
        self.failed = threading.Event()
        self.reason: str = ""

    def fail(self, reason: str) -> None:
        if not self.failed.is_set():
            self.reason = reason
            self.failed.set()


def retrying(
    what: str,
    call: Callable[[], T],
    *,
    retry_s: float,
    health: Health | None,
    sleep: Callable[[float], None] = time.sleep,
    first_wait_s: float = 0.5,
) -> T:
    """``call()``, tried again with doubling waits (at most 30 s) while it raises a retryable
    database error and ``retry_s`` seconds have not passed; then ``health`` is failed and the
    error raised."""
    deadline = time.monotonic() + retry_s
    wait = first_wait_s
    attempt = 1
    while True:
        try:
            return call()
        except Exception as exc:
            if not is_retryable(exc):
                raise
            left = deadline - time.monotonic()
            if left <= 0 or (health is not None and health.failed.is_set()):
                reason = f"{what}: {getattr(exc, 'orig', None) or exc} (đã thử {attempt} lần)"
                log.error("giving up on %s after %d attempts: %s", what, attempt, exc)
                if health is not None:
                    health.fail(reason)
                raise
            log.warning("%s failed (attempt %d), retrying in %.1f s: %s", what, attempt, wait, exc)
            sleep(min(wait, left))
            wait = min(wait * 2, 30.0)
            attempt += 1


class RetryingJobStore(SQLAlchemyJobStore):  # type: ignore[misc]
    """APScheduler's SQLAlchemy job store whose every database call is retried."""

    def __init__(self, *, retry_s: float, health: Health, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._retry_s = retry_s
        self._health = health
        self._closed = False

    def shutdown(self) -> None:
        # APScheduler's loop runs once more after shutdown() (it wakes on the event set last):
        # that pass must not open a connection on the disposed engine (it would never close)
        self._closed = True
        super().shutdown()

    def _retry(self, name: str, *args: Any) -> Any:
        method = getattr(super(), name)
        return retrying(
            f"bảng apscheduler_jobs ({name})",
            lambda: method(*args),
            retry_s=self._retry_s,
            health=self._health,
        )

    def _in_loop(self, name: str, gave_up: Any, *args: Any) -> Any:
        """A call from APScheduler's own thread: once the scheduler is failed, the call gives
        ``gave_up`` instead of raising (which would end the thread with a traceback); the
        process is stopping, and what was not stored is run again after the restart."""
        if self._closed or self._health.failed.is_set():
            return gave_up  # store nothing more: the restart must see what was not done
        try:
            return self._retry(name, *args)
        except Exception as exc:
            if not is_retryable(exc):
                raise
            return gave_up

    def lookup_job(self, job_id: str) -> Any:
        return self._retry("lookup_job", job_id)

    def get_due_jobs(self, now: Any) -> Any:
        return self._in_loop("get_due_jobs", [], now)

    def get_next_run_time(self) -> Any:
        return self._in_loop("get_next_run_time", None)

    def get_all_jobs(self) -> Any:
        return self._retry("get_all_jobs")

    def add_job(self, job: Any) -> None:
        self._retry("add_job", job)

    def update_job(self, job: Any) -> None:
        self._in_loop("update_job", None, job)

    def remove_job(self, job_id: str) -> None:
        self._retry("remove_job", job_id)

    def remove_all_jobs(self) -> None:
        self._retry("remove_all_jobs")
