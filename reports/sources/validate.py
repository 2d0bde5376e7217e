"""Check the rows of one sheet: every cell parsed, every rule of data.md applied, duplicates found.

Column by column first (fast); when any cell is bad, row by row, which is the reference and
names every problem as ``file:row:column``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from reports.core.domain import Kind
from reports.core.errors import FileFormatError, RowProblem, Step
from reports.core.safe_text import has_bad, text_problem
from reports.sources import values as v
from reports.sources.dossier_words import parse_channel, parse_mode, parse_status
from reports.sources.limits import text_rules
from reports.sources.mapping import Mapping
from reports.sources.rejects import RejectedRows

MAX_PROBLEMS = 1_000
"""Problems listed at most per table; the rest are counted ("… và 1.999.899 lỗi khác")."""

_PARSERS: dict[str, Callable[[object], object]] = {
    "text": v.parse_text,
    "multiline": v.parse_text,
    "date": v.parse_date,
    "int": v.parse_positive_int,
    "bool": v.parse_bool,
    "field": lambda x: v.parse_field(str(x)),
    "petition_kind": lambda x: v.parse_petition_kind(str(x)),
    "dossier_status": parse_status,
    "channel": parse_channel,
    "reception_mode": parse_mode,
}
_ORDER_CHECKS = {
    # kind: [(later column, earlier column, message)]
    "dossiers": [
        ("due_on", "received_on", "ngày hẹn trả trước ngày tiếp nhận"),
        ("returned_on", "received_on", "ngày trả kết quả trước ngày tiếp nhận"),
    ],
    "petitions": [("resolved_on", "received_on", "ngày xử lý trước ngày tiếp nhận")],
}


@dataclass
class SheetTable:
    """One sheet's validated rows, ready to store."""

    file: str
    kind: Kind
    sha256: str
    total: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    """The first :data:`MAX_PROBLEMS` problems (a message lists no more)."""
    more_problems: int = 0
    """Problems found beyond those kept."""
    bad_rows: int = 0
    rejected: RejectedRows = field(default_factory=RejectedRows)
    """Spilled to a temporary file as found (:mod:`reports.sources.rejects`)."""
    header: list[str] = field(default_factory=list)
    rejects_path: Path | None = None
    notes: list[str] = field(default_factory=list)
    """What the import says besides its counts: the columns the header dictionary matched
    and those it ignored (reports.sources.headers)."""
    unmapped_fields: set[str] = field(default_factory=set)
    """Lĩnh vực TTHC of dossiers that the procedure-field table does not know."""
    unit_rows: dict[str, int] = field(default_factory=dict)
    """Each unit code of the valid rows → the first row holding it (an unknown code is
    refused naming its row: :mod:`reports.sources.unit_codes`)."""


