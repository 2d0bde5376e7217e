"""The web door's speed: Tuần này's server time, 20 users for a minute, a 10,000-row upload.

    python bench/bench_web.py --data bench/data/1000000 [--users 20] [--seconds 60]

Uses (or makes) a SQLite file of the synthetic city in ``--data`` (``bench/synth.py`` writes
the CSV files; the import is skipped when the database is already there). Measures:

- Tuần này (figures of the week with its comparisons, the 12-week trend and the data's state),
  rendered through Flask's test client in this process: the server's own time, median and p95,
  counted afresh each time (the first view after an import) and as kept until the next import;
- a real ``baocao web`` (waitress, 8 threads) on a free loopback port, ``--users`` clients each
  logged in with its own session, alternating Tuần này and Lịch sử for ``--seconds``: requests,
  errors, p50/p95/max latency (the clients are Python threads on the same machine, so they take
  CPU from the server: a pessimistic figure);
- the upload of a 10,000-row documents export with its validation report (stored, checked row by
  row, page redirected to), through the test client.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reports.accounts.users import add_user, list_users  # noqa: E402
from reports.settings.load import WebSettings, settings_from_mapping  # noqa: E402
from reports.sources.importer import import_files  # noqa: E402
from reports.store.db import open_store  # noqa: E402

KINDS = ["units", "documents", "dossiers", "receptions", "petitions", "directives", "highlights"]
WEEK = "/?tu=21/12/2020&den=28/12/2020"
PASSWORD = "mat-khau-bench-web"
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database(data: Path) -> Path:
    db = data / "web-bench.sqlite"
    if db.exists():
        return db
    files = [data / f"{k}.csv" for k in KINDS if (data / f"{k}.csv").exists()]
    t = time.perf_counter()
    engine = open_store(f"sqlite:///{db}")
    import_files(engine, files)
    engine.dispose()
    print(f"imported {data} into {db} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return db


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def _settings(db: Path, work: Path):  # type: ignore[no-untyped-def]
    settings = settings_from_mapping(
        {
            "database": {"url": f"sqlite:///{db}"},
            "paths": {"data": str(work / "data"), "output": str(work / "out"), "jobs": str(work)},
        },
        base_dir=work,
        environ={},
    )
    return replace(settings, web=WebSettings(upload_max_mb=50.0))


def _login_client(app):  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = _TOKEN.search(client.get("/dang-nhap").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    done = client.post(
        "/dang-nhap", data={"name": "bench", "password": PASSWORD, "csrf_token": token}
    )
    assert done.status_code == 302, re.findall(
        r'class="error"[^>]*>([^<]+)', done.get_data(as_text=True)
    )
    return client


def server_time(app, runs: int, *, cold: bool) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median and p95 of Tuần này; ``cold``: the figures counted again each time (as after
    every import), else as kept until the next import."""
    from reports.figures import cache as figure_cache

    client = _login_client(app)
    assert client.get(WEEK).status_code == 200
    times = []
    for _ in range(runs):
        if cold:
            figure_cache._cache.clear()
        t = time.perf_counter()
        response = client.get(WEEK)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200 and "<h1>Tuần này</h1>" in response.get_data(
            as_text=True
        )
    return statistics.median(times), _pct(times, 0.95)


def upload_time(app, data: Path, work: Path, runs: int = 3) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    source = data / "documents.csv"
    export = work / "documents-10000.csv"
    with source.open(encoding="utf-8") as fh, export.open("w", encoding="utf-8") as out:
        for n, line in enumerate(fh):
            if n > 10_000:
                break
            out.write(line)
    client = _login_client(app)
    times = []
    for _ in range(runs):
        page = client.get("/nhap-du-lieu/").get_data(as_text=True)
        token = _TOKEN.search(page).group(1)  # type: ignore[union-attr]
        t = time.perf_counter()
        with export.open("rb") as fh:
            response = client.post(
                "/nhap-du-lieu/",
                data={
                    "files": (fh, "documents.csv"),
                    "kind": "",
                    "mapping": "",
                    "csrf_token": token,
                },
                content_type="multipart/form-data",
            )
        report = client.get(response.headers["Location"])
        times.append((time.perf_counter() - t) * 1000)
        assert "Mọi dòng đều hợp lệ" in report.get_data(as_text=True)
    return statistics.median(times), export.stat().st_size


def _user_name(n: int) -> str:
    return f"bench{n:03d}"


