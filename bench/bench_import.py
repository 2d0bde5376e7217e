"""One big export file: the import with the file split among the readers, without, and plain
``sqlite3`` executemany of the same rows with no check at all (the yardstick).

    python bench/bench_import.py --data bench/data/import1m [--runs 3]
    python bench/bench_import.py --data bench/data/10000000 --all-files [--runs 3]

``--data`` holds ``units.csv`` and ``documents.csv`` (bench/synth.py; ~1.85M records in all give
a documents.csv of ~1M rows); with ``--all-files`` every CSV file there is imported (the 10M
set: one file per kind, each over 32 MB split too, being alone of its kind). Each figure comes
with the load average when it started and the CPU time of all the processes it took (the
machine may be shared). Prints a Markdown table; ``bench/run.py`` collects it.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import reports.sources.plan as plan  # noqa: E402
from reports.sources.importer import import_files  # noqa: E402
from reports.store.db import open_store  # noqa: E402


def rows_of(files: list[Path]) -> int:
    total = 0
    for f in files:
        with f.open(newline="", encoding="utf-8") as fh:
            total += sum(1 for _ in csv.reader(fh)) - 1
    return total


Timing = tuple[float, float, float, float]
"""Wall seconds, CPU seconds (user + system) of this process and of its finished children,
and the 1-minute load average when it started."""


def _clock() -> tuple[float, float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (
        time.perf_counter(),
        me.ru_utime + me.ru_stime,
        children.ru_utime + children.ru_stime,
    )


def _since(start: tuple[float, float, float], load: float) -> Timing:
    end = _clock()
    return end[0] - start[0], end[1] - start[1], end[2] - start[2], load


def timed_import(files: list[Path], work: Path, *, split: bool) -> Timing:
    plan.SPLIT_BYTES = None if split else 1 << 62
    with tempfile.NamedTemporaryFile(dir=work, suffix=".sqlite") as db:
        engine = open_store(f"sqlite:///{db.name}")
        load = os.getloadavg()[0]
        start = _clock()
        import_files(engine, files)
        took = _since(start, load)  # the readers have been joined: their CPU is counted
        engine.dispose()
    return took


def plain_sqlite(files: list[Path], work: Path) -> Timing:
    """Every row of every file into a table of text columns, one executemany per file."""
    with tempfile.NamedTemporaryFile(dir=work, suffix=".sqlite") as db:
        con = sqlite3.connect(db.name)
        load = os.getloadavg()[0]
        start = _clock()
        for f in files:
            with f.open(newline="", encoding="utf-8") as fh:
                reader = csv.reader(fh)
                header = next(reader)
                table = f.stem
                con.execute(f"CREATE TABLE {table} ({', '.join(header)})")
                marks = ", ".join("?" for _ in header)
                con.executemany(f"INSERT INTO {table} VALUES ({marks})", reader)
        con.commit()
        took = _since(start, load)
        con.close()
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--all-files",
        action="store_true",
        help="import every CSV file of --data (the 10M set: one file per kind; a file over 32 MB is split, as it is alone of its kind)",
    )
    args = ap.parse_args()
    files = [args.data / "units.csv", args.data / "documents.csv"]
    if args.all_files:
        files = [files[0], *sorted(f for f in args.data.glob("*.csv") if f.stem != "units")]
    rows = rows_of(files)
    big = rows_of(files[1:2])
    work = ROOT / "bench" / "out"
    work.mkdir(parents=True, exist_ok=True)
    split: list[Timing] = []
    whole: list[Timing] = []
    plain: list[Timing] = []
    # the machine is shared: each run's load average and CPU time are given beside its time
    for _ in range(args.runs):
        split.append(timed_import(files, work, split=True))
        if not args.all_files:
            whole.append(timed_import(files, work, split=False))
        plain.append(plain_sqlite(files, work))

    def median(runs: list[Timing], at: int = 0) -> float:
        return statistics.median(r[at] for r in runs)

    def cell(runs: list[Timing]) -> str:
        m = median(runs)
        walls = ", ".join(f"{r[0]:.1f}" for r in runs)
        load = ", ".join(f"{r[3]:.1f}" for r in runs)
        cpu = ", ".join(f"{r[1] + r[2]:.1f}" for r in runs)
        return (
            f"{m:.1f} s = {rows / m:,.0f} rows/s (runs: {walls} s; load average {load}; "
            f"CPU of all its processes {cpu} s)"
        )

    print("| measure | result |\n|---|---|")
    if args.all_files:
        print(
            f"| import {len(files)} files ({', '.join(f.name for f in files)}), {rows:,} rows, "
            f"{plan.READERS} readers (target ≥ 180k rows/s) | {cell(split)} |"
        )
    else:
        print(
            f"| import units.csv + documents.csv ({big:,} rows, one file), {rows:,} rows, the "
            f"big file split among {plan.READERS} readers (target ≥ 150k rows/s) | {cell(split)} |"
        )
        print(f"| same, the big file read by one reader (before) | {cell(whole)} |")
    print(f"| yardstick: plain `sqlite3` executemany, no check | {cell(plain)} |")
    ratio = median(split) / median(plain)
    print(f"| split import ÷ yardstick, wall (same run) | {ratio:.2f}× |")
    total, writer = median(split, 1) + median(split, 2), median(split, 1)
    print(
        f"| split import, CPU: all processes {total:.1f} s, the writing one {writer:.1f} s "
        f"(medians); yardstick {median(plain, 1):.1f} s | on 2 idle cores at best "
        f"max({total:.1f} / 2, {writer:.1f}) = {max(total / 2, writer):.1f} s = "
        f"{rows / max(total / 2, writer):,.0f} rows/s (a bound from CPU time, not a timing) |"
    )


if __name__ == "__main__":
    main()
