"""The unit sheet as a tree whose detail rows add up to the whole office, never twice.

Each unit's figures include its sub-units' (data.md §3). Listing them side by side under one
filter made a column sum count a sub-unit once for itself and again in every unit above it.
So the sheet has two kinds of row:

- ``Chi tiết`` (detail): a unit's own records only — a unit without sub-units, the "riêng"
  (own) part of a unit with sub-units, and the records that belong to no listed unit;
- ``Tổng`` (subtotal): a unit with its sub-units, above its detail rows, and the grand total.

The detail rows partition the records: filtered on "Chi tiết", every count column sums to the
office's figure. Rates are not summed; each row's rate is computed from its own counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

from reports.core.model import Figures, UnitFigures

DETAIL = "Chi tiết"
SUBTOTAL = "Tổng"
MAX_OUTLINE = 7  # Excel's deepest row outline level


@dataclass(frozen=True)
class UnitRow:
    level: int
    """1 for the office's top units, 2 for theirs, …; 0 for the grand total."""
    kind: str
    code: str
    name: str
    parent: str
    figures: Figures

    @property
    def outline(self) -> int:
        """Excel's row outline level: the rows under a subtotal are one level deeper."""
        return min(self.level, MAX_OUTLINE)


def minus(a: Figures, b: Figures) -> Figures:
    """``a − b`` count by count (breakdowns by field included)."""
    values: dict[str, object] = {}
    for f in fields(Figures):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, int):
            values[f.name] = x - int(y)
        else:
            values[f.name] = {k: x.get(k, 0) - y.get(k, 0) for k in set(x) | set(y)}
    return Figures(**values)  # type: ignore[arg-type]


def plus(a: Figures, b: Figures) -> Figures:
    return minus(a, minus(Figures(), b))


def unit_rows(
    units: Sequence[UnitFigures], total: Figures | None, total_label: str
) -> list[UnitRow]:
    """The tree, depth first, each unit's subtotal above its own row and its sub-units'.

    ``total`` is the figure of the whole scope (the office's, or the reported unit's); the
    records in it that no listed unit holds get a detail row of their own.
    """
    codes = {u.code for u in units}
    names = {u.code: u.name for u in units}
    children: dict[str | None, list[UnitFigures]] = {}
    for u in units:
        up = u.parent if u.parent in codes else None
        children.setdefault(up, []).append(u)
    rows: list[UnitRow] = []

    def visit(u: UnitFigures, level: int) -> None:
        below = children.get(u.code, [])
        parent = f"{u.parent} - {names[u.parent]}" if u.parent in names else (u.parent or "")
        if not below:
            rows.append(UnitRow(level, DETAIL, u.code, u.name, parent, u.figures))
            return
        rows.append(
            UnitRow(level, SUBTOTAL, u.code, f"{u.name} (cả đơn vị trực thuộc)", parent, u.figures)
        )
        own = u.figures
        for child in below:
            own = minus(own, child.figures)
        rows.append(UnitRow(level + 1, DETAIL, u.code, f"{u.name} (riêng đơn vị)", parent, own))
        for child in below:
            visit(child, level + 1)

    top = children.get(None, [])
    if total is not None:
        rows.append(UnitRow(0, SUBTOTAL, "", total_label, "", total))
    for u in top:
        visit(u, 1)
    if total is not None:
        rest = total
        for u in top:
            rest = minus(rest, u.figures)
        if any(getattr(rest, f.name) for f in fields(Figures) if f.type in ("int", int)):
            rows.append(UnitRow(1, DETAIL, "", "Không gắn đơn vị", "", rest))
    return rows


def detail_sum(rows: Sequence[UnitRow]) -> Figures:
    """The sum of the detail rows (what a filtered SUBTOTAL shows): the scope's figures."""
    out = Figures()
    for row in rows:
        if row.kind == DETAIL:
            out = plus(out, row.figures)
    return replace(out)
