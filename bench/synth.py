"""Synthetic canonical CSV files at city scale, for the benchmarks.

    python bench/synth.py --rows 10000000 --out bench/data/10000000 [--seed 1] [--units 600]
                          [--years 3] [--jobs 2] [--with-times]

``--rows`` records in all (units.csv aside), over ``--years`` calendar years ending 2020-12-31,
for ``--units`` units in a 3-level tree: the city (UBND-HN), its 30 real districts, and wards or
communes under them (P-<district>-NNN). Every unit, the city included, has records.

Kinds in the proportions of the reference bulletin's week (1.406 văn bản, 800 văn bản chỉ đạo,
215 đơn, 106 lượt tiếp công dân, 61 hồ sơ): documents 54.2%, directives 30.8%, petitions 8.3%,
receptions 4.1%, dossiers 2.4%; plus highlights, one record in a thousand taken from the
documents' share (10,000 at 10M: about two a week for each unit above the wards), dated
Tuesdays and Thursdays. Directives and highlights
also have the optional ``unit`` column, so that every unit's report has its own. Counts per day follow a
working week: full on Monday–Friday, 15% on Saturday, 5% on Sunday, 1% on public holidays.
Within a kind, rows are in date order, as the offices' systems export them.

Values are like the sample city's (reports/sample/city.py) but cheaper: summaries from a pool built
from the same phrase lists; dossiers due 5–15 working days after receipt, mostly returned within
days, 7% late, 2% never; petitions handled 2–30 working days after receipt, 3% never; 1.7
people per reception; 1% of directives highlighted. Dates are plain ISO days unless
``--with-times`` adds an office-hours time to three records in four (closer to real exports, but
every distinct text is then a new date to parse).

Each kind is written by its own process (``--jobs``) from its own seeded generator, so the files
are the same bytes whatever the number of processes.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import holidays

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from reports.sample import words as w  # noqa: E402

SHARE = {"documents": 1406, "directives": 800, "petitions": 215, "receptions": 106, "dossiers": 61}
HEADERS = {
    "units": "code,name,parent,signer_name",
    "documents": "id,received_on,unit,field,summary",
    "dossiers": "id,received_on,due_on,returned_on,unit,field,online",
    "receptions": "id,held_on,persons,unit",
    "petitions": "id,received_on,kind,resolved_on,unit",
    # directives and highlights also carry the optional unit column the importer reads
    "directives": "id,approved_on,field,summary,number,highlight,unit",
    "highlights": "id,date,title,body,field,position,unit",
}
FIELDS = tuple(w.TOPICS)
_WEEKDAY_WEIGHT = (1.0, 1.0, 1.0, 1.0, 1.0, 0.15, 0.05)
_HOLIDAY_WEIGHT = 0.01
_BUFFER = 1 << 20


@dataclass(frozen=True)
class Plan:
    out: Path
    seed: int
    units: int
    start: date
    end: date
    with_times: bool


def unit_tree(n: int) -> list[tuple[str, str, str]]:
    """The city, its 30 districts, then wards/communes spread over the districts: ``n`` units."""
    city = w.CITY[0]
    out = [(city, w.CITY[1], "")]
    districts = list(w.DISTRICTS[: max(0, min(len(w.DISTRICTS), n - 1))])
    out += [(code, name, city) for code, name in districts]
    i = 0
    while len(out) < n:
        code, name = districts[i % len(districts)]
        suffix = code.removeprefix("UBND-")
        number = i // len(districts) + 1
        ward = "phường" if name.startswith("UBND quận") else "xã"
        out.append((f"P-{suffix}-{number:03d}", f"UBND {ward} số {number} ({name[5:]})", code))
        i += 1
    return out[:n]


def split_counts(rows: int) -> dict[str, int]:
    """Rows per kind, summing exactly to ``rows``; highlights come out of the documents' share."""
    total = sum(SHARE.values())
    counts = {kind: rows * share // total for kind, share in SHARE.items()}
    counts["highlights"] = rows // 1000
    counts["documents"] += rows - sum(counts.values())
    return counts


def _quote(text: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([text])
    return buf.getvalue()


class _Calendar:
    def __init__(self, start: date, end: date) -> None:
        off = holidays.country_holidays("VN", years=range(start.year, end.year + 1))
        self.days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        self.iso = [d.isoformat() for d in self.days]
        self.weights = [
            _HOLIDAY_WEIGHT if d in off else _WEEKDAY_WEIGHT[d.weekday()] for d in self.days
        ]
        # Due dates may fall after the last day of the data: working days run on past it.
        ahead = [end + timedelta(days=i) for i in range(1, 64)]
        self.due_iso = self.iso + [d.isoformat() for d in ahead]
        working = [d.weekday() < 5 and d not in off for d in self.days + ahead]
        # after[i][k]: index (in due_iso) of the k-th working day after day i.
        self.after: list[list[int]] = []
        for i in range(len(self.days)):
            row, j = [i], i
            for _ in range(31):
                j += 1
                while not working[j]:
                    j += 1
                row.append(j)
            self.after.append(row)

    def per_day(self, total: int) -> list[int]:
        s = sum(self.weights)
        counts = [int(total * x / s) for x in self.weights]
        rest = total - sum(counts)
        for i in sorted(range(len(counts)), key=lambda i: -self.weights[i])[:rest]:
            counts[i] += 1
        return counts

    def iso_or_empty(self, index: int) -> str:
        return self.iso[index] if index < len(self.iso) else ""


def _summaries(rng: random.Random, size: int, kind: str) -> list[str]:
    """'field,"summary"' pairs, already CSV-quoted, to pick from."""
    pool = []
    for _ in range(size):
        f = rng.choice(FIELDS)
        topic = rng.choice(w.TOPICS[f])
        if kind == "documents":
            text = f"{rng.choice(w.DOC_TYPES)} của {rng.choice(w.SOURCES)} về {topic}"
        else:
            text = f"{rng.choice(w.ACTIONS)} {topic}."
        pool.append(f"{f},{_quote(text)}")
    return pool


def write_kind(plan: Plan, kind: str, rows: int) -> tuple[str, int, float]:
    """Write one kind's file; returns (kind, rows, seconds)."""
    t0 = time.perf_counter()
    rng = random.Random(f"{plan.seed}-{kind}")
    cal = _Calendar(plan.start, plan.end)
    codes = [code for code, _, _ in unit_tree(plan.units)]
    stamps = cal.iso
    times = [f" {h:02d}:{m:02d}" for h in range(7, 18) for m in range(60)]
    path = plan.out / f"{kind}.csv"
    n = 0
    with path.open("w", encoding="utf-8", newline="", buffering=_BUFFER) as fh:
        fh.write(HEADERS[kind] + "\n")
        if kind == "highlights":
            n = _write_highlights(fh, rng, cal, codes[: 1 + len(w.DISTRICTS)], rows)
            return kind, n, time.perf_counter() - t0
        pool = _summaries(rng, 4000, kind)
        for i, count in enumerate(cal.per_day(rows)):
            if not count:
                continue
            day = stamps[i]
            units = rng.choices(codes, k=count)
            if plan.with_times:
                days = [
                    day + t if rng.random() < 0.75 else day for t in rng.choices(times, k=count)
                ]
            else:
                days = [day] * count
            lines: list[str] = []
            if kind == "documents":
                for d, u, s in zip(days, units, rng.choices(pool, k=count), strict=True):
                    n += 1
                    lines.append(f"VB{n:09d},{d},{u},{s}\n")
            elif kind == "directives":
                for u, s in zip(units, rng.choices(pool, k=count), strict=True):
                    n += 1
                    hl = "1" if rng.random() < 0.01 else "0"
                    lines.append(f"CD{n:09d},{day},{s},{n % 9000 + 100}/QĐ-UBND,{hl},{u}\n")
            elif kind == "receptions":
                persons = rng.choices("12345", weights=(60, 20, 10, 6, 4), k=count)
                for d, u, p in zip(days, units, persons, strict=True):
                    n += 1
                    lines.append(f"TCD{n:09d},{d},{p},{u}\n")
            elif kind == "petitions":
                kinds = rng.choices(
                    ("khieu_nai", "to_cao", "kien_nghi_phan_anh"), (5, 2, 3), k=count
                )
                after = cal.after[i]
                for d, u, k in zip(days, units, kinds, strict=True):
                    n += 1
                    res = cal.iso_or_empty(after[rng.randint(2, 30)]) if rng.random() < 0.97 else ""
                    lines.append(f"DT{n:09d},{d},{k},{res},{u}\n")
            else:
                lines += _dossier_lines(rng, cal, i, days, units, n)
                n += count
            fh.writelines(lines)
    return kind, n, time.perf_counter() - t0


def _dossier_lines(
    rng: random.Random, cal: _Calendar, i: int, days: Sequence[str], units: Sequence[str], n: int
) -> list[str]:
    after = cal.after[i]
    lines = []
    for d, u in zip(days, units, strict=True):
        n += 1
        due = after[rng.randint(5, 15)]
        roll = rng.random()
        if roll < 0.02:
            ret = ""
        elif roll < 0.09:
            ret = cal.iso_or_empty(cal.after[min(due, len(cal.after) - 1)][rng.randint(1, 7)])
        else:
            ret = cal.iso_or_empty(min(due, i + int(rng.expovariate(0.4))))
        online = "1" if rng.random() < 0.3 else "0"
        field = FIELDS[n % 4]
        lines.append(f"HS{n:09d},{d},{cal.due_iso[due]},{ret},{u},{field},{online}\n")
    return lines


def _write_highlights(
    fh: io.TextIOBase, rng: random.Random, cal: _Calendar, units: list[str], rows: int
) -> int:
    """``rows`` highlights on Tuesdays and Thursdays, the units above the wards in turn."""
    out = csv.writer(fh, lineterminator="\n")
    days = [i for i, day in enumerate(cal.days) if day.weekday() in (1, 3)]
    n = 0
    for k, i in enumerate(days):
        day = cal.days[i]
        for _ in range(rows * (k + 1) // len(days) - rows * k // len(days)):
            u = units[n % len(units)]
            n += 1
            f = rng.choice(FIELDS)
            topic = rng.choice(w.TOPICS[f])
            action = rng.choice(w.ACTIONS)
            body = (
                f"Ngày {day.day}/{day.month}/{day.year}, UBND {action[0].lower()}{action[1:]} "
                f"{topic}.\n\n{rng.choice(w.FOLLOW_UPS)}"
            )
            title = f"{action} {topic}"
            position = 1 if day.weekday() == 1 else 2
            out.writerow((f"NB{n:08d}", cal.iso[i], title, body, f, position, u))
    return n


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--units", type=int, default=600)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2, help="processes writing files (default 2)")
    ap.add_argument("--with-times", action="store_true", help="add a time of day to most dates")
    args = ap.parse_args(argv)
    if args.rows < 0 or args.units < 2 or args.years < 1:
        ap.error("--rows >= 0, --units >= 2 and --years >= 1")
    end = date(2020, 12, 31)
    plan = Plan(
        args.out, args.seed, args.units, date(end.year - args.years + 1, 1, 1), end, args.with_times
    )
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with (args.out / "units.csv").open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADERS["units"] + "\n")
        # every unit's own report has a signer (issue 19)
        csv.writer(fh, lineterminator="\n").writerows(
            (*row, f"Người ký {row[0]}") for row in unit_tree(args.units)
        )
    counts = split_counts(args.rows)
    order = sorted(counts, key=lambda k: -counts[k])  # biggest first, to balance the processes
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        done = list(pool.map(write_kind, [plan] * len(order), order, [counts[k] for k in order]))
    total = 0
    for kind, rows, seconds in sorted(done, key=lambda r: list(HEADERS).index(r[0])):
        total += rows
        print(f"{args.out / (kind + '.csv')}: {rows:,} rows in {seconds:.1f} s")
    print(f"{total:,} records and {args.units} units in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
