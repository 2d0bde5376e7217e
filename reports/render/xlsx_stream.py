"""Sheet rows serialised straight to SpreadsheetML and streamed into a saved workbook.

openpyxl's cell objects (even ``WriteOnlyCell``) cost about 10 µs a cell; a year of details is
millions of cells. The large sheets' rows are therefore written as ``<row>`` XML to a spill file
while the workbook is built, and copied into the sheet's ``<sheetData>`` when the saved file is
re-zipped. Everything else in the sheet (columns, panes, filters, tables, print set-up) is
openpyxl's own output.
"""

from __future__ import annotations

import math
import re
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reports.core.safe_text import for_cell, malformed_xml

_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class Spill:
    """A sheet's rows, already serialised to ``path``, to be streamed into the saved file."""

    worksheet: Any
    path: Path


def row_xml(
    n: int,
    letters: Sequence[str],
    values: Sequence[object],
    styles: Sequence[int | None],
    *,
    outline: int = 0,
    height: float | None = None,
) -> str:
    """Row ``n`` as a ``<row>`` element; ``styles`` are the columns' cell-format ids.

    Text is written inline (no shared-string table to hold in memory), dates as serial day
    numbers (a date cell is a number with a date format), booleans and empty values are the
    caller's to translate; ``None``, ``""`` and non-finite floats leave the cell out.
    ``outline`` is the row's outline (grouping) level, ``height`` its height in points.
    """
    attrs = f' ht="{height:g}" customHeight="1"' if height else ""
    attrs += f' outlineLevel="{outline}"' if outline else ""
    parts = [f'<row r="{n}"{attrs}>']
    for letter, value, style in zip(letters, values, styles, strict=True):
        tail = cell_tail(value, style)
        if tail is not None:
            parts.append(f'<c r="{letter}{n}{tail}')
    parts.append("</row>")
    return "".join(parts)


def cell_tail(value: object, style: int | None) -> str | None:
    """A cell's XML after its reference (``<c r="A1`` + this), or None to leave it out: what
    :func:`row_xml` writes for ``value``. Callers that write many rows cache it per value."""
    if value is None or value == "":
        return None
    s_attr = f'" s="{style}"' if style is not None else '"'
    if isinstance(value, bool):
        return f'{s_attr} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f"{s_attr}><v>{value}</v></c>"
    if isinstance(value, float):
        return f"{s_attr}><v>{value!r}</v></c>" if math.isfinite(value) else None
    if isinstance(value, date):
        day = value.date() if isinstance(value, datetime) else value
        return f"{s_attr}><v>{(day - _EXCEL_EPOCH).days}</v></c>"
    return f'{s_attr} t="inlineStr"><is>{text_xml(str(value))}</is></c>'


def text_xml(text: str) -> str:
    """A text's ``<t>`` element (space kept where a reader would trim it)."""
    text = escape(for_cell(text))
    if text[:1].isspace() or text[-1:].isspace():
        return f'<t xml:space="preserve">{text}</t>'
    return f"<t>{text}</t>"


class SharedStrings:
    """The workbook's shared-string table (``xl/sharedStrings.xml``): a text that repeats down a
    column (a unit's code and name, a field) is stored once and its cells hold its number,
    a third of an inline string's bytes. Texts that rarely repeat stay inline, so the table
    holds only what the columns' caches hold anyway."""

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self.numbers: dict[str, int] = {text: n for n, text in enumerate(texts)}

    def cell_tail(self, text: str, style: int | None) -> str:
        """:func:`cell_tail` of a non-empty ``text``, as a reference into the table."""
        number = self.numbers.setdefault(text, len(self.numbers))
        s_attr = f'" s="{style}"' if style is not None else '"'
        return f'{s_attr} t="s"><v>{number}</v></c>'

    def xml(self) -> bytes:
        items = "".join(f"<si>{text_xml(text)}</si>" for text in self.numbers)
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<sst xmlns="{_MAIN}" uniqueCount="{len(self.numbers)}">{items}</sst>'
        ).encode()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SST_PART = "xl/sharedStrings.xml"
