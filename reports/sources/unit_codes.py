"""Unit codes an import does not know (issue 19): a record whose unit is not in the units
table counts in the office's total but in no unit's, so such an import is refused, each unknown
code with its first row and the known codes nearest to it; ``--accept-unknown-units`` imports
them anyway and lists them.

Checked only once the office has a units table (an office without one keeps importing as
before)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reports.core.domain import Kind
from reports.core.errors import RowProblem, Step, UnknownUnitsError
from reports.sources.validate import SheetTable
from reports.store.schema import units


def first_unit_rows(
    kind: Kind, numbers: Sequence[int], valid: Sequence[tuple[object, ...]], table: SheetTable
) -> None:
    """Note in ``table`` the first row of each unit code met in a chunk of valid rows."""
    rejected = set(table.rejected.take_recent())  # this chunk's, with --skip-invalid
    if kind.name == "units" or "unit" not in kind.column_names or not valid:
        return
    at = kind.column_names.index("unit")
    new = {r[at] for r in valid} - table.unit_rows.keys() - {None, ""}
    if not new:
        return
    rows: Sequence[int] = numbers
    if len(valid) != len(numbers):  # --skip-invalid: the rejected rows are not in ``valid``
        rows = [n for n in numbers if n not in rejected]
    for n, record in zip(rows, valid, strict=False):
        code = record[at]
        if code in new:
            table.unit_rows[str(code)] = n
            new.discard(code)
            if not new:
                break


def nearest(code: str, known: Sequence[str]) -> list[str]:
    """Up to three known codes like ``code`` (a typo, another case, a missing dash)."""
    by_fold = {k.casefold(): k for k in known}
    found = difflib.get_close_matches(code.casefold(), list(by_fold), n=3, cutoff=0.6)
    return [by_fold[f] for f in found]


def unknown_units(conn: Connection, tables: Sequence[SheetTable]) -> list[RowProblem]:
    """Each unit code of ``tables`` not in the units table (as this import leaves it), at its
    first row; none when the office has no units table."""
    known = [str(c) for (c,) in conn.execute(sa.select(units.c.code))]
    if not known:
        return []
    have = set(known)
    problems = []
    for table in tables:
        for code, row in sorted(table.unit_rows.items(), key=lambda kv: kv[1]):
            if code in have:
                continue
            close = nearest(code, known)
            hint = f"; mã gần giống: {', '.join(close)}" if close else ""
            problems.append(
                RowProblem(
                    table.file, row, "unit", f"mã đơn vị không có trong bảng units{hint}", code
                )
            )
    return problems


def refuse_unknown(problems: Sequence[RowProblem], total: int) -> UnknownUnitsError:
    files = ", ".join(dict.fromkeys(p.file for p in problems))
    error = UnknownUnitsError(files, problems, total)
    # the usual closing line leads to skipping invalid rows; an unknown code has its own ways out
    error.args = (
        str(error).rsplit("\n", 1)[0]
        + "\nThêm các đơn vị này vào units.csv (hoặc sửa mã) rồi nhập lại.",
    )
    return error.leads_to(Step.ACCEPT_UNKNOWN_UNITS)
