"""Conversions to PDF queue through one gate per process, so that six pages asking for a PDF
at once never start six LibreOffice conversions.

At most ``[pdf] max_parallel`` conversions run at once; the others wait in line, first come
first served. A web request waits at most ``[pdf] wait_s`` (the web door sets it), then gets a
Vietnamese "đang bận, thử lại sau" (:class:`~reports.core.errors.BusyError`) instead of a
page that never ends; the CLI and the scheduler wait as long as it takes, and so does an
approval making its frozen files (:func:`patient`): its number is already taken.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import threading
import time
from collections.abc import Iterator

from reports.core.errors import BusyError


class Gate:
    """At most ``size`` holders at once; the others wait in arrival order."""

    def __init__(self, size: int = 1, wait_s: float | None = None) -> None:
        self._cond = threading.Condition()
        self._line: collections.deque[int] = collections.deque()
        self._tickets = itertools.count()
        self._running = 0
        self.size = size
        self.wait_s = wait_s

    def configure(self, size: int, wait_s: float | None) -> None:
        with self._cond:
            self.size, self.wait_s = max(1, size), wait_s
            self._cond.notify_all()

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return len(self._line)

    @contextlib.contextmanager
    def held(self, name: str) -> Iterator[None]:
        """Hold one place while the block runs; :class:`BusyError` naming ``name`` when the
        wait passes ``wait_s``."""
        with self._cond:
            ticket = next(self._tickets)
            self._line.append(ticket)
            wait_s = None if getattr(_local, "patient", False) else self.wait_s
            deadline = None if wait_s is None else time.monotonic() + wait_s
            try:
                while self._line[0] != ticket or self._running >= self.size:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        raise BusyError(
                            f"Máy chủ đang bận chuyển {self._running} tệp khác sang PDF nên "
                            f"chưa chuyển được {name}: đang bận, thử lại sau ít phút."
                        )
                    self._cond.wait(left)
            finally:
                self._line.remove(ticket)
                self._cond.notify_all()  # the next in line may now be first
            self._running += 1
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                self._cond.notify_all()


_local = threading.local()


@contextlib.contextmanager
def patient() -> Iterator[None]:
    """Conversions made by this thread in the block wait their turn however long it takes:
    work that must not stop half-way (an approval, numbered, making its frozen files)."""
    before = getattr(_local, "patient", False)
    _local.patient = True
    try:
        yield
    finally:
        _local.patient = before


conversions = Gate()
"""This process's gate for conversions to PDF."""


def configure(max_parallel: int, wait_s: float | None) -> None:
    """Size this process's gate (``[pdf] max_parallel``) and how long a caller waits in line
    (None: as long as it takes)."""
    conversions.configure(max_parallel, wait_s)


def _reset_after_fork() -> None:
    global conversions
    conversions = Gate(conversions.size, conversions.wait_s)  # the parent's holders stay its own


os.register_at_fork(after_in_child=_reset_after_fork)
