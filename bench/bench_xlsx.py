"""Excel writing: a week's workbook, and a year of details in write-only vs normal mode.

    python bench/bench_xlsx.py [--rows 1000000] [--normal-rows 100000]

Each large case runs in its own process so its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def _records(n: int):  # type: ignore[no-untyped-def]
    from reports.core.model import RecordSheet

    start = date(2020, 1, 1)
    rows = (
        (
            f"VB{i:09d}",
            start + timedelta(days=i % 365),
            f"U{i % 600:03d}",
            "kinh_te",
            f"Văn bản số {i}",
        )
        for i in range(n)
    )
    return RecordSheet(
        "documents", "văn bản", ("id", "received_on", "unit", "field", "summary"), rows
    )


def week(runs: int) -> float:
    from conftest import make_report

    from reports.render.xlsx import render_xlsx
    from reports.settings.load import load_settings

    settings = load_settings(environ={})
    report = make_report(settings)
    out = Path(tempfile.mkdtemp()) / "w.xlsx"
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        render_xlsx(report, settings, out, records=[_records(2500)])
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def big(rows: int, mode: str) -> None:
    """Child process: write ``rows`` detail rows, print seconds and peak RSS."""
    out = Path(tempfile.mkdtemp()) / "big.xlsx"
    t = time.perf_counter()
    if mode == "write-only":
        from conftest import make_report

        from reports.render.xlsx import render_xlsx
        from reports.settings.load import load_settings

        settings = load_settings(environ={})
        render_xlsx(make_report(settings), settings, out, records=[_records(rows)])
    else:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(["Mã", "Ngày", "Đơn vị", "Lĩnh vực", "Trích yếu"])
        for row in _records(rows).rows:
            ws.append(list(row))
        for cell in ws["B"]:
            cell.number_format = "dd/mm/yyyy"
        wb.save(out)
    seconds = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.1f} {peak_mb:.0f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--normal-rows", type=int, default=100_000)
    ap.add_argument("--child", nargs=2, metavar=("ROWS", "MODE"))
    args = ap.parse_args()
    if args.child:
        big(int(args.child[0]), args.child[1])
        return
    print(f"week's workbook (2,500 detail rows): {week(7) * 1000:.0f} ms (target < 300 ms)")
    for rows, mode in (
        (args.rows, "write-only"),
        (args.normal_rows, "normal"),
        (args.normal_rows, "write-only"),
    ):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(rows), mode],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        print(
            f"{rows:>9,} detail rows, {mode:10s}: {float(out[0]):6.1f} s, peak {int(out[1]):5d} MB"
        )


if __name__ == "__main__":
    main()
