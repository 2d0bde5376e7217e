"""CPU cost of checking one 10,000-row chunk of each kind (no reading, no database).

    python bench/bench_validate.py --data bench/data/1000000

The import's column-wise checks (reports.sources.validate.Validator) on the first rows of
each synthetic CSV, the best of many repeats: on a machine shared with other work, the
minimum is the figure that compares two versions of the code (PYTHONPATH=<other checkout>).
"""

from __future__ import annotations

import argparse
import csv
import functools
import itertools
import timeit
from pathlib import Path

from reports.core.domain import KINDS, Kind
from reports.sources.validate import SheetTable, Validator

ROWS = 10_000


def _check(kind: Kind, header: list[str], body: list[list[object]], file: str) -> None:
    numbers = list(range(2, len(body) + 2))
    valid = Validator(kind, header, file, None).validate(numbers, body, SheetTable(file, kind, ""))
    assert len(valid) == len(body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=40)
    args = ap.parse_args()
    total = 0.0
    for path in sorted(args.data.glob("*.csv")):
        kind = KINDS[path.stem]
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(itertools.islice(csv.reader(fh), ROWS + 1))
        header, body = rows[0], [list[object](r) for r in rows[1:]]

        check = functools.partial(_check, kind, header, body, str(path))
        best = min(timeit.repeat(check, number=5, repeat=args.repeat)) / 5
        total += best * ROWS / len(body)
        print(f"{kind.name:12} {best * 1000:6.2f} ms per {len(body):,} rows")
    print(f"{'all kinds':12} {total * 1000:6.2f} ms per {ROWS:,} rows of each")


if __name__ == "__main__":
    main()
