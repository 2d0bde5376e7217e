"""Every unit's figures in one pass (the batch, and the page's per-unit table) beside DuckDB
scanning the same records for the same per-unit counts.

    python bench/bench_units.py --data bench/data/10000000 --sqlite bench/out/bench.sqlite

The SQLite store must hold ``--data`` already (bench_figures.py, or run.py, imports it).
DuckDB cannot read our SQLite file offline (its scanner is a download), so the CSV files are
loaded into DuckDB tables first (not timed); the timed query is a full scan of every kind,
grouped by unit and rolled up through the unit tree, for the week's single-date counts and the
dossiers' completed and overdue counts. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import median_ms  # noqa: E402

from reports.core.periods import ReportPeriod  # noqa: E402
from reports.figures.indicators import figure_sets, figures_by_unit, list_units  # noqa: E402
from reports.store.db import open_store  # noqa: E402

KINDS = {
    "documents": "received_on",
    "dossiers": "received_on",
    "receptions": "held_on",
    "petitions": "received_on",
    "directives": "approved_on",
}


def duckdb_ms(data: Path, period: ReportPeriod, runs: int) -> tuple[float, int]:
    import duckdb

    con = duckdb.connect()
    for kind in [*KINDS, "units"]:
        con.execute(
            f"CREATE TABLE {kind} AS SELECT * FROM read_csv('{data / (kind + '.csv')}', "
            "header=true, all_varchar=true)"
        )
    con.execute(
        "CREATE TABLE scope AS WITH RECURSIVE up(descendant, ancestor) AS ("
        " SELECT code, code FROM units UNION ALL"
        " SELECT up.descendant, u.parent FROM up JOIN units u ON u.code = up.ancestor"
        " WHERE u.parent IS NOT NULL AND u.parent <> '') SELECT * FROM up"
    )
    lo, hi = f"DATE '{period.start}'", f"DATE '{period.end}'"
    parts = [
        f"SELECT unit, '{kind}' AS what, count(*) AS n FROM {kind} "
        f"WHERE CAST({col} AS DATE) BETWEEN {lo} AND {hi} GROUP BY unit"
        for kind, col in KINDS.items()
    ]
    parts.append(
        f"SELECT unit, 'completed', count(*) FROM dossiers WHERE CAST(received_on AS DATE) "
        f"BETWEEN {lo} AND {hi} AND CAST(returned_on AS DATE) <= {hi} GROUP BY unit"
    )
    parts.append(
        f"SELECT unit, 'overdue', count(*) FROM dossiers WHERE (returned_on IS NULL OR "
        f"CAST(returned_on AS DATE) > {hi}) AND CAST(due_on AS DATE) < {hi} AND "
        f"CAST(received_on AS DATE) <= {hi} GROUP BY unit"
    )
    query = (
        "SELECT s.ancestor, c.what, sum(c.n) FROM (" + " UNION ALL ".join(parts) + ") c "
        "JOIN scope s ON s.descendant = c.unit GROUP BY s.ancestor, c.what"
    )
    groups = len(con.execute(query).fetchall())
    return median_ms(lambda: con.execute(query).fetchall(), runs), groups


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--sqlite", default=str(ROOT / "bench" / "out" / "bench.sqlite"))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    engine = open_store(f"sqlite:///{args.sqlite}", migrate=False)
    with engine.connect() as conn:
        last = conn.exec_driver_sql("SELECT max(day) FROM day_counts").scalar_one()
        last = date.fromisoformat(str(last)[:10])
        start = last - timedelta(days=last.weekday() + 7)
        week = ReportPeriod(start, start + timedelta(days=7))
        codes = [c for c, _, _ in list_units(conn)]
        page = median_ms(lambda: figures_by_unit(conn, week), args.runs)
        batch = median_ms(lambda: figure_sets(conn, week, codes, 12), args.runs)
    duck, groups = duckdb_ms(args.data, week, args.runs)
    print("| measure | result |\n|---|---|")
    print(
        f"| every unit's figures of week {week.start}..{week.end}, {len(codes)} units, one pass "
        f"(`figures_by_unit`, the page's per-unit table), median of {args.runs} | {page:.0f} ms |"
    )
    print(
        f"| the batch's one pass: every unit's figure set (week, 3 comparisons, 12-week trend; "
        f"`figure_sets`) | {batch:.0f} ms |"
    )
    print(
        f"| yardstick: DuckDB full scan of the same records, the week's per-unit counts rolled "
        f"up the tree ({groups} unit × figure groups), data already loaded | {duck:.0f} ms |"
    )
    print(f"| per-unit table ÷ DuckDB (target ≤ 1×) | {page / duck:.2f}× |")


if __name__ == "__main__":
    main()