class Validator:
    """Checks the rows of one sheet, chunk by chunk; ids are remembered across chunks."""

    def __init__(self, kind: Kind, header: list[str], file: str, mapping: Mapping | None) -> None:
        positions: dict[str, int] = {}
        shown: dict[str, str] = {}
        for i, heading in enumerate(header):
            column = mapping.column_for(heading) if mapping else heading.strip()
            column = column.lower() if column.lower() in kind.column_names else column
            if column in kind.column_names and column in positions:
                raise FileFormatError(
                    file,
                    f"cột {column} có hai lần trong dòng tiêu đề (cột {positions[column] + 1} "
                    f"“{header[positions[column]].strip()}” và cột {i + 1} “{heading.strip()}”)",
                    "Xóa hoặc đổi tên một trong hai cột rồi nhập lại.",
                )
            if column in kind.column_names:
                positions[column] = i
                shown[column] = heading.strip() or column
        missing = [c.name for c in kind.columns if c.required and c.name not in positions]
        if missing:
            raise FileFormatError(
                file,
                f"thiếu cột bắt buộc: {', '.join(missing)} (loại {kind.name}); "
                f"các cột có trong tệp: {', '.join(h for h in header if h) or '(không có)'}",
                "Sửa dòng tiêu đề cho đúng tên cột.",
            ).leads_to(Step.MAP_COLUMNS)
        self.kind = kind
        self.file = file
        self.shown = shown
        self.plan: _Plan = [
            (positions.get(c.name), c.name, c.type, c.required) for c in kind.columns
        ]
        self.texts = text_rules(kind)
        self.checks = [
            (kind.column_names.index(a), kind.column_names.index(b), msg)
            for a, b, msg in _ORDER_CHECKS.get(kind.name, [])
        ]
        self.value_map = mapping.value_for if mapping and mapping.values else None
        self.seen = _Seen()
        self.units: dict[object, object] = {}
        """One object per unit code: a code repeated on every row is sent and stored once."""

    def validate(
        self, numbers: list[int], rows: list[list[object]], table: SheetTable
    ) -> list[tuple[object, ...]]:
        """The valid records of ``rows`` (numbered ``numbers``); problems and rejected rows
        are added to ``table``."""
        fast = _validate_columns(
            numbers, rows, self.plan, self.texts, self.checks, self.value_map, self.seen, self.units
        )
        if fast is not None:
            return self._fields(fast, table)
        return self._fields(self._validate_rows(numbers, rows, table), table)

    def _fields(
        self, records: list[tuple[object, ...]], table: SheetTable
    ) -> list[tuple[object, ...]]:
        """Dossiers with a lĩnh vực TTHC and no report field get one (reports.sources.headers)."""
        positions = {name: pos for pos, name, _, _ in self.plan}
        if self.kind.name != "dossiers" or positions.get("procedure_field") is None:
            return records
        from reports.sources.headers import fill_report_fields

        return fill_report_fields(records, self.kind, table.unmapped_fields)

    def _validate_rows(
        self, numbers: list[int], rows: list[list[object]], table: SheetTable
    ) -> list[tuple[object, ...]]:
        """The row-wise path, the reference: every problem named as ``file:row:column``."""
        out: list[tuple[object, ...]] = []
        file, shown, seen = self.file, self.shown, self.seen
        for rownum, cells in zip(numbers, rows, strict=True):
            record: list[object] = []
            row_problems: list[RowProblem] = []
            for pos, name, type_, required in self.plan:
                parse, is_bool = _PARSERS[type_], type_ == "bool"
                raw = cells[pos] if pos is not None and pos < len(cells) else None
                if self.value_map is not None:
                    raw = self.value_map(name, raw)
                if raw is None or (isinstance(raw, str) and not raw.strip()):
                    if required:
                        row_problems.append(
                            RowProblem(
                                file, rownum, shown.get(name, name), "thiếu giá trị bắt buộc"
                            )
                        )
                    record.append(False if is_bool else None)
                    continue
                try:
                    parsed = parse(raw)
                    if isinstance(parsed, str) and (rule := self.texts.get(name)):
                        problem = text_problem(parsed, identifier=rule[0], limit=rule[1])
                        if problem:
                            raise v.BadValue(problem)
                    record.append(parsed)
                except v.BadValue as exc:
                    row_problems.append(
                        RowProblem(file, rownum, shown[name], str(exc), str(raw).strip())
                    )
                    record.append(None)
            if not row_problems:
                _channel_decides_online(self.plan, record)
                for later, earlier, msg in self.checks:
                    a, b = record[later], record[earlier]
                    if isinstance(a, date) and isinstance(b, date) and a < b:
                        name = self.kind.column_names[later]
                        row_problems.append(
                            RowProblem(file, rownum, shown[name], msg, a.isoformat())
                        )
                record_id = record[0]
                if record_id in seen:
                    row_problems.append(
                        RowProblem(
                            file,
                            rownum,
                            shown["id" if self.kind.name != "units" else "code"],
                            f"trùng mã với dòng {seen.first_row(record_id)}",
                            str(record_id),
                        )
                    )
                else:
                    seen.add(record_id, rownum)
            if row_problems:
                table.bad_rows += 1
                room = MAX_PROBLEMS - len(table.problems)
                table.problems.extend(row_problems[: max(room, 0)])
                table.more_problems += max(len(row_problems) - max(room, 0), 0)
                table.rejected.append(
                    (rownum, cells, "; ".join(f"{p.column}: {p.problem}" for p in row_problems))
                )
                continue
            out.append(tuple(record))
        return out


class _Slow(Exception):
    """The column-wise fast path met something only the row-wise path reports properly."""


_Plan = list[tuple[int | None, str, str, bool]]
"""(position in the sheet, column, type, required) of each column of the kind."""


class _Seen:
    """The ids of a sheet so far (duplicates are errors), and the rows they came from."""

    def __init__(self) -> None:
        self.ids: set[object] = set()
        self.rows: list[tuple[Sequence[object], Sequence[int]]] = []
        """(ids, row numbers) of each chunk, searched only to name a duplicate's first row."""

    def __contains__(self, record_id: object) -> bool:
        return record_id in self.ids

    def add(self, record_id: object, rownum: int) -> None:
        self.ids.add(record_id)
        self.rows.append(((record_id,), (rownum,)))

    def add_chunk(self, ids: Sequence[object], rownums: Sequence[int]) -> bool:
        """Add the ids of a chunk; False (and nothing added) if any is a duplicate."""
        chunk = set(ids)
        if len(chunk) != len(ids) or not self.ids.isdisjoint(chunk):
            return False
        self.ids |= chunk
        self.rows.append((ids, rownums))
        return True

    def first_row(self, record_id: object) -> int:
        for ids, rownums in self.rows:
            if record_id in ids:
                return rownums[list(ids).index(record_id)]
        raise KeyError(record_id)


