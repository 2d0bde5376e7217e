"""Synthetic canonical CSV files at city scale, for the benchmarks.

    python bench/synth.py --rows 10000000 --out bench/data/10000000 [--seed 1] [--units 600] [--years 3]

Kinds in the proportions of the reference bulletin's week (1.406 documents, 61 dossiers,
106 receptions, 215 petitions, 800 directives), over ``--years`` years ending 2020-12-31, 600
units in a 3-level tree (the city, 30 districts, communes). Rows are in date order, as the
offices' systems export them.
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

SHARE = {"documents": 1406, "dossiers": 61, "receptions": 106, "petitions": 215, "directives": 800}
FIELDS = ("kinh_te", "do_thi", "van_hoa_xa_hoi", "noi_chinh")


def units(n: int) -> list[tuple[str, str, str]]:
    out = [("TP", "UBND Thành phố", "")]
    districts = max(1, min(30, n // 20))
    for d in range(districts):
        out.append((f"Q{d:02d}", f"UBND quận {d}", "TP"))
    i = 0
    while len(out) < n:
        d = i % districts
        out.append((f"Q{d:02d}-P{i:04d}", f"UBND phường {i}", f"Q{d:02d}"))
        i += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--units", type=int, default=600)
    ap.add_argument("--years", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    tree = units(args.units)
    with (args.out / "units.csv").open("w", encoding="utf-8") as fh:
        fh.write("code,name,parent\n")
        fh.writelines(f"{c},{n},{p}\n" for c, n, p in tree)
    codes = [c for c, _, _ in tree]
    end = date(2020, 12, 31)
    start = date(end.year - args.years + 1, 1, 1)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    iso = [d.isoformat() for d in days]
    weights = [1.0 if d.weekday() < 5 else 0.15 for d in days]
    total_weight = sum(weights)
    share_total = sum(SHARE.values())
    for kind, share in SHARE.items():
        rows = args.rows * share // share_total
        per_day = [int(rows * w / total_weight) for w in weights]
        per_day[-1] += rows - sum(per_day)
        path = args.out / f"{kind}.csv"
        with path.open("w", encoding="utf-8", buffering=1 << 20) as fh:
            header = {
                "documents": "id,received_on,unit,field,summary",
                "dossiers": "id,received_on,due_on,returned_on,unit,field,online",
                "receptions": "id,held_on,persons,unit",
                "petitions": "id,received_on,kind,resolved_on,unit",
                "directives": "id,approved_on,field,summary,number,highlight",
            }[kind]
            fh.write(header + "\n")
            n = 0
            for i, count in enumerate(per_day):
                if not count:
                    continue
                day = iso[i]
                picked = rng.choices(codes, k=count)
                fields = rng.choices(FIELDS, k=count)
                lines = []
                for u, f in zip(picked, fields, strict=True):
                    n += 1
                    if kind == "documents":
                        lines.append(f"VB{n:09d},{day},{u},{f},Văn bản số {n}\n")
                    elif kind == "dossiers":
                        due = iso[min(i + 10, len(iso) - 1)]
                        ret = (
                            iso[min(i + rng.randint(0, 14), len(iso) - 1)]
                            if rng.random() < 0.97
                            else ""
                        )
                        lines.append(f"HS{n:09d},{day},{due},{ret},{u},{f},{n % 3 == 0:d}\n")
                    elif kind == "receptions":
                        lines.append(f"TCD{n:09d},{day},{1 + n % 3},{u}\n")
                    elif kind == "petitions":
                        res = iso[min(i + 20, len(iso) - 1)] if n % 10 else ""
                        lines.append(
                            f"DT{n:09d},{day},{('khieu_nai', 'to_cao')[n % 2]},{res},{u}\n"
                        )
                    else:
                        lines.append(
                            f"CD{n:09d},{day},{f},Chỉ đạo số {n},{n}/UBND,{int(n % 50 == 0)}\n"
                        )
                fh.writelines(lines)
        print(f"{path}: {rows:,} rows")


if __name__ == "__main__":
    main()