def _http_login(port: int, name: str) -> tuple[http.client.HTTPConnection, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/dang-nhap")
    r = conn.getresponse()
    body = r.read().decode()
    cookie = _cookies(r)
    token = _TOKEN.search(body).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"name": name, "password": PASSWORD, "csrf_token": token})
    conn.request(
        "POST",
        "/dang-nhap",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    r = conn.getresponse()
    said = r.read().decode()
    assert r.status == 302, (r.status, re.findall(r'class="error"[^>]*>([^<]+)', said))
    return conn, _cookies(r)


def _cookies(response: http.client.HTTPResponse) -> str:
    """Every cookie the response sets (the session's and the known-browser one), as a
    Cookie header."""
    return "; ".join(c.split(";", 1)[0] for c in response.msg.get_all("Set-Cookie") or [])


def load(settings_file: Path, users: int, seconds: float) -> dict[str, float]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
    env["BAOCAO_SETTINGS"] = str(settings_file)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reports", "web", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        latencies: list[float] = []
        errors = [0]
        said: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(users)
        stop_at = [0.0]

        def user(n: int) -> None:
            conn, cookie = _http_login(port, _user_name(n))
            start.wait()
            paths = [WEEK, "/lich-su"]
            i = n
            while time.perf_counter() < stop_at[0]:
                path = paths[i % 2]
                i += 1
                t = time.perf_counter()
                try:
                    conn.request("GET", path, headers={"Cookie": cookie})
                    r = conn.getresponse()
                    r.read()
                    ok = r.status == 200
                    if not ok and not said:
                        said.append(f"{r.status} {path} {r.getheader('Location')}")
                except OSError:
                    ok = False
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                elapsed = (time.perf_counter() - t) * 1000
                with lock:
                    latencies.append(elapsed)
                    errors[0] += 0 if ok else 1

        stop_at[0] = time.perf_counter() + seconds + 5  # logins first, then the clock starts
        threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    if said:
        print(f"first failed request: {said[0]}", file=sys.stderr)
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "p50": _pct(latencies, 0.5),
        "p95": _pct(latencies, 0.95),
        "max": max(latencies),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, required=True, help="folder of bench/synth.py's CSV files")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    args.data = args.data.resolve()
    from reports.web import create_app

    db = _database(args.data.resolve())
    with tempfile.TemporaryDirectory(prefix="baocao-bench-web-") as tmp:
        work = Path(tmp)
        settings = _settings(db, work)
        engine = open_store(settings.database_url)
        # 20 people, each with an account (the throttle allows one account 5 tries at once)
        known = {u.name for u in list_users(engine)}
        for name in ["bench", *(_user_name(n) for n in range(args.users))]:
            if name not in known:
                add_user(engine, name, "quan-tri", PASSWORD, by="bench")
        os.environ["BAOCAO_SECRET_KEY"] = "b" * 48
        app = create_app({"BAOCAO_SETTINGS": settings, "BAOCAO_ENGINE": engine})
        with engine.connect() as conn:
            from sqlalchemy import text

            records = sum(
                conn.execute(text(f"SELECT count(*) FROM {k}")).scalar_one() for k in KINDS[1:]
            )
        cold_median, cold_p95 = server_time(app, args.runs, cold=True)
        median, p95 = server_time(app, args.runs, cold=False)
        upload_ms, size = upload_time(app, args.data, work)
        settings_file = work / "baocao.toml"
        settings_file.write_text(
            f'[database]\nurl = "sqlite:///{db}"\n[paths]\ndata = "{work / "data"}"\n'
            f'output = "{work / "out"}"\njobs = "{work}"\n',
            encoding="utf-8",
        )
        result = load(settings_file, args.users, args.seconds)
        engine.dispose()
    print(f"### Web door ({records:,} records, SQLite)\n")
    print("| measure | result |\n|---|---|")
    print(
        f"| Tuần này server time, counted afresh (the first view after an import; test client, "
        f"{args.runs} runs) | median {cold_median:.1f} ms, p95 {cold_p95:.1f} ms |"
    )
    print(
        f"| Tuần này server time, figures kept until the next import ({args.runs} runs) "
        f"| median {median:.1f} ms, p95 {p95:.1f} ms |"
    )
    print(
        f"| {args.users} users, Tuần này + Lịch sử, {args.seconds:g} s over loopback (waitress, 8 threads) "
        f"| {result['requests']:,} requests, {result['errors']} errors, p50 {result['p50']:.0f} ms, "
        f"p95 {result['p95']:.0f} ms, max {result['max']:.0f} ms |"
    )
    print(
        f"| upload + validation report, 10,000-row export ({size / 1e6:.1f} MB), median of 3 | {upload_ms:.0f} ms |"
    )


if __name__ == "__main__":
    main()
