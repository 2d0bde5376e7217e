"""The workbook's detail sheets: the period's records as Excel tables, rows streamed."""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from reports.core.domain import FIELDS, KINDS, PETITION_KINDS
from reports.core.model import RecordSheet
from reports.render.xlsx_cells import (
    DATE,
    NUMBER,
    WRAP_TOP,
    header,
    print_setup,
    style_id,
    widths_of,
)
from reports.render.xlsx_stream import Spill, cell_tail

_COLUMN_LABELS: dict[str, str] = {
    "id": "Mã",
    "code": "Mã",
    "received_on": "Ngày tiếp nhận",
    "due_on": "Ngày hẹn trả",
    "returned_on": "Ngày trả kết quả",
    "held_on": "Ngày tiếp",
    "persons": "Số người",
    "resolved_on": "Ngày xử lý",
    "approved_on": "Ngày phê duyệt",
    "date": "Ngày",
    "unit": "Đơn vị",
    "field": "Lĩnh vực",
    "summary": "Trích yếu",
    "online": "Trực tuyến",
    "kind": "Loại đơn",
    "number": "Số, ký hiệu",
    "highlight": "Nêu trong báo cáo",
    "title": "Tiêu đề",
    "body": "Nội dung",
    "position": "Thứ tự",
    "name": "Tên",
    "parent": "Đơn vị cấp trên",
    "unit_name": "Tên đơn vị",
    "on_time": "Trả kết quả",
}
_COLUMN_WIDTHS = {
    "summary": 60,
    "body": 80,
    "title": 40,
    "id": 22,
    "unit": 18,
    "unit_name": 30,
    "number": 16,
}


def _unused(name: str, used: set[str], *, limit: int, sep: str) -> str:
    """``name``, or ``name`` with a number appended, not yet in ``used`` (case-insensitive)."""
    candidate, k = name, 2
    while candidate.lower() in used:
        candidate = f"{name[: limit - 3].rstrip()}{sep}{k}"
        k += 1
    used.add(candidate.lower())
    return candidate


def _sheet_title(label: str, used: set[str]) -> str:
    """A legal, unused sheet name: at most 31 characters, none of []:*?/\\, no edge quote."""
    title = "".join(ch for ch in label if ch not in "[]:*?/\\")[:31].strip(" '") or "Dữ liệu"
    return _unused(title[:1].upper() + title[1:], used, limit=31, sep=" ")


WRAPPED = ("summary", "body", "title")
_LINE_PT = 15.0  # one line of 11 pt Times New Roman, with its leading
_CHARS_PER_WIDTH = 1.15  # Times letters are narrower than the width unit's "0"


