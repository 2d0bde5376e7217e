"""A deterministic sample city: the records a Hà Nội office would import, day by day.

``write_sample(folder)`` writes canonical CSV files (data.md §1). When the range covers the
whole week 21/9–28/9/2020 (both days included), that week has exactly the figures of the
published bulletin (1.406 văn bản; 61 hồ sơ, 49 returned; 106 lượt, 183 người; 215 đơn received,
212 handled; 800 văn bản chỉ đạo), its four field lines and its section II items. Every other
week is believable noise: the bulletin's weekly volumes spread over working days, little on
weekends and public holidays, and a few highlighted directives and highlights each week.

Same seed and range, same bytes: one ``random.Random(seed)``, no clock, rows in a fixed order.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import holidays

from reports.core import vi
from reports.core.errors import UsageError
from reports.sample import words as w
from reports.sample.reference import (
    REFERENCE,
    Petition,
    reference_directives,
    reference_highlights,
    reference_quota,
    reference_texts,
    resolve_in_reference,
)

__all__ = ["FIELDS", "HEADERS", "REFERENCE", "UNITS", "write_sample"]

_SAMPLE_DISTRICTS = {
    *(code for code, _ in w.DISTRICTS[:9]),
    *("UBND-SON-TAY", "UBND-BA-VI", "UBND-THANH-OAI"),
}
UNITS: tuple[tuple[str, str, str], ...] = (
    (*w.CITY, ""),
    *((code, name, w.CITY[0]) for code, name in w.DEPARTMENTS),
    *((code, name, w.CITY[0]) for code, name in w.DISTRICTS if code in _SAMPLE_DISTRICTS),
    *w.COMMUNES,
)
"""31 units: the city, 10 departments, 12 districts, 8 wards and communes (code, name, parent)."""

_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương")
_MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Quốc", "Thu", "Đức")
_GIVEN = (
    "An",
    "Bình",
    "Cường",
    "Dung",
    "Giang",
    "Hà",
    "Hải",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Sơn",
    "Tâm",
)


def _signer(i: int) -> str:
    """Who signs unit ``i``'s own report (issue 19: never blank): a name, the same each run."""
    return f"{_FAMILY[i % len(_FAMILY)]} {_MIDDLE[i % len(_MIDDLE)]} {_GIVEN[i % len(_GIVEN)]}"


HEADERS: dict[str, tuple[str, ...]] = {
    "units": ("code", "name", "parent", "signer_name"),
    "documents": ("id", "received_on", "unit", "field", "summary"),
    "dossiers": ("id", "received_on", "due_on", "returned_on", "unit", "field", "online"),
    "receptions": ("id", "held_on", "persons", "unit"),
    "petitions": ("id", "received_on", "kind", "resolved_on", "unit"),
    "directives": ("id", "approved_on", "field", "summary", "number", "highlight"),
    "highlights": ("id", "date", "title", "body", "field", "position"),
}
"""The canonical columns of each kind, in the order the files have them."""

FIELDS = tuple(w.TOPICS)
_RECORD_UNITS = tuple(code for code, _, parent in UNITS if parent)
_WEEKLY = {
    "documents": 1400,
    "dossiers": 60,
    "receptions": 100,
    "petitions": 200,
    "directives": 800,
}
_WEEKDAY_WEIGHT = (1.0, 1.0, 1.0, 1.0, 1.0, 0.15, 0.05)
_HOLIDAY_WEIGHT = 0.01
# A week's report counts Monday to Monday, both included, as the bulletin does: _WEEKLY are the
# volumes of such eight days.
_WEEK_WEIGHT = sum(_WEEKDAY_WEIGHT) + _WEEKDAY_WEIGHT[0]


