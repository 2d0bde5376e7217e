"""A claimed run: its outcome, and the lease that keeps it ours while it works.

A run is claimed in the ledger before any work (:func:`reports.runs.ledger.claim`); the lease
is renewed while it works and with every send claim, so a run taken over by another process
stops before mailing anyone else.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.core.errors import JobError, Said, Step
from reports.core.period_names import period_short
from reports.runs import ledger

log = logging.getLogger(__name__)


@dataclass
class RunOutcome:
    status: str
    """delivered, already-delivered, busy (another process has it), taken-over (this process
    lost its lease to another while working), failed, not-ended (the period has not ended in
    the office's time zone: nothing is made or mailed)"""
    message: str
    run_id: int | None = None
    files: list[Path] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    step: Step | None = None
    """What to do next, worded by each door (``message`` is door-neutral)."""
    step_args: dict[str, str] = field(default_factory=dict)

    @property
    def said(self) -> Said:
        return Said(self.message, self.step, self.step_args)

    @property
    def exit_code(self) -> int:
        return {"failed": 6, "not-ended": 2}.get(self.status, 0)


class LeaseLost(JobError):
    """Another process took the run over after this one's lease ran out."""


class Lease:
    """Keeps a claimed run's lease alive while it works.

    A daemon thread renews it every third of ``lease_s`` (so a long rendering is not mistaken
    for a dead process); :meth:`renew` renews it at once and raises :class:`LeaseLost` if the
    run is no longer ours, so nobody is mailed by two processes.
    """

    def __init__(
        self,
        engine: Engine,
        run: ledger.Run,
        lease_s: int,
        clock: Callable[[], datetime],
        also: sa.ColumnElement[bool] | None = None,
        max_s: float | None = None,
    ) -> None:
        self.engine, self.run, self.lease_s, self.clock = engine, run, lease_s, clock
        self.also = also
        """A further condition each renewal checks (an approved run: its approval stands)."""
        self.max_s = max_s
        """Past this many seconds the lease is no longer renewed: a process stuck in its work
        (a hung render or mail server) loses the run to another instead of holding it."""
        self.started = clock()
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{run.id}", daemon=True)

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(max(self.lease_s / 3, 1.0)):
            if self._overdue():
                log.warning("lần chạy #%d đã quá hạn: không gia hạn quyền giữ", self.run.id)
                self.lost = True
                return
            try:
                if not ledger.renew(
                    self.engine, self.run, now=self.clock(), lease_s=self.lease_s, also=self.also
                ):
                    self.lost = True
                    return
            except Exception:  # noqa: BLE001 - a database hiccup: the next beat tries again
                log.warning("không gia hạn được quyền giữ lần chạy #%d", self.run.id, exc_info=True)

    def _overdue(self) -> bool:
        return self.max_s is not None and (self.clock() - self.started).total_seconds() > self.max_s

    def renew(self) -> None:
        if self._overdue():
            self.lost = True
            raise LeaseLost(
                f"Lần chạy #{self.run.id} ({self.run.job_id} kỳ "
                f"{period_short(self.run.period)}) quá {self.max_s:g} giây "
                "(smtp.run_deadline_s); dừng tại đây, không gửi thêm cho ai; chạy lại sau."
            ).leads_to(Step.SEE_RUNS)
        if self.lost or not ledger.renew(
            self.engine, self.run, now=self.clock(), lease_s=self.lease_s, also=self.also
        ):
            self._lost()

    def claim_send(self, recipient: str) -> None:
        """Renew and record ``recipient`` as being sent in one transaction, or raise LeaseLost."""
        if self.lost or not ledger.claim_send(
            self.engine,
            self.run,
            recipient,
            now=self.clock(),
            lease_s=self.lease_s,
            also=self.also,
        ):
            self._lost()

    def _lost(self) -> None:
        self.lost = True
        raise LeaseLost(
            f"Lần chạy #{self.run.id} ({self.run.job_id} kỳ "
            f"{period_short(self.run.period)}) đã được tiến trình khác tiếp quản vì quá "
            f"{self.lease_s} giây không gia hạn; dừng tại đây để không gửi trùng."
        ).leads_to(Step.SEE_RUNS)