def _row_height(values: Sequence[object], wrap_at: Sequence[tuple[int, float]]) -> float | None:
    """Points a row needs for its wrapped cells to show whole; None: the default height."""
    lines = 1
    for i, width in wrap_at:
        value = values[i]
        if isinstance(value, str) and value:
            per_line = max(1, int(width * _CHARS_PER_WIDTH))
            if len(value) <= per_line and "\n" not in value:
                continue
            lines = max(lines, sum(-(-len(part) // per_line) or 1 for part in value.split("\n")))
    return None if lines == 1 else min(409.0, lines * _LINE_PT)


def _translate(type_: str) -> Any:
    """How a column's stored codes are shown: Vietnamese words instead of codes and flags."""
    if type_ == "field":
        return lambda v: FIELDS.get(str(v), v)
    if type_ == "petition_kind":
        return lambda v: PETITION_KINDS.get(str(v), v)
    if type_ == "bool":
        return lambda v: v if v is None else ("có" if v else "không")
    return None


def _on_time(returned: object, due: object) -> str | None:
    """data.md §3: returned on or before the due date is on time."""
    if returned is None or due is None:
        return None
    return "đúng hạn" if returned <= due else "quá hạn"  # type: ignore[operator]


_UNIQUE = frozenset({"id", "summary", "body", "title", "number"})
"""Columns whose values rarely repeat: their cells are not cached."""


def _write_rows(
    spill: Path,
    sheet: RecordSheet,
    columns: Sequence[str],
    styles: Sequence[int | None],
    wrap_at: Sequence[tuple[int, float]],
    translations: Sequence[tuple[int, Any]],
    unit_names: Mapping[str, str],
) -> int:
    """The sheet's rows as ``<row>`` XML into ``spill``; the number of rows.

    The same as :func:`row_xml` row by row, but a cell's XML is made once per distinct value of
    a column that repeats (dates, units, fields): a week's detail rows are tens of thousands."""
    source = list(sheet.columns)
    at = {c: i for i, c in enumerate(source)}
    timed = "on_time" in columns
    show = dict(translations)
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    # how each output column's value is found: (index in the record, or -1 unit name,
    # -2 on time), the cache of its cells (None: not cached), its translation
    plan: list[tuple[str, int, dict[object, str | None] | None, Any, int | None]] = []
    for i, c in enumerate(columns):
        where = -1 if c == "unit_name" else -2 if c == "on_time" else at[c]
        cache: dict[object, str | None] | None = None if c in _UNIQUE else {}
        plan.append((f'<c r="{letters[i]}', where, cache, show.get(i), styles[i]))
    unit_at = at.get("unit", 0)
    returned_at, due_at = at.get("returned_on", 0), at.get("due_on", 0)
    wrapped = {i for i, _ in wrap_at}
    count = 0
    with spill.open("w", encoding="utf-8") as fh:
        write = fh.write
        for row in sheet.rows:
            count += 1
            n = str(count + 1)
            parts: list[str] = []
            values: list[object] = [None] * len(columns) if wrap_at else []
            for i, (head, where, cache, translate, style) in enumerate(plan):
                if where >= 0:
                    value = row[where]
                elif where == -1:
                    code = row[unit_at]
                    value = unit_names.get(str(code)) if code else None
                else:
                    value = _on_time(row[returned_at], row[due_at]) if timed else None
                if translate is not None:
                    value = translate(value)
                if i in wrapped:
                    values[i] = value
                if cache is None:
                    tail = cell_tail(value, style)
                else:
                    try:
                        tail = cache[value]
                    except KeyError:
                        tail = cache[value] = cell_tail(value, style)
                    except TypeError:  # not hashable: never from the store, but be safe
                        tail = cell_tail(value, style)
                if tail is not None:
                    parts.append(head)
                    parts.append(n)
                    parts.append(tail)
            height = _row_height(values, wrap_at) if wrap_at else None
            attrs = f' ht="{height:g}" customHeight="1"' if height else ""
            write(f'<row r="{n}"{attrs}>{"".join(parts)}</row>')
    return count


def records_sheet(
    wb: Workbook,
    sheet: RecordSheet,
    used: set[str],
    spill_dir: Path,
    unit_names: Mapping[str, str],
) -> Spill:
    """A detail sheet as an Excel table; its rows are streamed (see :mod:`.xlsx_stream`).

    The unit's name stands beside its code; long text wraps, each row as tall as it needs.
    """
    ws = wb.create_sheet(_sheet_title(sheet.label, used))
    types = {c.name: c.type for c in KINDS[sheet.kind].columns}
    source = list(sheet.columns)
    timed = "due_on" in source and "returned_on" in source
    columns: list[str] = []
    for c in source:
        columns.append(c)
        if c == "unit":
            columns.append("unit_name")
        elif c == "returned_on" and timed:
            columns.append("on_time")
    widths = [_COLUMN_WIDTHS.get(c, 14) for c in columns]
    widths_of(ws, widths)
    ws.freeze_panes = "A2"
    print_setup(ws, landscape=sum(widths) > 100, title_rows="1:1")  # A4 portrait: ~100
    headings = [_COLUMN_LABELS.get(c, c) for c in columns]
    ws.append(header(ws, headings))
    by_type = {"date": style_id(ws, DATE), "int": style_id(ws, NUMBER)}
    text, wrapped = style_id(ws, None), style_id(ws, None, align=WRAP_TOP)
    styles = [wrapped if c in WRAPPED else by_type.get(types.get(c, "text"), text) for c in columns]
    wrap_at = [(i, widths[i]) for i, c in enumerate(columns) if c in WRAPPED]
    translations = [(i, f) for i, c in enumerate(columns) if (f := _translate(types.get(c, "")))]
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    spill = spill_dir / f"sheet-{len(wb.worksheets)}.xml"
    count = _write_rows(spill, sheet, columns, styles, wrap_at, translations, unit_names)
    ref = f"A1:{letters[-1]}{max(count, 1) + 1}"
    name = _unused(f"tbl_{re.sub(r'[^A-Za-z0-9_]', '_', sheet.kind)}", used, limit=200, sep="_")
    table = Table(displayName=name, ref=ref)
    # write-only mode cannot read the headings back from the sheet: name the columns here
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headings, start=1)]
    table.autoFilter = AutoFilter(ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    with warnings.catch_warnings():
        # openpyxl warns on every write-only add_table; the columns are named just above.
        warnings.filterwarnings("ignore", "In write-only mode you must add table columns")
        ws.add_table(table)
    return Spill(ws, spill)
