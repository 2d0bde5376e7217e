"""Imports without a mapping: the shipped header dictionary (header_words.toml), the header
row found below a title block, and what each column was taken for.

Used only when no mapping file is given (a mapping file overrides everything here). A file whose
first row already names every required column in the canonical words is left as it is.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

from reports.core.domain import Kind
from reports.core.errors import FileFormatError, Step
from reports.sources.mapping import Mapping
from reports.sources.readers import Batches, Sheet
from reports.sources.values import fold

TITLE_ROWS = 20
"""Rows looked at, at most, for the header row below a title block."""
FIELDS = ("kinh_te", "do_thi", "van_hoa_xa_hoi", "noi_chinh")


def key(header: str) -> str:
    """A header as matched: no case, accents, punctuation or spaces."""
    return fold(header).replace(" ", "")


@cache
def dictionary() -> dict[str, dict[str, str]]:
    """Kind → {matched header → canonical column}, from the shipped ``header_words.toml``."""
    raw = tomllib.loads(files("reports.sources").joinpath("header_words.toml").read_text("utf-8"))
    return {
        kind: {key(word): column for column, words in table.items() for word in words}
        for kind, table in raw.items()
    }


@cache
def procedure_fields() -> dict[str, str]:
    """Folded lĩnh vực TTHC → the report's field, from ``procedure_fields.toml``."""
    raw = tomllib.loads(
        files("reports.sources").joinpath("procedure_fields.toml").read_text("utf-8")
    )
    return {key(name): value for name, value in raw.items() if value in FIELDS}


@dataclass
class Recognised:
    mapping: Mapping | None
    notes: list[str] = field(default_factory=list)


def _canonical(kind: Kind, cells: list[str]) -> set[str]:
    return {c.strip().lower() for c in cells} & set(kind.column_names)


def _matches(kind: Kind, cells: list[str]) -> dict[int, str]:
    """Position → canonical column, for the cells the dictionary (or the canonical words)
    recognise."""
    words = dictionary().get(kind.name, {})
    out: dict[int, str] = {}
    for i, cell in enumerate(cells):
        text = str(cell).strip() if cell is not None else ""
        if not text:
            continue
        if text.lower() in kind.column_names:
            out[i] = text.lower()
        elif (column := words.get(key(text))) is not None:
            out[i] = column
    return out


def _complete(kind: Kind, found: dict[int, str]) -> bool:
    return all(c.name in found.values() for c in kind.columns if c.required)


def recognise(
    kind: Kind, sheet: Sheet, file: str, mapping: Mapping | None, chunk_rows: int
) -> tuple[Sheet, Recognised]:
    """The sheet with its real header row, and the mapping the dictionary makes of it."""
    required = {c.name for c in kind.columns if c.required}
    if mapping is not None or required <= _canonical(kind, sheet.header):
        return sheet, Recognised(mapping)
    found = _matches(kind, sheet.header)
    if _complete(kind, found):
        return sheet, _mapping_of(kind, sheet.header, found, file)
    # a title block above the header row: the first row that names the required columns
    batches = sheet.chunks(chunk_rows)
    first = next(batches, None)
    if first is None:
        return sheet, Recognised(None)
    numbers, rows = first
    for i, cells in enumerate(rows[:TITLE_ROWS]):
        header = ["" if c is None else str(c).strip() for c in cells]
        found = _matches(kind, header)
        if _complete(kind, found):
            rest = (numbers[i + 1 :], rows[i + 1 :])
            recognised = _mapping_of(kind, header, found, file)
            recognised.notes.insert(
                0, f"dòng tiêu đề là dòng {numbers[i]} (bỏ qua {numbers[i] - 1} dòng đầu)"
            )
            return Sheet(sheet.name, header, _resumed(rest, batches), sheet.close), recognised
    return Sheet(sheet.name, sheet.header, _resumed(first, batches), sheet.close), Recognised(None)


