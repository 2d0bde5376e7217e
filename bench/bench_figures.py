"""Import speed and figure speed over a large synthetic data set, with DuckDB as the yardstick.

    python bench/bench_figures.py --data bench/data/10m [--pg URL] [--skip-import]

Measures, in one run:
- validated import CSV → SQLite (rows/s) through ``reports.sources.importer.import_files``;
- the same into PostgreSQL (when --pg is given);
- all figures of one week with its three comparisons and a 12-week trend (``figure_set``),
  median of repeated runs, on SQLite and PostgreSQL;
- DuckDB computing the same single-date figures by a full scan of the same CSV data loaded
  into its own tables (its fastest case: columnar, all cores).
Prints a Markdown table; ``bench/run.py`` collects it into ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import median_ms  # noqa: E402  (bench/ is on sys.path when run as a script)

from reports.core.periods import ReportPeriod  # noqa: E402
from reports.figures.indicators import figure_set  # noqa: E402
from reports.store.db import open_store  # noqa: E402

KINDS = ["units", "documents", "dossiers", "receptions", "petitions", "directives"]


def _rows(files: list[Path]) -> int:
    total = 0
    for f in files:
        with f.open("rb") as fh:
            total += sum(1 for _ in fh) - 1
    return total


def import_into(url: str, files: list[Path]) -> tuple[float, int]:
    from reports.sources.importer import import_files

    engine = open_store(url)
    rows = _rows(files)
    t = time.perf_counter()
    import_files(engine, files)
    elapsed = time.perf_counter() - t
    engine.dispose()
    return elapsed, rows


def figures_ms(url: str, period: ReportPeriod, runs: int) -> float:
    engine = open_store(url)
    with engine.connect() as conn:
        ms = median_ms(lambda: figure_set(conn, period, None, 12), runs)
    engine.dispose()
    return ms


def duckdb_ms(data: Path, period: ReportPeriod, runs: int) -> float:
    import duckdb

    con = duckdb.connect()
    for kind in KINDS[1:]:
        con.execute(
            f"CREATE TABLE {kind} AS SELECT * FROM read_csv('{data / (kind + '.csv')}', header=true)"
        )
    periods = [*period.comparisons().values(), *period.trend(12)[:-1]]

    def cases(col: str, value: str = "1") -> str:
        return ", ".join(
            f"SUM(CASE WHEN CAST({col} AS DATE) BETWEEN DATE '{p.start}' AND DATE '{p.end}' "
            f"THEN {value} ELSE 0 END)"
            for p in periods
        )

    queries = [
        f"SELECT field, {cases('received_on')} FROM documents GROUP BY field",
        f"SELECT field, {cases('received_on')} FROM dossiers GROUP BY field",
        f"SELECT {cases('returned_on')} FROM dossiers",
        f"SELECT {cases('held_on')}, {cases('held_on', 'persons')} FROM receptions",
        f"SELECT {cases('received_on')}, {cases('resolved_on')} FROM petitions",
        f"SELECT field, {cases('approved_on')} FROM directives GROUP BY field",
    ]

    def run() -> None:
        for q in queries:
            con.execute(q).fetchall()

    return median_ms(run, runs)


def _fresh_pg_schema(url: str, *, reset: bool) -> str:
    """The bench fills its own schema, never the public one."""
    import sqlalchemy as sa

    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if reset:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS baocao_bench CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS baocao_bench"))
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3Dbaocao_bench"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True, help="folder of canonical CSV files")
    ap.add_argument("--sqlite", default=str(ROOT / "bench" / "out" / "bench.sqlite"))
    ap.add_argument("--pg", help="PostgreSQL URL (a database the bench may fill)")
    ap.add_argument(
        "--week",
        default=None,
        help="first day of the measured week (default: last full week of the data)",
    )
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--skip-import", action="store_true")
    ap.add_argument("--import-runs", type=int, default=3, help="SQLite imports to time")
    args = ap.parse_args()

    files = [args.data / f"{k}.csv" for k in KINDS if (args.data / f"{k}.csv").exists()]
    if args.week:
        start = date.fromisoformat(args.week)
    else:
        import duckdb

        last = duckdb.sql(
            f"SELECT max(CAST(received_on AS DATE)) FROM read_csv('{args.data / 'documents.csv'}')"
        ).fetchall()[0][0]
        start = last - timedelta(days=last.weekday() + 7)
    period = ReportPeriod(start, start + timedelta(days=7))
    results: list[tuple[str, str]] = []
    sqlite_url = f"sqlite:///{Path(args.sqlite).resolve()}"
    if args.pg:
        args.pg = _fresh_pg_schema(args.pg, reset=not args.skip_import)
    if not args.skip_import:
        # This machine's speed varies from run to run (a VM): the median of a few imports,
        # each into a new file, and their range.
        times = []
        for _ in range(args.import_runs):
            for suffix in ("", "-wal", "-shm"):
                Path(args.sqlite + suffix).unlink(missing_ok=True)
            Path(args.sqlite).parent.mkdir(parents=True, exist_ok=True)
            secs, rows = import_into(sqlite_url, files)
            times.append(secs)
        secs = statistics.median(times)
        spread = ", ".join(f"{t:.1f}" for t in times)
        results.append(
            (
                f"import CSV → SQLite, median of {len(times)} runs ({spread} s)",
                f"{rows:,} rows in {secs:.1f} s = {rows / secs:,.0f} rows/s "
                f"(slowest {rows / max(times):,.0f}, fastest {rows / min(times):,.0f})",
            )
        )
        if args.pg:
            secs, rows = import_into(args.pg, files)
            results.append(
                (
                    "import CSV → PostgreSQL",
                    f"{rows:,} rows in {secs:.1f} s = {rows / secs:,.0f} rows/s",
                )
            )
    sq = figures_ms(sqlite_url, period, args.runs)
    duck = duckdb_ms(args.data, period, args.runs)
    results.append(
        (
            f"figures week {period.start}..{period.end} + 3 comparisons + 12-week trend, SQLite",
            f"{sq:.1f} ms",
        )
    )
    results.append(("same single-date figures, DuckDB full scan (yardstick)", f"{duck:.1f} ms"))
    results.append(("SQLite ÷ DuckDB", f"{sq / duck:.2f}×"))
    if args.pg:
        pg = figures_ms(args.pg, period, args.runs)
        results.append(("figures, PostgreSQL", f"{pg:.1f} ms"))
    print("| measure | result |\n|---|---|")
    for name, value in results:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