@dataclass
class _City:
    """The calendar and counters shared by the generators of one sample."""

    rng: random.Random
    start: date
    end: date
    exact: bool
    off: Any  # holidays.HolidayBase: `day in off` for public holidays
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HEADERS, 0))

    def next_id(self, kind: str) -> int:
        self.counters[kind] += 1
        return self.counters[kind]

    def in_reference(self, day: date) -> bool:
        return self.exact and REFERENCE.start <= day <= REFERENCE.end

    def working(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.off

    def add_working_days(self, day: date, n: int) -> date:
        while n > 0:
            day += timedelta(days=1)
            if self.working(day):
                n -= 1
        return day

    def stamp(self, day: date) -> str:
        """A day, with an office-hours time for most records (exports often carry one)."""
        if self.rng.random() < 0.25:
            return day.isoformat()
        return f"{day.isoformat()} {self.rng.randint(7, 17):02d}:{self.rng.randint(0, 59):02d}"


def write_sample(
    folder: Path,
    *,
    seed: int = 2020,
    start: date = date(2019, 1, 1),
    end: date = date(2020, 12, 31),
) -> dict[str, Path]:
    """Write units.csv, documents.csv, … highlights.csv into ``folder``; returns kind → path.

    Records are dated from ``start`` to ``end`` (both included). Outcomes that would fall after
    ``end`` (a dossier's return, a petition's resolution) are left empty: still being handled.
    """
    if end < start:
        raise UsageError(
            f"Khoảng ngày của dữ liệu mẫu không hợp lệ: từ {start:%d/%m/%Y} đến "
            f"{end:%d/%m/%Y}. Hãy chọn ngày bắt đầu không muộn hơn ngày kết thúc."
        )
    folder.mkdir(parents=True, exist_ok=True)
    city = _City(
        rng=random.Random(seed),
        start=start,
        end=end,
        exact=start <= REFERENCE.start and REFERENCE.end <= end,
        off=holidays.country_holidays("VN", years=range(start.year, end.year + 1)),
    )
    ref = reference_texts()
    quota: dict[date, dict[str, int]] = {}
    if city.exact:
        days = [REFERENCE.start + timedelta(days=i) for i in range(REFERENCE.days)]
        quota = reference_quota(ref, [_weight(city, d) for d in days], city.rng)
    rows: dict[str, list[Sequence[object]]] = {kind: [] for kind in HEADERS}
    rows["units"].extend((*u, _signer(i)) for i, u in enumerate(UNITS))
    petitions: list[Petition] = []

    day = start
    while day <= end:
        q = quota.get(day, {})
        rows["documents"] += _documents(city, day, q.get("documents"))
        rows["dossiers"] += _dossiers(city, day, q.get("dossiers"), q.get("completed"))
        rows["receptions"] += _receptions(city, day, q.get("receptions"), q.get("persons"))
        petitions += _petitions(city, day, q.get("petitions"))
        rows["directives"] += _directives(city, day, q.get("directives"))
        day += timedelta(days=1)

    if city.exact:
        target = ref["figures"]["petitions_resolved"]
        resolve_in_reference(petitions, target, city.end, city.rng)
        rows["directives"] += reference_directives(ref)
        rows["highlights"] += reference_highlights(ref)
    rows["petitions"] = [
        (p.id, p.stamp, p.kind, p.resolved.isoformat() if p.resolved else "", p.unit)
        for p in petitions
    ]
    rows["highlights"] += _weekly_highlights(city)

    paths: dict[str, Path] = {}
    for kind, header in HEADERS.items():
        paths[kind] = folder / f"{kind}.csv"
        with paths[kind].open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh, lineterminator="\n")
            out.writerow(header)
            out.writerows(rows[kind])
    return paths


def _weight(city: _City, day: date) -> float:
    return _HOLIDAY_WEIGHT if day in city.off else _WEEKDAY_WEIGHT[day.weekday()]


def _volume(city: _City, kind: str, day: date) -> int:
    mean = _WEEKLY[kind] / _WEEK_WEIGHT * _weight(city, day)
    return max(0, round(city.rng.gauss(mean, mean * 0.12)))


def _documents(city: _City, day: date, n: int | None) -> list[tuple[object, ...]]:
    rng = city.rng
    rows: list[tuple[object, ...]] = []
    for _ in range(_volume(city, "documents", day) if n is None else n):
        f = rng.choice(FIELDS)
        summary = (
            f"{rng.choice(w.DOC_TYPES)} của {rng.choice(w.SOURCES)} về {rng.choice(w.TOPICS[f])}"
        )
        rows.append(
            (
                f"VB-{day.year}-{city.next_id('documents'):07d}",
                city.stamp(day),
                rng.choice(_RECORD_UNITS),
                f,
                summary,
            )
        )
    return rows


def _dossiers(
    city: _City, day: date, n: int | None, completed: int | None
) -> list[tuple[object, ...]]:
    """Dossiers received on ``day``: due 5–15 working days later, most returned on time.

    On a reference day the first ``completed`` are returned by the end of the reference week and
    the others after it (returned_on of dossiers received on other days is free: no reference
    figure counts it).
    """
    rng = city.rng
    rows: list[tuple[object, ...]] = []
    for i in range(_volume(city, "dossiers", day) if n is None else n):
        due = city.add_working_days(day, rng.randint(5, 15))
        returned: date | None
        if completed is not None:
            if i < completed:
                returned = day + timedelta(days=rng.randint(0, (REFERENCE.end - day).days))
            else:
                returned = REFERENCE.end + timedelta(days=rng.randint(1, 12))
        else:
            roll = rng.random()
            if roll < 0.02:
                returned = None  # stuck: still open however long the sample runs
            elif roll < 0.09:
                returned = city.add_working_days(due, rng.randint(1, 7))
            else:
                # most are returned within a few days, well before they are due
                span = (due - day).days
                returned = day + timedelta(days=min(span, int(rng.expovariate(0.4))))
        if returned is not None and returned > city.end:
            returned = None
        rows.append(
            (
                f"HS-{day.year}-{city.next_id('dossiers'):06d}",
                city.stamp(day),
                due.isoformat(),
                returned.isoformat() if returned else "",
                rng.choice(_RECORD_UNITS),
                rng.choice(FIELDS),
                "1" if rng.random() < 0.3 else "0",
            )
        )
    return rows


