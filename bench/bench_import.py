"""One big export file: the import with the file split among the readers, without, and plain
``sqlite3`` executemany of the same rows with no check at all (the yardstick).

    python bench/bench_import.py --data bench/data/import1m [--runs 3]

``--data`` holds ``units.csv`` and ``documents.csv`` (bench/synth.py; ~1.85M records in all give
a documents.csv of ~1M rows). Prints a Markdown table; ``bench/run.py`` collects it.
"""

from __future__ import annotations

import argparse
import csv
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


def timed_import(files: list[Path], work: Path, *, split: bool) -> float:
    plan.SPLIT_BYTES = None if split else 1 << 62
    with tempfile.NamedTemporaryFile(dir=work, suffix=".sqlite") as db:
        engine = open_store(f"sqlite:///{db.name}")
        t = time.perf_counter()
        import_files(engine, files)
        wall = time.perf_counter() - t
        engine.dispose()
    return wall


def plain_sqlite(files: list[Path], work: Path) -> float:
    """Every row of every file into a table of text columns, one executemany per file."""
    with tempfile.NamedTemporaryFile(dir=work, suffix=".sqlite") as db:
        con = sqlite3.connect(db.name)
        t = time.perf_counter()
        for f in files:
            with f.open(newline="", encoding="utf-8") as fh:
                reader = csv.reader(fh)
                header = next(reader)
                table = f.stem
                con.execute(f"CREATE TABLE {table} ({', '.join(header)})")
                marks = ", ".join("?" for _ in header)
                con.executemany(f"INSERT INTO {table} VALUES ({marks})", reader)
        con.commit()
        wall = time.perf_counter() - t
        con.close()
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    files = [args.data / "units.csv", args.data / "documents.csv"]
    rows = rows_of(files)
    big = rows_of(files[1:])
    work = ROOT / "bench" / "out"
    work.mkdir(parents=True, exist_ok=True)
    split, whole, plain = [], [], []
    for _ in range(args.runs):
        split.append(timed_import(files, work, split=True))
        whole.append(timed_import(files, work, split=False))
        plain.append(plain_sqlite(files, work))

    def cell(times: list[float]) -> str:
        m = statistics.median(times)
        runs = ", ".join(f"{t:.1f}" for t in times)
        return f"{m:.1f} s = {rows / m:,.0f} rows/s (runs: {runs} s)"

    print("| measure | result |\n|---|---|")
    print(
        f"| import units.csv + documents.csv ({big:,} rows, one file), {rows:,} rows, the big "
        f"file split among {plan.READERS} readers (target ≥ 150k rows/s) | {cell(split)} |"
    )
    print(f"| same, the big file read by one reader (before) | {cell(whole)} |")
    print(f"| yardstick: plain `sqlite3` executemany, no check | {cell(plain)} |")


if __name__ == "__main__":
    main()
