"""Two schedulers, each with its own jobs folder, on one PostgreSQL database: each keeps its
schedule in memory (neither removes the other's jobs), both take a schedule edited in the
database without a restart, and a fire on both nodes for the same period is one run, across a
17 s outage of the database (every connection terminated and new ones refused).

The outage is simulated on a database made for this test (``ALTER DATABASE … ALLOW_CONNECTIONS
false`` and ``pg_terminate_backend``), not by restarting the server that other tests share."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from reports.runs import ledger
from reports.sample.city import write_sample
from reports.schedule.overrides import save_edit
from reports.settings.load import PROJECT_ROOT, load_settings
from reports.sources.importer import import_files
from reports.store.db import open_store
from tests.smtp import SmtpServer

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
LEADERS = ("lanhdao1@ubnd.gov.vn", "lanhdao2@ubnd.gov.vn")
ORDER = ["units", "documents", "dossiers", "receptions", "petitions", "directives", "highlights"]


@pytest.fixture
def own_database(pg_server_url: str) -> Iterator[tuple[str, sa.engine.Engine]]:
    name = f"baocao_nodes_{os.getpid()}"
    admin = sa.create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = pg_server_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url, admin
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _job(folder: Path, job_id: str) -> None:
    (folder / f"{job_id}.toml").write_text(
        f'id = "{job_id}"\nschedule = "0 8 * * MON"\nformats = ["docx"]\non_holiday = "run"\n'
        f"[email]\nto = {list(LEADERS)!r}\n".replace("'", '"'),
        encoding="utf-8",
    )


def _machine(root: Path, name: str, url: str, smtp_port: int, jobs: list[str]) -> Path:
    folder = root / name
    (folder / "jobs").mkdir(parents=True)
    for job_id in jobs:
        _job(folder / "jobs", job_id)
    path = folder / "baocao.toml"
    path.write_text(
        f'[database]\nurl = "{url}"\n'
        f'[paths]\ntemplates = "{PROJECT_ROOT / "templates"}"\noutput = "{folder / "out"}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nmail_from = "baocao@vp.hanoi.gov.vn"\n'
        'owner = "it@vp.hanoi.gov.vn"\nretry_backoff_s = 0.01\n'
        "[scheduler]\nlease_s = 60\nreconcile_s = 2\ndb_retry_s = 120\n",
        encoding="utf-8",
    )
    return path


class Node:
    def __init__(self, config: Path, lines: queue.Queue[tuple[str, str]]) -> None:
        self.name = config.parent.name
        self.log: list[str] = []
        env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reports", "--settings", str(config), "scheduler"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        self.reader = threading.Thread(target=self._read, args=(lines,), daemon=True)
        self.reader.start()

    def _read(self, lines: queue.Queue[tuple[str, str]]) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line)
            lines.put((self.name, line))

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(120)
        self.reader.join(30)
        assert self.proc.stderr is not None
        self.proc.stderr.close()
        return code


def _wait_for(lines: queue.Queue[tuple[str, str]], text: str, count: int, timeout: float) -> None:
    seen = 0
    deadline = time.monotonic() + timeout
    while seen < count:
        name, line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        if text in line:
            seen += 1


@pytest.mark.slow
def test_two_nodes_keep_their_jobs_and_run_each_period_once_across_an_outage(
    own_database: tuple[str, sa.engine.Engine], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    url, admin = own_database
    name = url.rsplit("/", 1)[1]
    engine = open_store(url)
    today = date.today()
    files = write_sample(tmp_path / "csv", start=today - timedelta(days=35), end=today)
    import_files(engine, [files[k] for k in ORDER])
    config_a = _machine(tmp_path, "may-a", url, smtp_server.port, ["bao-cao-tuan"])
    config_b = _machine(tmp_path, "may-b", url, smtp_server.port, ["bao-cao-tuan", "bao-cao-b"])
    lines: queue.Queue[tuple[str, str]] = queue.Queue()
    nodes = [Node(config_a, lines), Node(config_b, lines)]
    try:
        _wait_for(lines, "Bộ lập lịch đã chạy với", 2, 120)
        # both jobs are edited in the database (Lịch gửi) to fire at the next minute: the
        # running schedulers take the edit without a restart
        # the first whole minute at least 25 s away: time for both to take the edit (every
        # reconcile_s = 2 s) and for the outage to start 5 s before the fire
        fire = (datetime.now(HCM) + timedelta(seconds=25 + 59)).replace(second=0, microsecond=0)
        settings_b = load_settings(config_b, environ={})
        for job_id in ("bao-cao-tuan", "bao-cao-b"):
            save_edit(
                engine, settings_b, job_id,
                schedule=f"{fire.minute} {fire.hour} * * *", to=LEADERS, cc=[], by="quantri",
            )  # fmt: skip
        _wait_for(lines, "lịch mới", 3, 60)  # A: one job, B: two
        # the database goes away 5 s before the fire time, for 17 s
        time.sleep(max(0.0, (fire - datetime.now(HCM)).total_seconds() - 5))
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        engine.dispose()
        time.sleep(17)
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        # two jobs, two leaders each: four deliveries in all, whichever node claimed each run
        _wait_for(lines, "thư báo cáo ", 4, 240)
        assert all(node.proc.poll() is None for node in nodes), "a scheduler stopped"
        with engine.connect() as conn:
            states = conn.execute(sa.text("SELECT state FROM scheduler_nodes")).scalars().all()
        assert states == ["running", "running"]
    finally:
        codes = [node.stop() for node in nodes]
    logs = {node.name: "".join(node.log) for node in nodes}
    assert codes == [0, 0], logs
    for log in logs.values():
        assert "mất cơ sở dữ liệu" in log  # the outage was seen and retried, not fatal
        assert "Bộ lập lịch không thể tiếp tục" not in log
    assert sum(log.count("thư báo cáo ") for log in logs.values()) == 4, logs
    assert [len(smtp_server.handler.to(r)) for r in LEADERS] == [2, 2]
    for job_id in ("bao-cao-tuan", "bao-cao-b"):
        ((run, sent),) = ledger.history(engine, job_id)
        assert run.status == "delivered"
        assert {d.recipient for d in sent} == set(LEADERS)
    with engine.connect() as conn:
        states = conn.execute(sa.text("SELECT state FROM scheduler_nodes")).scalars().all()
    assert states == ["stopped", "stopped"]
    engine.dispose()
