"""Run every benchmark in one go and write bench/RESULTS.md.

    python bench/run.py [--rows 10000000] [--pg postgresql://postgres@127.0.0.1:5432/test]
                        [--no-pg] [--skip-import] [--only pdf,import,units,week,approval,...]

With ``--only``, just those benchmarks run and their sections of RESULTS.md are replaced (by
heading); the other sections stay as they were, each with the yardstick of its own run.
Benchmarks: figures (import 10M + figures, long), docx, xlsx, week, batch, web, pdf,
pdf600 (600 units, memory), import (one big file), import10m (every file of the 10M set beside
plain sqlite3), xlsxcheck (the .xlsx bounds check), units (per-unit one pass), approval.

Without ``--only`` RESULTS.md is written anew, every figure from this one run; what earlier
rounds measured and tried, with their reasons, is kept by hand in bench/NOTES.md.

Each benchmark runs as its own process so its peak memory (max RSS) is measured separately.
The synthetic data set (bench/synth.py) is generated once into bench/data/<rows>/ and reused.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
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
        # one failing benchmark does not lose the others: its section says so
        out = f"**failed**: `{shlex.join(cmd)}` (exit {os.waitstatus_to_exitcode(status)})\n{out}"
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
    ap.add_argument("--only", help="comma-separated benchmarks to run (default: all)")
    ap.add_argument("--note", default="", help="a line for the top of RESULTS.md")
    args = ap.parse_args()
    only = set(args.only.split(",")) if args.only else None

    def wanted(name: str) -> bool:
        return only is None or name in only

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
    if wanted("figures"):
        text, wall, rss = run(fig_cmd)
        sections.append(
            f"### Import and figures ({args.rows:,} records)\n\n{text}\nPeak memory: {rss:.0f} MB; whole run {wall:.0f} s."
        )

    for script, title in (
        ("bench_docx.py", "Word rendering"),
        ("bench_xlsx.py", "Excel rendering"),
    ):
        if wanted(script[6:-3]) and (HERE / script).exists():
            text, wall, rss = run([PY, str(HERE / script)])
            sections.append(f"### {title}\n\n```\n{text.strip()}\n```\nPeak memory: {rss:.0f} MB.")

    sqlite = out / "bench.sqlite"
    db = f"sqlite:///{sqlite}"
    week = _last_week(data)
    baocao = [PY, "-m", "reports", "--db", db]
    gen_dir = out / "one"
    one_week = [*baocao, "generate", "--from", week[0], "--to", week[1],
                "--format", "docx,xlsx", "--out", str(gen_dir)]  # fmt: skip
    if wanted("week"):
        sections.append(_week(one_week, args.rows))
        _write(sections, args)
    batch_dir = out / "all"
    shutil.rmtree(batch_dir, ignore_errors=True)
    if wanted("batch"):
        sections.append(_batch(baocao, week, batch_dir))
    if wanted("web"):
        # the web door: Tuần này's server time, 20 users for 60 s, a 10,000-row upload
        text, wall, rss = run([PY, str(HERE / "bench_web.py"), "--data", str(data)])
        sections.append(f"{text.strip()}\n\nPeak memory: {rss:.0f} MB; whole run {wall:.0f} s.")
    sections += _issue23(args, data, wanted, lambda more: _write([*sections, *more], args))
    _write(sections, args)


def _batch(baocao: list[str], week: tuple[str, str], batch_dir: Path) -> str:
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
    return (
        f"### `baocao generate --all-units`: {count} unit reports, .docx + .xlsx, {os.cpu_count()} processes\n\n"
        f"{wall:.1f} s (target < 60 s; yardstick: docxtpl with a chart, one process, 104 s for 600 .docx alone "
        f"= ratio {wall / 104:.2f}); peak memory of the main process {rss:.0f} MB."
    )


def _week(one_week: list[str], rows: int) -> str:
    """The command 5 times, in turn with the same command writing the detail sheets in its
    own process (BAOCAO_DETAILS_CHILD=0) and with ``python -c pass`` (the yardstick)."""
    # bytecode compiled first, as pip does when it installs; this machine's environment may
    # set PYTHONDONTWRITEBYTECODE, which would make every run compile the package again
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "reports")], check=True)
    load = os.getloadavg()
    runs, alone, pass_ = [], [], []
    for _ in range(5):
        runs.append(run(one_week))
        alone.append(run(one_week, env={"BAOCAO_DETAILS_CHILD": "0"}))
        pass_.append(run([PY, "-c", "pass"]))

    def median(items: list[tuple[str, float, float]]) -> float:
        return sorted(w for _, w, _ in items)[len(items) // 2]

    return (
        f"### `baocao generate` one week, .docx + .xlsx, whole command, {rows:,} records (SQLite)\n\n"
        f"median of 5 runs {median(runs):.2f} s (runs: {', '.join(f'{w:.2f}' for _, w, _ in runs)} s; "
        f"target ≤ 1.5 s); peak memory {max(r for _, _, r in runs):.0f} MB.\n\n"
        f"Beside it in turn: the detail rows written in the process itself "
        f"(BAOCAO_DETAILS_CHILD=0) {median(alone):.2f} s; `python -c pass` {median(pass_):.3f} s; "
        f"load average before the runs {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min, "
        f"{os.cpu_count()} cores).\n\n"
        f"Command: `{shlex.join(one_week[1:])}` (as `python -m reports ...`)."
    )


def _issue23(
    args: argparse.Namespace,
    data: Path,
    wanted: Callable[[str], bool],
    save: Callable[[list[str]], None],
) -> list[str]:
    """The PDF batch, one big import, every unit in one pass, the approval path; RESULTS.md
    saved after each (they are long on a busy machine)."""
    out: list[str] = []
    if wanted("pdf"):
        text, wall, _ = run([PY, str(HERE / "bench_pdf.py"), "--runs", "3"])
        out.append(
            "### PDF: every unit's report beside LibreOffice's own batch (sample city)\n\n"
            f"{text.strip()}\n\nCommand: `python bench/bench_pdf.py --runs 3`; whole run {wall:.0f} s."
        )
        save(out)
    if wanted("import"):
        big = HERE / "data" / "import1m"
        if not (big / "documents.csv").exists():
            run([PY, str(HERE / "synth.py"), "--rows", "1850000", "--out", str(big)])
        text, wall, rss = run([PY, str(HERE / "bench_import.py"), "--data", str(big)])
        out.append(
            "### Import of one big file (~1M rows) split among the readers\n\n"
            f"{text.strip()}\n\nCommand: `python bench/synth.py --rows 1850000 --out "
            f"bench/data/import1m && python bench/bench_import.py --data bench/data/import1m`; "
            f"peak memory of the importing process {rss:.0f} MB (readers aside); whole run {wall:.0f} s."
        )
        save(out)
    if wanted("import10m"):
        cmd = ["--data", str(data.relative_to(ROOT)), "--all-files", "--runs", "3"]
        text, wall, rss = run([PY, str(HERE / "bench_import.py"), *cmd])
        out.append(
            f"### Import of the {args.rows:,}-record set (every file, one per kind) beside the "
            f"same yardstick\n\n{text.strip()}\n\nCommand: `python bench/bench_import.py "
            f"{shlex.join(cmd)}`; peak memory of the importing process {rss:.0f} MB (readers "
            f"aside); whole run {wall:.0f} s."
        )
        save(out)
    if wanted("xlsxcheck"):
        text, wall, _ = run([PY, str(HERE / "xlsx_check.py"), "--runs", "3"])
        out.append(
            "### The .xlsx bounds check on a large sheet beside calamine reading it\n\n"
            f"{text.strip()}\n\nCommand: `python bench/xlsx_check.py --runs 3`; whole run "
            f"{wall:.0f} s."
        )
        save(out)
    if wanted("units"):
        text, wall, _ = run([PY, str(HERE / "bench_units.py"), "--data", str(data)])
        out.append(
            f"### Every unit's figures in one pass ({args.rows:,} records) beside DuckDB\n\n"
            f"{text.strip()}\n\nCommand: `python bench/bench_units.py --data {data.relative_to(ROOT)}` "
            "(after the figures benchmark imported the data)."
        )
        save(out)
    if wanted("approval"):
        text, wall, _ = run([PY, str(HERE / "bench_approval.py")])
        out.append(
            "### Approval end to end (sample week)\n\n"
            f"{text.strip()}\n\nCommand: `python bench/bench_approval.py`."
        )
        save(out)
    if wanted("pdf600"):
        cmd = ["--units", str(args.units), "--rows", "200000"]
        text, wall, _ = run([PY, str(HERE / "bench_pdf.py"), *cmd])
        out.append(
            f"### PDF: {args.units} units (memory bound ≤ 1 GB, LibreOffice included)\n\n"
            f"{text.strip()}\n\nCommand: `python bench/bench_pdf.py {shlex.join(cmd)}`; "
            f"whole run {wall:.0f} s."
        )
        save(out)
    return out


def _write(sections: list[str], args: argparse.Namespace) -> None:
    """RESULTS.md with ``sections`` replacing those of the same heading (appended if new)."""
    path = HERE / "RESULTS.md"
    old = path.read_text(encoding="utf-8") if path.exists() and args.only else ""
    parts = re.split(r"(?m)^(?=### )", old)
    kept = [p.rstrip() for p in parts[1:]] if len(parts) > 1 else []
    fresh = {s.split("\n", 1)[0]: s.rstrip() for s in sections if s.startswith("### ")}
    loose = [s for s in sections if not s.startswith("### ")]
    merged = [fresh.pop(p.split("\n", 1)[0], p) for p in kept]
    merged += list(fresh.values())
    command = f"python bench/run.py --rows {args.rows}" + (" --no-pg" if args.no_pg else "")
    if args.only:
        command += f" --only {args.only}"
    note = f"\n\n{args.note}" if args.note else ""
    report = (
        "# Benchmark results\n\n"
        f"Machine: {machine()}.\n\nLast command: `{command}`.{note}\n\n"
        + "\n\n".join([*loose, *merged])
        + "\n"
    )
    path.write_text(report, encoding="utf-8")
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
