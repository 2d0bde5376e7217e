"""The scheduler never dies silently: database errors retried with backoff, and when it cannot
go on, the owner is mailed and the process exits non-zero for the service manager to restart it.

A locked SQLite file (an import writing over a fire time) or a PostgreSQL server restarting
raise :class:`sqlalchemy.exc.OperationalError` from the start-up's reads, the reconcile job and
the run itself. Each is logged at once and retried for ``scheduler.db_retry_s`` seconds, then
:class:`Health` is marked failed and ``serve`` mails the owner and stops. (Each node's schedule
is in memory: no job store touches the database.)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRYABLE = (sa.exc.OperationalError, sa.exc.InterfaceError)
"""Errors of the connection or of a lock, not of the statement: worth trying again."""


def is_retryable(exc: BaseException, depth: int = 0) -> bool:
    """A lost connection or a lock, also when wrapped (``open_store`` turns an unreachable
    server into a :class:`StoreError` caused by it)."""
    if isinstance(exc, RETRYABLE):
        return True
    if isinstance(exc, sa.exc.DBAPIError) and bool(exc.connection_invalidated):
        return True
    cause = exc.__cause__
    return depth < 5 and cause is not None and is_retryable(cause, depth + 1)


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
                log.error("bỏ cuộc: %s sau %d lần thử: %s", what, attempt, exc)
                if health is not None:
                    health.fail(reason)
                raise
            log.warning(
                "mất cơ sở dữ liệu: %s lỗi (lần %d), thử lại sau %.1f giây: %s",
                what,
                attempt,
                wait,
                exc,
            )
            sleep(min(wait, left))
            wait = min(wait * 2, 30.0)
            attempt += 1
