"""Sheet rows serialised straight to SpreadsheetML and streamed into a saved workbook.

openpyxl's cell objects (even ``WriteOnlyCell``) cost about 10 µs a cell; a year of details is
millions of cells. The large sheets' rows are therefore written as ``<row>`` XML to a spill file
while the workbook is built, and copied into the sheet's ``<sheetData>`` when the saved file is
re-zipped. Everything else in the sheet (columns, panes, filters, tables, print set-up) is
openpyxl's own output.
"""

from __future__ import annotations

import math
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reports.safe_text import for_cell

_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class Spill:
    """A sheet's rows, already serialised to ``path``, to be streamed into the saved file."""

    worksheet: Any
    path: Path


def row_xml(
    n: int, letters: Sequence[str], values: Sequence[object], styles: Sequence[int | None]
) -> str:
    """Row ``n`` as a ``<row>`` element; ``styles`` are the columns' cell-format ids.

    Text is written inline (no shared-string table to hold in memory), dates as serial day
    numbers (a date cell is a number with a date format), booleans and empty values are the
    caller's to translate; ``None``, ``""`` and non-finite floats leave the cell out.
    """
    parts = [f'<row r="{n}">']
    for letter, value, style in zip(letters, values, styles, strict=True):
        if value is None or value == "":
            continue
        s_attr = f' s="{style}"' if style is not None else ""
        ref = f"{letter}{n}"
        if isinstance(value, bool):
            parts.append(f'<c r="{ref}"{s_attr} t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, int):
            parts.append(f'<c r="{ref}"{s_attr}><v>{value}</v></c>')
        elif isinstance(value, float):
            if math.isfinite(value):
                parts.append(f'<c r="{ref}"{s_attr}><v>{value!r}</v></c>')
        elif isinstance(value, date):
            day = value.date() if isinstance(value, datetime) else value
            parts.append(f'<c r="{ref}"{s_attr}><v>{(day - _EXCEL_EPOCH).days}</v></c>')
        else:
            text = escape(for_cell(str(value)))
            parts.append(f'<c r="{ref}"{s_attr} t="inlineStr"><is>')
            parts.append(f'<t xml:space="preserve">{text}</t></is></c>')
    parts.append("</row>")
    return "".join(parts)


def stream_spills(
    saved: Path, target: Path, worksheets: Sequence[Any], spills: Sequence[Spill]
) -> None:
    """Copy the workbook ``saved`` to ``target``, streaming each spill into its sheetData.

    ``worksheets`` is the workbook's sheet list in order (``sheetN.xml`` is its N-th sheet).
    The spilled rows follow the rows openpyxl wrote (the header), so their numbers continue.
    """
    parts = {f"xl/worksheets/sheet{worksheets.index(s.worksheet) + 1}.xml": s for s in spills}
    with zipfile.ZipFile(saved) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            spill = parts.get(info.filename)
            if spill is None:
                zout.writestr(info, zin.read(info))
                continue
            head, found, tail = zin.read(info).decode("utf-8").partition("</sheetData>")
            if not found:  # openpyxl wrote an empty <sheetData/>
                head, _, tail = head.partition("<sheetData/>")
                head += "<sheetData>"
            with (
                zout.open(info.filename, "w", force_zip64=True) as out,
                spill.path.open("rb") as rows,
            ):
                out.write(head.encode("utf-8"))
                shutil.copyfileobj(rows, out, 1 << 20)
                out.write(("</sheetData>" + tail).encode("utf-8"))
