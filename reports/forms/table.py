"""A form as data: its rows, each cell the records it counts (with what each adds: 1 for a
dossier, a reception's persons …), and its identities.

Every cell keeps the ids of the records behind it, so that a broken identity names them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

LEVEL, ITEM, TOTAL = "level", "item", "total"
Cell = Mapping[str, int]
"""Record id → what it adds to the cell."""


def merge(rows: Iterable[FormRow], width: int) -> tuple[Cell, ...]:
    """The cells of a sum row (a level, the total): the records of ``rows``, added."""
    out: list[dict[str, int]] = [{} for _ in range(width)]
    for row in rows:
        for total, cell in zip(out, row.cells, strict=True):
            for record, weight in cell.items():
                total[record] = total.get(record, 0) + weight
    return tuple(out)


@dataclass(frozen=True)
class FormRow:
    kind: str
    """``level`` (a group: cấp tỉnh …), ``item`` (a unit or lĩnh vực) or ``total``."""
    stt: str
    label: str
    cells: tuple[Cell, ...]
    """The records counted in each numeric column, in the form's column order."""

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(sum(c.values()) for c in self.cells)


@dataclass(frozen=True)
class Identity:
    """``left`` = sum of ``right`` (column numbers as printed: 3 = 4 + 5 + 6)."""

    left: int
    right: tuple[int, ...]

    def text(self) -> str:
        return f"({self.left}) = " + " + ".join(f"({c})" for c in self.right)


@dataclass(frozen=True)
class Violation:
    row: FormRow
    identity: Identity
    left: int
    right: int
    records: tuple[str, ...]
    """The records counted on one side and not (or twice) on the other."""

    def message(self) -> str:
        where = f"{self.row.stt} {self.row.label}".strip()
        shown = ", ".join(self.records[:10])
        more = f" và {len(self.records) - 10} hồ sơ khác" if len(self.records) > 10 else ""
        return (
            f"dòng “{where}”: {self.identity.text()} không đúng ({self.left} ≠ {self.right}); "
            f"hồ sơ gây lệch: {shown or '(không xác định)'}{more}"
        )


@dataclass(frozen=True)
class FormTable:
    """A filled form: the numeric columns start at ``first_column`` (printed number)."""

    code: str
    rows: tuple[FormRow, ...]
    first_column: int
    identities: tuple[Identity, ...]
    notes: tuple[str, ...] = field(default=())
    """Footnotes: the counting rules used, and what was left out."""

    def cell(self, row: FormRow, column: int) -> Cell:
        return row.cells[column - self.first_column]

    def violations(self) -> list[Violation]:
        out: list[Violation] = []
        for row in self.rows:
            for identity in self.identities:
                left = self.cell(row, identity.left)
                right: dict[str, int] = {}
                for c in identity.right:
                    for record, weight in self.cell(row, c).items():
                        right[record] = right.get(record, 0) + weight
                odd = {r for r in left.keys() | right.keys() if left.get(r, 0) != right.get(r, 0)}
                if not odd:
                    continue
                out.append(
                    Violation(
                        row,
                        identity,
                        sum(left.values()),
                        sum(right.values()),
                        tuple(sorted(odd)),
                    )
                )
        return out


def identity_problems(table: FormTable) -> Sequence[str]:
    """The broken identities, one sentence each (empty when the form is consistent)."""
    return [v.message() for v in table.violations()]