def _receptions(
    city: _City, day: date, n: int | None, extra_persons: int | None
) -> list[tuple[object, ...]]:
    """Reception visits (lượt) with how many people came: 1.7 on average."""
    rng = city.rng
    if n is None:
        count = _volume(city, "receptions", day)
        persons = rng.choices((1, 2, 3, 4, 5), weights=(60, 20, 10, 6, 4), k=count)
    else:
        persons = [1] * n
        for _ in range(extra_persons or 0):
            persons[rng.randrange(n)] += 1
    return [
        (f"TCD-{city.next_id('receptions'):06d}", city.stamp(day), p, rng.choice(_RECORD_UNITS))
        for p in persons
    ]


def _petitions(city: _City, day: date, n: int | None) -> list[Petition]:
    """Petitions received on ``day``; handled 2–30 working days later, a few never."""
    rng = city.rng
    out = []
    for _ in range(_volume(city, "petitions", day) if n is None else n):
        resolved: date | None = None
        if rng.random() < 0.97:
            resolved = city.add_working_days(day, rng.randint(2, 30))
            if resolved > city.end:
                resolved = None
        out.append(
            Petition(
                f"DT-{city.next_id('petitions'):06d}",
                day,
                city.stamp(day),
                rng.choices(("khieu_nai", "to_cao", "kien_nghi_phan_anh"), (5, 2, 3))[0],
                resolved,
                rng.choice(_RECORD_UNITS),
            )
        )
    return out


def _directive_summary(rng: random.Random, f: str, year: int) -> str:
    scope = rng.choice(w.SCOPES).format(year=year)
    return f"{rng.choice(w.ACTIONS)} {rng.choice(w.TOPICS[f])}{scope}."


def _directives(city: _City, day: date, n: int | None) -> list[tuple[object, ...]]:
    """Directives approved on ``day``; on Tuesdays and Thursdays the first one of each field is
    highlighted, so that every ordinary week has a line per field (none in the reference week:
    its lines are the bulletin's)."""
    rng = city.rng
    rows: list[tuple[object, ...]] = []
    marked: set[str] = set()
    highlight_day = day.weekday() in (1, 3) and not city.in_reference(day)
    for _ in range(_volume(city, "directives", day) if n is None else n):
        f = rng.choice(FIELDS)
        seq = city.next_id("directives")
        highlight = highlight_day and f not in marked
        if highlight:
            marked.add(f)
        rows.append(
            (
                f"CD-{day.year}-{seq:06d}",
                day.isoformat(),
                f,
                _directive_summary(rng, f, day.year),
                f"{seq % 9000 + 100}/{rng.choice(w.NUMBER_SUFFIXES[f])}",
                "1" if highlight else "0",
            )
        )
    return rows


def _weekly_highlights(city: _City) -> list[tuple[object, ...]]:
    """Two to four highlights a week, dated Tuesday to Friday, body paragraphs separated by a
    blank line; none in the reference week (its items are the bulletin's)."""
    rng = city.rng
    rows: list[tuple[object, ...]] = []
    monday = city.start - timedelta(days=city.start.weekday())
    while monday <= city.end:
        days = [monday + timedelta(days=k) for k in range(1, 5)]
        days = [d for d in days if city.start <= d <= city.end and not city.in_reference(d)]
        for position in range(1, min(rng.randint(2, 4), len(days)) + 1):
            day = days[position - 1]
            f = rng.choice(FIELDS)
            topic = rng.choice(w.TOPICS[f])
            deadline = city.add_working_days(day, 20)
            action = rng.choice(w.ACTIONS)
            paragraphs = [
                f"Ngày {vi.numeric_date(day)}, UBND Thành phố "
                f"{action[0].lower()}{action[1:]} {topic}.",
                *rng.sample(w.FOLLOW_UPS, rng.randint(1, 2)),
                f"Thời hạn báo cáo kết quả: trước ngày {vi.numeric_date(deadline)}.",
            ]
            rows.append(
                (
                    f"NB-{day.year}-{city.next_id('highlights'):04d}",
                    day.isoformat(),
                    f"{rng.choice(w.ACTIONS)} {topic}",
                    "\n\n".join(paragraphs),
                    f,
                    position,
                )
            )
        monday += timedelta(days=7)
    return rows