def _resumed(
    first: tuple[list[int], list[list[object]]],
    batches: Iterator[tuple[list[int], list[list[object]]]],
) -> Batches:
    def chunks(size: int) -> Iterator[tuple[list[int], list[list[object]]]]:
        if first[1]:
            yield first
        yield from batches

    return chunks


def _mapping_of(kind: Kind, header: list[str], found: dict[int, str], file: str) -> Recognised:
    by_column: dict[str, list[int]] = {}
    for position, column in found.items():
        by_column.setdefault(column, []).append(position)
    for column, positions in by_column.items():
        if len(positions) > 1:
            names = ", ".join(f"“{header[p]}” (cột {p + 1})" for p in positions)
            raise FileFormatError(
                file,
                f"nhiều cột cùng khớp với cột {column} (loại {kind.name}): {names}",
                "Xóa hoặc đổi tên các cột thừa.",
            ).leads_to(Step.MAP_COLUMNS)
    columns = {key(header[p]): c for p, c in found.items()}
    taken = "; ".join(f"“{header[p]}” → {c}" for p, c in sorted(found.items()))
    ignored = [h for i, h in enumerate(header) if h and i not in found]
    notes = [f"nhận cột: {taken}"]
    if ignored:
        notes.append("bỏ qua cột: " + ", ".join(f"“{h}”" for h in ignored))
    return Recognised(_KeyedMapping(None, kind.name, columns), notes)


class _KeyedMapping(Mapping):
    """A mapping whose headers are matched as the dictionary matches them (spaces ignored)."""

    def column_for(self, header: str) -> str:
        return self.columns.get(key(header), header.strip())


def fill_report_fields(
    records: list[tuple[object, ...]], kind: Kind, unmapped: set[str]
) -> list[tuple[object, ...]]:
    """Dossiers without a report field get it from their lĩnh vực TTHC (procedure_fields.toml);
    a lĩnh vực missing from the table is added to ``unmapped`` and left without one."""
    if kind.name != "dossiers" or not records:
        return records
    names = kind.column_names
    at_field, at_proc = names.index("field"), names.index("procedure_field")
    table = procedure_fields()
    out = records
    for i, record in enumerate(records):
        proc = record[at_proc]
        if proc and not record[at_field]:
            report_field = table.get(key(str(proc)))
            if report_field is None:
                unmapped.add(str(proc))
                continue
            if out is records:
                out = list(records)
            changed = list(record)
            changed[at_field] = report_field
            out[i] = tuple(changed)
    return out


def guess_kind(sheet: Sheet, chunk_rows: int) -> tuple[str | None, Sheet]:
    """The kind whose required columns the header row (or a row below a title block) names
    best, or None when no kind fits or two fit equally; and the sheet, unread."""
    from reports.core.domain import KINDS

    batches = sheet.chunks(chunk_rows)
    first = next(batches, None)
    rows = [sheet.header] + [
        ["" if c is None else str(c).strip() for c in cells]
        for cells in (first[1][:TITLE_ROWS] if first else [])
    ]
    best: list[tuple[int, str]] = []
    for name, kind in KINDS.items():
        # only an export's own words tell: a file of canonical names says its kind by its name
        scores = []
        for row in rows:
            found = _matches(kind, row)
            if _complete(kind, found) and any(row_words(kind, row, p) for p in found):
                scores.append(len(found))
        if scores:
            best.append((max(scores), name))
    best.sort(reverse=True)
    unread = (
        Sheet(sheet.name, sheet.header, _resumed(first, batches), sheet.close) if first else sheet
    )
    if not best or (len(best) > 1 and best[0][0] == best[1][0]):
        return None, unread
    return best[0][1], unread


def row_words(kind: Kind, row: list[str], position: int) -> bool:
    """The header at ``position`` is an export's word, not a canonical column name."""
    return row[position].strip().lower() not in kind.column_names