_BOOL_WORDS: dict[object, bool] = {"": False, "0": False, "1": True, "x": True, "X": True}


def _parse_column(col: Sequence[object], type_: str, required: bool) -> list[object]:
    """The column's values, text cells going through cached parsers (an export repeats the
    same dates and words on thousands of rows). Dates of text cells come out as ISO text, as
    the stores keep them (the driver would otherwise format every ``date`` again)."""
    if type_ in ("text", "multiline"):
        out: list[object] = [
            (x.strip() or None) if x.__class__ is str else (None if x is None else v.parse_text(x))
            for x in col
        ]
    elif type_ == "bool":
        words, parse_bool = _BOOL_WORDS, v.parse_bool
        out = [
            words[x] if x in words else False if x is None else parse_bool(x)  # type: ignore[index]
            for x in col
        ]
    else:
        on_text = _TEXT_PARSERS[type_]
        parse = _iso_date if type_ == "date" else _PARSERS[type_]
        out = [
            None if x is None or x == "" else on_text(x) if x.__class__ is str else parse(x)
            for x in col
        ]
    if required and None in out:
        raise _Slow
    return out


def _iso_date(value: object) -> str:
    """An Excel date cell's day as ISO text, like the text cells' (one type per column)."""
    return v.parse_date(value).isoformat()


_TEXT_PARSERS: dict[str, Callable[[Any], object]] = {
    "date": v.parse_date_iso,
    "int": v.parse_positive_int,
    "field": v.parse_field,
    "petition_kind": v.parse_petition_kind,
    "dossier_status": parse_status,
    "channel": parse_channel,
    "reception_mode": parse_mode,
}


def _sheet_columns(cells: list[list[object]], plan: _Plan) -> list[Sequence[object]]:
    """The cells of the planned columns, column by column (``None`` where a row is short)."""
    needed = max((pos for pos, *_ in plan if pos is not None), default=-1) + 1
    if cells and min(map(len, cells)) >= needed:
        transposed = list(zip(*cells, strict=False))  # in C; rows are at least ``needed`` long
        return [transposed[pos] if pos is not None else (None,) * len(cells) for pos, *_ in plan]
    return [
        [c[pos] if pos is not None and pos < len(c) else None for c in cells] for pos, *_ in plan
    ]


def _validate_columns(
    numbers: list[int],
    rows: list[list[object]],
    plan: _Plan,
    texts: dict[str, tuple[bool, int]],
    checks: list[tuple[int, int, str]],
    value_map: Callable[[str, object], object] | None,
    seen: _Seen,
    units: dict[object, object],
) -> list[tuple[object, ...]] | None:
    """Validate column by column (fast); ``None`` when any cell is bad, so that the row-wise
    path, which is the reference, reports every problem."""
    columns: list[list[object]] = []
    try:
        for col, (_, name, type_, required) in zip(_sheet_columns(rows, plan), plan, strict=True):
            if value_map is not None:
                col = [value_map(name, x) for x in col]
            parsed = _parse_column(col, type_, required)
            if (rule := texts.get(name)) is not None and has_bad(
                list(filter(None, parsed)),  # type: ignore[arg-type]  # text or None
                identifier=rule[0],
                limit=rule[1],
            ):
                return None
            if name == "unit":
                parsed = [units.setdefault(x, x) for x in parsed]
            columns.append(parsed)
    except (_Slow, v.BadValue):
        return None
    for later, earlier, _ in checks:
        pairs = zip(columns[later], columns[earlier], strict=True)
        # dates are ISO text here (text cells and Excel cells alike): they compare as days
        if any(a is not None and b is not None and a < b for a, b in pairs):  # type: ignore[operator]
            return None
    if not seen.add_chunk(columns[0], numbers):
        return None
    names = [name for _, name, _, _ in plan]
    if "channel" in names:
        channel, online = columns[names.index("channel")], names.index("online")
        columns[online] = [
            (c == "truc_tuyen") if c else o for c, o in zip(channel, columns[online], strict=True)
        ]
    return list(zip(*columns, strict=True))


def _channel_decides_online(plan: _Plan, record: list[object]) -> None:
    """A dossier's channel, when the export has one, decides ``online`` (trực tuyến)."""
    names = [name for _, name, _, _ in plan]
    if "channel" in names and record[names.index("channel")]:
        record[names.index("online")] = record[names.index("channel")] == "truc_tuyen"
