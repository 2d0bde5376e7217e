"""Run every benchmark in one go and write bench/RESULTS.md.

    python bench/run.py [--rows 10000000] [--pg postgresql://postgres@127.0.0.1:5432/test] [--quick]

Each benchmark runs as its own process so its peak memory (max RSS) is measured separately.
The synthetic data set (bench/synth.py) is generated once into bench/data/<rows>/ and reused.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[str, float, float]:
    """(stdout, wall seconds, peak RSS in MB) of one command."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, **(env or {})}
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {shlex.join(cmd)}\n{out}")
    return out, wall, usage.ru_maxrss / 1024


def machine() -> str:
    mem_kb = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return (
        f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
        f"{mem_kb / 1024 / 1024:.1f} GiB memory, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--units", type=int, default=600)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--skip-import", action="store_true", help="reuse the stores of the last run")
    args = ap.parse_args()

    data = HERE / "data" / str(args.rows)
    out = HERE / "out"
    out.mkdir(parents=True, exist_ok=True)
    sections: list[str] = []

    if not (data / "documents.csv").exists():
        _, wall, rss = run(
            [PY, str(HERE / "synth.py"), "--rows", str(args.rows), "--out", str(data)]
        )
        sections.append(
            f"Synthetic data: {args.rows:,} records generated in {wall:.0f} s (peak {rss:.0f} MB)."
        )

    fig_cmd = [PY, str(HERE / "bench_figures.py"), "--data", str(data)]
    if not args.no_pg:
        fig_cmd += ["--pg", args.pg]
    if args.skip_import:
        fig_cmd.append("--skip-import")
    text, wall, rss = run(fig_cmd)
    sections.append(
        f"### Import and figures ({args.rows:,} records)\n\n{text}\nPeak memory: {rss:.0f} MB; whole run {wall:.0f} s."
    )

    for script, title in (
        ("bench_docx.py", "Word rendering"),
        ("bench_xlsx.py", "Excel rendering"),
    ):
        if (HERE / script).exists():
            text, wall, rss = run([PY, str(HERE / script)])
            sections.append(f"### {title}\n\n```\n{text.strip()}\n```\nPeak memory: {rss:.0f} MB.")

    sqlite = out / "bench.sqlite"
    db = f"sqlite:///{sqlite}"
    week = _last_week(data)
    baocao = [PY, "-m", "reports", "--db", db]
    gen_dir = out / "one"
    one_week = [*baocao, "generate", "--from", week[0], "--to", week[1],
                "--format", "docx,xlsx", "--out", str(gen_dir)]  # fmt: skip
    (_, wall, rss), (_, wall2, rss2) = run(one_week), run(one_week)
    sections.append(
        f"### `baocao generate` one week, .docx + .xlsx, whole command, {args.rows:,} records (SQLite)\n\n"
        f"first run {wall:.2f} s, second run {wall2:.2f} s (target < 1.5 s); peak memory {max(rss, rss2):.0f} MB."
    )
    batch_dir = out / "all"
    shutil.rmtree(batch_dir, ignore_errors=True)
    _, wall, rss = run(
        [
            *baocao,
            "generate",
            "--from",
            week[0],
            "--to",
            week[1],
            "--all-units",
            "--format",
            "docx,xlsx",
            "--out",
            str(batch_dir),
        ]
    )
    count = sum(1 for _ in batch_dir.rglob("*.docx"))
    sections.append(
        f"### `baocao generate --all-units`: {count} unit reports, .docx + .xlsx, {os.cpu_count()} processes\n\n"
        f"{wall:.1f} s (target < 60 s; yardstick: docxtpl with a chart, one process, 104 s for 600 .docx alone "
        f"= ratio {wall / 104:.2f}); peak memory of the main process {rss:.0f} MB."
    )

    # the web door: Tuần này's server time, 20 users for 60 s, a 10,000-row upload
    text, wall, rss = run([PY, str(HERE / "bench_web.py"), "--data", str(data)])
    sections.append(f"{text.strip()}\n\nPeak memory: {rss:.0f} MB; whole run {wall:.0f} s.")

    report = (
        "# Benchmark results\n\n"
        f"Machine: {machine()}.\n\nReproduce: `python bench/run.py --rows {args.rows}`"
        f"{'' if not args.no_pg else ' --no-pg'}.\n\n" + "\n\n".join(sections) + "\n"
    )
    (HERE / "RESULTS.md").write_text(report, encoding="utf-8")
    print(report)


def _last_week(data: Path) -> tuple[str, str]:
    from datetime import timedelta

    import duckdb

    last = duckdb.sql(
        f"SELECT max(CAST(received_on AS DATE)) FROM read_csv('{data / 'documents.csv'}')"
    ).fetchall()[0][0]
    start = last - timedelta(days=last.weekday() + 7)
    return start.isoformat(), (start + timedelta(days=7)).isoformat()


if __name__ == "__main__":
    main()
