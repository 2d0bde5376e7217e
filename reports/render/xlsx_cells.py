"""Cell styles and sheet set-up shared by the workbook's sheets (write-only openpyxl)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from reports.core.safe_text import for_cell

NUMBER = r"[>=1000000]#\.###\.##0;[>=1000]#\.##0;0"
"""1.406 on any computer: the thousands dots are literal characters of the format, not the
computer's separator (Excel and LibreOffice both show "1.406" in an English Windows too);
the cell stays a number (sum it, chart it). Counts are never negative."""
VI = "[$-42A]"
"""Vietnamese (LCID 0x42A): LibreOffice shows the decimal comma whatever the computer's
language; a format that needs a decimal separator carries it."""
PERCENT = VI + "0.0%"
SIGNED = VI + "+#,##0;-#,##0;0"
SIGNED_PERCENT = VI + "+0.0%;-0.0%;0.0%"
DATE = "dd/mm/yyyy"
BOLD = Font(name="Times New Roman", bold=True)
TITLE = Font(name="Times New Roman", bold=True, size=14)
TEXT = Font(name="Times New Roman")
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="center")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def cell(
    ws: Any,
    value: object,
    *,
    fmt: str | None = None,
    font: Font | None = None,
    fill: PatternFill | None = None,
    align: Alignment | None = None,
) -> Any:
    if isinstance(value, str):
        value = for_cell(value)  # reports.core.safe_text: XML-safe, within Excel's limit
    cell = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]
    if cell.data_type == "f":
        cell.data_type = "s"  # text that starts with "=" is text, never a formula
    if fmt:
        cell.number_format = fmt
    cell.font = font or TEXT
    if fill:
        cell.fill = fill
    if align:
        cell.alignment = align
    return cell


def header(ws: Any, labels: Sequence[str], *, row: int = 1, height: float = 32) -> list[Any]:
    """Heading cells for row ``row`` (its height set: wrapped labels need two lines)."""
    ws.row_dimensions[row].height = height
    return [cell(ws, label, font=BOLD, fill=HEAD_FILL, align=CENTER) for label in labels]


def print_setup(ws: Any, *, landscape: bool, title_rows: str) -> None:
    ws.page_setup.paperSize = 9  # A4 (ECMA-376 paper size code)
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.print_options.horizontalCentered = True


def widths_of(ws: Any, widths: Sequence[float]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def style_id(ws: Any, fmt: str | None, font: Font = TEXT, align: Alignment | None = None) -> int:
    """The workbook's cell-format id for ``fmt``, ``font`` and ``align`` (registered by styling
    a cell)."""
    return int(cell(ws, None, fmt=fmt, font=font, align=align).style_id)
