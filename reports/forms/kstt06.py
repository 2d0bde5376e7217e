"""Biểu 06/VPCP/KSTT counted from the dossiers: rows by level, inside a level by lĩnh vực TTHC
(when the dossiers carry one) or by unit, and the total row last.

Each column is counted by its own definition (docs/forms.md), not derived from the others, so
that the identities check the records: a hand-edited store shows up as a broken identity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from reports.core.periods import ReportPeriod
from reports.forms.table import ITEM, LEVEL, TOTAL, Cell, FormRow, FormTable, Identity, merge
from reports.sources.values import fold

IDENTITIES = (
    Identity(3, (4, 5, 6)),
    Identity(7, (8, 9, 10)),
    Identity(11, (12, 13)),
    Identity(3, (7, 11)),
)
DISTRICTS_ABOLISHED = date(2025, 7, 1)
"""Cấp huyện exists for periods that start before this day."""

LEVELS = (
    ("tinh", "I", "Cấp tỉnh"),
    ("huyen", "II", "Cấp huyện"),
    ("xa", "III", "Cấp xã"),
)
LEVEL_OF_TYPE = {
    "so": "tinh",
    "ban": "tinh",
    "khac": "tinh",
    "quan": "huyen",
    "huyen": "huyen",
    "thi_xa": "huyen",
    "thanh_pho": "huyen",
    "phuong": "xa",
    "xa": "xa",
    "dac_khu": "xa",
}
OTHER_FIELD = "Lĩnh vực khác"
WITHDRAWN = ("denied", "cancelled")


@dataclass(frozen=True)
class Rules:
    withdrawn: str = "on-time"
    awaiting_supplement: str = "in-time"
    stopped: str = "in-time"

    def notes(self) -> tuple[str, ...]:
        words = {
            ("withdrawn", "on-time"): "hồ sơ trả lại, xin rút tính là đã giải quyết đúng hạn "
            "vào ngày trả",
            ("withdrawn", "excluded"): "hồ sơ trả lại, xin rút không tính",
            ("awaiting_supplement", "in-time"): "hồ sơ chờ bổ sung tính là đang giải quyết "
            "trong hạn",
            ("awaiting_supplement", "by-due-date"): "hồ sơ chờ bổ sung tính trong hạn hay quá "
            "hạn theo ngày hẹn trả",
            ("stopped", "in-time"): "hồ sơ dừng xử lý tính là đang giải quyết trong hạn",
            ("stopped", "excluded"): "hồ sơ dừng xử lý không tính",
        }
        return (
            "Cách tính: "
            + "; ".join(
                words[(k, getattr(self, k))]
                for k in ("withdrawn", "awaiting_supplement", "stopped")
            )
            + "; ngày tính theo ngày lịch; trước hạn, đúng hạn, quá hạn so ngày trả kết quả "
            "với ngày hẹn trả; đang giải quyết trong hạn khi ngày hẹn trả từ ngày cuối kỳ "
            "trở đi.",
        )


@dataclass(frozen=True)
class Dossier:
    id: str
    received_on: date
    due_on: date
    returned_on: date | None
    unit: str
    online: bool
    status: str | None = None
    procedure_field: str | None = None


def columns_of(d: Dossier, p: ReportPeriod, rules: Rules) -> tuple[int, ...]:
    """The printed columns (3…13) in which ``d`` is counted for period ``p``."""
    status = d.status or ""
    if status in WITHDRAWN and rules.withdrawn == "excluded":
        return ()
    s, e, back = p.start, p.end, d.returned_on
    open_at_end = back is None or back > e
    if status == "unresolved" and open_at_end and rules.stopped == "excluded":
        return ()
    out: list[int] = []
    taken = d.received_on <= e and not (back is not None and back < s)
    if taken:
        out.append(3)
    if s <= d.received_on <= e:
        out.append(4 if d.online else 5)
    elif d.received_on < s and not (back is not None and back < s):
        out.append(6)
    if back is not None and s <= back <= e:
        out.append(7)
        if status in WITHDRAWN or back == d.due_on:
            out.append(9)
        else:
            out.append(8 if back < d.due_on else 10)
    if taken and open_at_end:
        out.append(11)
        in_time = d.due_on >= e
        if status == "waiting" and rules.awaiting_supplement == "in-time":
            in_time = True
        if status == "unresolved" and rules.stopped == "in-time":
            in_time = True
        out.append(12 if in_time else 13)
    return tuple(out)


def _cells(dossiers: Iterable[Dossier], p: ReportPeriod, rules: Rules) -> tuple[Cell, ...]:
    cells: list[dict[str, int]] = [{} for _ in range(11)]
    for d in dossiers:
        for column in columns_of(d, p, rules):
            cells[column - 3][d.id] = 1
    return tuple(cells)


def _union(rows: Iterable[FormRow]) -> tuple[Cell, ...]:
    return merge(rows, 11)


def build_kstt06(
    dossiers: Iterable[Dossier],
    unit_levels: Mapping[str, str],
    unit_names: Mapping[str, str],
    period: ReportPeriod,
    rules: Rules,
) -> FormTable:
    """The form's rows. ``unit_levels``: unit code → ``tinh``/``huyen``/``xa`` (a unit missing
    from it counts at cấp tỉnh)."""
    relevant = [
        d
        for d in dossiers
        if d.received_on <= period.end
        or (d.returned_on is not None and d.returned_on <= period.end)
    ]
    by_level: dict[str, list[Dossier]] = {}
    for d in relevant:
        by_level.setdefault(unit_levels.get(d.unit, "tinh"), []).append(d)
    rows: list[FormRow] = []
    levels: list[FormRow] = []
    for key, roman, label in LEVELS:
        members = by_level.get(key, [])
        if key == "huyen" and period.start >= DISTRICTS_ABOLISHED and not members:
            continue
        by_field = any(d.procedure_field for d in members)
        groups: dict[str, list[Dossier]] = {}
        for d in members:
            name = (
                (d.procedure_field or OTHER_FIELD) if by_field else unit_names.get(d.unit, d.unit)
            )
            groups.setdefault(name, []).append(d)
        items = [
            FormRow(ITEM, str(i), name, _cells(groups[name], period, rules))
            for i, name in enumerate(
                sorted(groups, key=lambda n: (n == OTHER_FIELD, fold(n), n)), start=1
            )
        ]
        level = FormRow(LEVEL, roman, label, _union(items))
        levels.append(level)
        rows += [level, *items]
    rows.append(FormRow(TOTAL, "", "Tổng số", _union(levels)))
    return FormTable("06/VPCP/KSTT", tuple(rows), 3, IDENTITIES, rules.notes())
