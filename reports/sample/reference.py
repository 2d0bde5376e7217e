"""The bulletin's week in the sample city: exact counts, its field lines and section II items.

The texts come from the published bulletin of 21/9–28/9/2020 (package data
``sample/data/reference_week.json``); reports.sample.city calls these helpers when its range covers
that week.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from reports.core.periods import ReportPeriod

REFERENCE = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
"""The bulletin's week; its figures are exact when the sample's range covers it."""

_REFERENCE_FILE = Path(__file__).parent / "data" / "reference_week.json"
# Day of the month of each section II item of the bulletin (its text dates them) and its field.
_HIGHLIGHT_DAYS = (22, 22, 28, 23, 24)
_HIGHLIGHT_FIELDS = ("kinh_te", "kinh_te", "do_thi", "kinh_te", "kinh_te")


@dataclass
class Petition:
    """A petition kept in memory until the reference week's resolutions are settled."""

    id: str
    received: date
    stamp: str
    kind: str
    resolved: date | None
    unit: str


def reference_texts() -> dict[str, Any]:
    """The bulletin's figures, field sentences and section II items (package data)."""
    data: dict[str, Any] = json.loads(_REFERENCE_FILE.read_text(encoding="utf-8"))
    return data


def split(total: int, weights: Sequence[float], rng: random.Random) -> list[int]:
    """``total`` spread over the slots in proportion to ``weights``, summing exactly to it."""
    s = sum(weights)
    raw = [total * x / s for x in weights]
    counts = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - counts[i], rng.random()), reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def reference_quota(
    ref: dict[str, Any], weights: Sequence[float], rng: random.Random
) -> dict[date, dict[str, int]]:
    """Exact counts per day of the reference week (``weights``: one per day, Monday 21/9
    first), so that the week's figures are the bulletin's.

    "completed" is how many of the day's dossiers are returned by 28/9, "persons" how many
    people come beyond one per reception.
    """
    fig = ref["figures"]
    highlighted = sum(len(v) for v in ref["fields"].values())
    counts = {
        "documents": split(fig["documents_received"], weights, rng),
        "dossiers": split(fig["dossiers_received"], weights, rng),
        "receptions": split(fig["receptions"], weights, rng),
        "petitions": split(fig["petitions_received"], weights, rng),
        # the bulletin's highlighted directives (reference_directives) are part of the 800
        "directives": split(fig["directives_approved"] - highlighted, weights, rng),
    }
    counts["completed"] = split(fig["dossiers_completed"], counts["dossiers"], rng)
    extra = fig["reception_persons"] - fig["receptions"]
    counts["persons"] = split(extra, counts["receptions"], rng)
    days = [REFERENCE.start + timedelta(days=i) for i in range(REFERENCE.days)]
    return {d: {kind: c[i] for kind, c in counts.items()} for i, d in enumerate(days)}


def resolve_in_reference(
    petitions: list[Petition], target: int, end: date, rng: random.Random
) -> None:
    """Exactly ``target`` petitions resolved in the reference week, whenever received.

    Those that would naturally be resolved there are kept up to the target (the rest are put
    off by eight days, past the week, or left open if that is after ``end``); any shortfall is
    made up by bringing forward petitions received before or during the week that would
    otherwise be resolved later. The 215 received in the week always suffice.
    """
    week = REFERENCE
    inside = [p for p in petitions if p.resolved and week.start <= p.resolved <= week.end]
    rng.shuffle(inside)
    for p in inside[target:]:
        assert p.resolved is not None
        p.resolved = p.resolved + timedelta(days=8)
        if p.resolved > end:
            p.resolved = None
    later = [
        p
        for p in petitions
        if week.start - timedelta(days=60) <= p.received <= week.end
        and (p.resolved is None or p.resolved > week.end)
    ]
    for p in rng.sample(later, target - min(target, len(inside))):
        first = max(p.received, week.start)
        p.resolved = first + timedelta(days=rng.randint(0, (week.end - first).days))


def reference_directives(ref: dict[str, Any]) -> list[tuple[object, ...]]:
    """The bulletin's field lines as highlighted directives, approved Tuesday to Friday in the
    order of their sentences, so that joining them in approval order gives the line back."""
    rows: list[tuple[object, ...]] = []
    for f, summaries in ref["fields"].items():
        for i, summary in enumerate(summaries):
            day = REFERENCE.start + timedelta(days=1 + i * 4 // len(summaries))
            rows.append(
                (f"CD-REF-{f}-{i + 1:02d}", day.isoformat(), f, summary, f"{4270 + i}/QĐ-UBND", "1")
            )
    return rows


def reference_highlights(ref: dict[str, Any]) -> list[tuple[object, ...]]:
    """The bulletin's section II items, positions 1.., paragraphs separated by a blank line."""
    return [
        (
            f"NB-REF-{i + 1}",
            date(2020, 9, _HIGHLIGHT_DAYS[i]).isoformat(),
            h["title"],
            "\n\n".join(h["paragraphs"]),
            _HIGHLIGHT_FIELDS[i],
            i + 1,
        )
        for i, h in enumerate(ref["highlights"])
    ]
