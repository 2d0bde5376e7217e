"""Scheduler nodes and their heartbeats.

Each machine (or each jobs folder on a machine) running ``baocao scheduler`` is a node. A node
keeps its schedule in memory (APScheduler's MemoryJobStore: its documentation forbids sharing
a job store between processes) and writes one row of ``scheduler_nodes`` every
``scheduler.reconcile_s``: when it last checked in, and each job's next run time, from which
its next start catches up the runs it missed. The page and ``baocao check`` read these rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.store.db import as_utc
from reports.store.schema import scheduler_nodes

RUNNING, STOPPED = "running", "stopped"


def node_id(jobs_dir: Path) -> str:
    """This machine's name and a short digest of its jobs folder (no path is stored)."""
    digest = hashlib.sha256(str(Path(jobs_dir).resolve()).encode()).hexdigest()[:8]
    return f"{socket.gethostname()[:180]}/{digest}"


@dataclass(frozen=True)
class NodeStatus:
    node: str
    host: str
    pid: int
    started_at: datetime
    beat_at: datetime
    state: str
    alive: bool

    def words(self, tz: object) -> str:
        """One Vietnamese line: "đang chạy trên máy …, kiểm tra lần cuối …" or the warning."""
        when = self.beat_at.astimezone(tz).strftime("%H:%M:%S %d/%m/%Y")  # type: ignore[arg-type]
        if self.alive:
            return f"đang chạy trên máy {self.host}, kiểm tra lần cuối {when}"
        if self.state == STOPPED:
            return f"đã dừng trên máy {self.host} lúc {when}"
        return f"KHÔNG phản hồi trên máy {self.host} từ {when}: kiểm tra dịch vụ baocao-scheduler"


def beat(
    engine: Engine,
    node: str,
    jobs: dict[str, tuple[str, datetime | None]] | None,
    *,
    started_at: datetime,
    now: datetime | None = None,
    state: str = RUNNING,
) -> None:
    """Write this node's heartbeat: its jobs' triggers and next run times (``jobs`` None:
    those it wrote last are kept, as when a stopped scheduler no longer lists its jobs)."""
    now = now or datetime.now(UTC)
    values: dict[str, object] = {
        "host": socket.gethostname()[:200],
        "pid": os.getpid(),
        "started_at": started_at,
        "beat_at": now,
        "state": state,
    }
    if jobs is not None:
        values["jobs"] = json.dumps(
            {k: [trigger, nxt.isoformat() if nxt else None] for k, (trigger, nxt) in jobs.items()},
            sort_keys=True,
        )
    with engine.begin() as conn:
        done = conn.execute(
            sa.update(scheduler_nodes).where(scheduler_nodes.c.node == node).values(**values)
        )
        if done.rowcount == 0:
            conn.execute(sa.insert(scheduler_nodes).values(node=node, **values))


def last_next_runs(engine: Engine, node: str) -> dict[str, tuple[str, datetime]]:
    """The triggers and next run times this node wrote last (empty for a new node)."""
    with engine.connect() as conn:
        text = conn.execute(
            sa.select(scheduler_nodes.c.jobs).where(scheduler_nodes.c.node == node)
        ).scalar_one_or_none()
    out: dict[str, tuple[str, datetime]] = {}
    for job_id, (trigger, nxt) in json.loads(text or "{}").items():
        if nxt:
            out[job_id] = (trigger, datetime.fromisoformat(nxt))
    return out


def node_statuses(engine: Engine, stale_s: float, now: datetime | None = None) -> list[NodeStatus]:
    """Every node that ever checked in, newest first; ``alive`` when it is running and checked
    in within ``stale_s``."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(scheduler_nodes).order_by(scheduler_nodes.c.beat_at.desc())
        ).all()
    out = []
    for row in rows:
        beat_at = as_utc(row.beat_at)
        alive = row.state == RUNNING and now - beat_at <= timedelta(seconds=stale_s)
        out.append(
            NodeStatus(
                row.node, row.host, row.pid, as_utc(row.started_at), beat_at, row.state, alive
            )
        )
    return out


@dataclass(frozen=True)
class Banner:
    ok: bool
    lines: tuple[str, ...]


def scheduler_banner(
    engine: Engine, stale_s: float, tz: object, now: datetime | None = None
) -> Banner:
    """What the page shows about the schedulers: the nodes alive, or a warning (red) when
    none is, or when one that was running has gone silent past ``stale_s``."""
    statuses = node_statuses(engine, stale_s, now)
    if not statuses:
        return Banner(
            False,
            ("Bộ lập lịch: chưa chạy lần nào (dịch vụ lập lịch chưa được bật trên máy chủ).",),
        )
    shown = [s for s in statuses if s.alive or s.state == RUNNING] or statuses[:1]
    ok = all(s.alive for s in shown)
    return Banner(ok, tuple(f"Bộ lập lịch: {s.words(tz)}" for s in shown))