_SST_TYPE = (
    f'<Override PartName="/{_SST_PART}" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
_SST_REL = (
    '<Relationship Id="rIdBaocaoStrings" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
)


# CT_Font's children in the order of the Open XML SDK's schema (and of Excel's own files);
# openpyxl writes <name> first, which the SDK's validator and Excel's strict readers reject.
_FONT_ORDER = (
    "b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz",
    "color", "name", "family", "charset", "scheme",
)  # fmt: skip
_FONT = re.compile(r"<font>(.*?)</font>", re.DOTALL)
_FONT_CHILD = re.compile(r"<(\w+)\b[^>]*?/>|<(\w+)\b[^>]*>.*?</\2>", re.DOTALL)


def _ordered_fonts(styles: str) -> str:
    """styles.xml with each <font>'s children in schema order."""

    def order(match: re.Match[str]) -> str:
        children = [(m.group(1) or m.group(2), m.group(0)) for m in _FONT_CHILD.finditer(match[1])]
        children.sort(key=lambda c: _FONT_ORDER.index(c[0]) if c[0] in _FONT_ORDER else 99)
        return "<font>" + "".join(xml for _, xml in children) + "</font>"

    styles = _FONT.sub(order, styles)
    # The default font (what a cell the office types into gets): Times New Roman like the rest,
    # not openpyxl's Calibri from the theme (scheme="minor" would override the name).
    first = _FONT.search(styles)
    if first is not None and '<name val="Calibri"/>' in first.group(0):
        font = first.group(0).replace('<name val="Calibri"/>', '<name val="Times New Roman"/>')
        font = re.sub(r'<scheme val="[^"]*"/>|<family val="[^"]*"/>', "", font)
        styles = styles[: first.start()] + font + styles[first.end() :]
    return styles


_CHART_PART = re.compile(r"xl/charts/chart\d+\.xml")
_CHART_TEXT = (
    '<txPr><a:bodyPr xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"/>'
    '<a:p xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<a:pPr><a:defRPr sz="1000">'
    '<a:latin typeface="Times New Roman"/><a:cs typeface="Times New Roman"/></a:defRPr></a:pPr>'
    '<a:endParaRPr lang="vi-VN"/></a:p></txPr>'
)


def _chart_in_times(chart: str) -> str:
    """A chart whose text (titles, axes, legend) is in Times New Roman, like the sheets: the
    chart space's text properties, which CT_ChartSpace places right after the chart."""
    if "</chart></chartSpace>" not in chart:
        return chart
    return chart.replace("</chart></chartSpace>", f"</chart>{_CHART_TEXT}</chartSpace>")


def stream_spills(
    saved: Path,
    target: Path,
    worksheets: Sequence[Any],
    spills: Sequence[Spill],
    shared: SharedStrings | None = None,
) -> str | None:
    """Copy the workbook ``saved`` to ``target``, streaming each spill into its sheetData.

    ``worksheets`` is the workbook's sheet list in order (``sheetN.xml`` is its N-th sheet).
    The spilled rows follow the rows openpyxl wrote (the header), so their numbers continue.
    ``shared``, when it holds texts, becomes the workbook's shared-string table.

    Every XML part is checked well-formed on the way (issue 13: never record or send a broken
    file); the first that is not is returned as ``part: reason``, else None. The spilled rows
    themselves are not parsed again (it took longer than writing them: 1.5 s for a week at
    10M records): they are well-formed by construction, every text in them made by
    :func:`cell_tail` / :func:`text_xml` or checked plain, and the tests parse whole workbooks
    made from hostile text.
    """
    parts = {f"xl/worksheets/sheet{worksheets.index(s.worksheet) + 1}.xml": s for s in spills}
    table = shared.xml() if shared is not None and shared.numbers else None
    broken: list[str] = []

    def checked(name: str, *chunks: bytes) -> None:
        problem = None if broken or not name.endswith((".xml", ".rels")) else malformed_xml(chunks)
        if problem is not None:
            broken.append(f"{name}: {problem}")

    with (
        zipfile.ZipFile(saved) as zin,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout,
    ):
        for info in zin.infolist():
            spill = parts.get(info.filename)
            if spill is None:
                data = zin.read(info)
                if info.filename == "xl/styles.xml":
                    data = _ordered_fonts(data.decode("utf-8")).encode("utf-8")
                elif _CHART_PART.fullmatch(info.filename):
                    data = _chart_in_times(data.decode("utf-8")).encode("utf-8")
                elif table is not None and info.filename == _SST_PART:
                    raise AssertionError("openpyxl wrote its own shared strings")
                elif table is not None and info.filename == "[Content_Types].xml":
                    data = data.replace(b"</Types>", _SST_TYPE.encode() + b"</Types>")
                elif table is not None and info.filename == "xl/_rels/workbook.xml.rels":
                    data = data.replace(
                        b"</Relationships>", _SST_REL.encode() + b"</Relationships>"
                    )
                checked(info.filename, data)
                zout.writestr(info, data)
                continue
            head, found, tail = zin.read(info).decode("utf-8").partition("</sheetData>")
            if not found:  # openpyxl wrote an empty <sheetData/>
                head, _, tail = head.partition("<sheetData/>")
                head += "<sheetData>"
            tail = "</sheetData>" + tail
            checked(info.filename, head.encode("utf-8"), tail.encode("utf-8"))
            with (
                zout.open(info.filename, "w", force_zip64=True) as out,
                spill.path.open("rb") as rows,
            ):
                out.write(head.encode("utf-8"))
                shutil.copyfileobj(rows, out, 1 << 20)
                out.write(tail.encode("utf-8"))
        if table is not None:
            checked(_SST_PART, table)
            zout.writestr(_SST_PART, table)
    return broken[0] if broken else None
