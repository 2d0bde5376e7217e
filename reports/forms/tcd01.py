"""Biểu 01/TCD counted from the receptions: one row per unit, the total row last.

A reception is one lượt; it adds its persons to người, its cases (default 1) to vụ việc, first
or repeated; a group visit (đoàn đông người) counts again in the block's group columns. The
head's receptions (``thu_truong``) and those the head delegated (``uy_quyen``) also count their
sessions (số kỳ tiếp): the distinct ``session`` values, else the distinct days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from reports.forms.table import ITEM, TOTAL, Cell, FormRow, FormTable, Identity, merge
from reports.sources.values import fold

IDENTITIES = (
    Identity(1, (4, 13, 22)),
    Identity(2, (5, 14, 23)),
    Identity(3, (6, 7, 15, 16, 24, 25)),
)
BLOCKS = {"thuong_xuyen": 4, "thu_truong": 13, "uy_quyen": 22}
"""The column of lượt in each block (số kỳ tiếp is the column before, for the head's two)."""
NOTES = (
    "Cách tính: mỗi lượt tiếp là một bản ghi tiếp công dân; số vụ việc theo cột cases (mặc "
    "định 1), tiếp nhiều lần theo cột repeat; đoàn đông người theo cột group_visit; số kỳ tiếp "
    "là số kỳ (cột session) hoặc số ngày tiếp khác nhau; bản ghi không ghi hình thức tiếp tính "
    "là tiếp thường xuyên.",
)


@dataclass(frozen=True)
class Reception:
    id: str
    held_on: date
    persons: int
    unit: str
    mode: str | None = None
    cases: int | None = None
    repeat: bool | None = None
    group_visit: bool | None = None
    session: str | None = None


def _cells(receptions: Iterable[Reception]) -> tuple[Cell, ...]:
    cells: list[dict[str, int]] = [{} for _ in range(29)]

    def add(column: int, record: str, weight: int) -> None:
        if weight:
            cell = cells[column - 1]
            cell[record] = cell.get(record, 0) + weight

    sessions: dict[tuple[str, str], str] = {}
    for r in sorted(receptions, key=lambda r: r.id):
        base = BLOCKS.get(r.mode or "thuong_xuyen", 4)
        cases = r.cases or 1
        case_column = base + 2 + (1 if r.repeat else 0)
        add(1, r.id, 1)
        add(2, r.id, r.persons)
        add(3, r.id, cases)
        add(base, r.id, 1)
        add(base + 1, r.id, r.persons)
        add(case_column, r.id, cases)
        if r.group_visit:
            add(base + 4, r.id, 1)
            add(base + 5, r.id, r.persons)
            add(case_column + 4, r.id, cases)
        if base != 4:
            key = (r.mode or "", r.session or r.held_on.isoformat())
            if key not in sessions:
                sessions[key] = r.id
                add(base - 1, r.id, 1)
    return tuple(cells)


def build_tcd01(receptions: Iterable[Reception], unit_names: Mapping[str, str]) -> FormTable:
    by_unit: dict[str, list[Reception]] = {}
    for r in receptions:
        by_unit.setdefault(r.unit, []).append(r)
    names = {code: unit_names.get(code, code) for code in by_unit}
    items = [
        FormRow(ITEM, "", names[code], _cells(by_unit[code]))
        for code in sorted(by_unit, key=lambda c: (fold(names[c]), c))
    ]
    total = FormRow(TOTAL, "", "Tổng", merge(items, 29))
    return FormTable("01/TCD", (*items, total), 1, IDENTITIES, NOTES)
