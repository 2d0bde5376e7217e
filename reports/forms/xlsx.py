"""A filled form as an .xlsx: the published layout, the numbers as numbers."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from reports.core.files import atomic_output
from reports.forms.catalog import FormSpec
from reports.forms.table import ITEM, FormTable
from reports.forms.words import FormWords
from reports.render.xlsx_stream import stream_spills

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_FONT = "Times New Roman"
HEADING_ROW = 8
"""The first heading row of the table (1-based)."""


def render_form_xlsx(spec: FormSpec, table: FormTable, words: FormWords, path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = spec.code.replace("/", "-")
    last = get_column_letter(spec.columns)
    half = spec.columns // 2

    def put(cell: str, text: str, *, bold: bool = False, italic: bool = False) -> None:
        ws[cell] = text
        ws[cell].font = Font(name=_FONT, size=12, bold=bold, italic=italic)

    put("A1", words.form_line, bold=True)
    put("A2", words.legal_basis, italic=True)
    put(f"{get_column_letter(half + 2)}1", words.reporting_body)
    put(f"{get_column_letter(half + 2)}2", words.receiving_body)
    ws.merge_cells(f"A4:{last}4")
    put("A4", words.title, bold=True)
    ws["A4"].alignment = _CENTRE
    ws.row_dimensions[4].height = 36
    ws.merge_cells(f"A5:{last}5")
    put("A5", words.period_line, italic=True)
    ws["A5"].alignment = Alignment(horizontal="center")
    put(f"{get_column_letter(spec.columns - 2)}6", words.unit_of_count, italic=True)

    top = HEADING_ROW
    for h in spec.headings:
        row, col = top + h.row, h.column + 1
        if h.rows > 1 or h.columns > 1:
            ws.merge_cells(
                start_row=row,
                start_column=col,
                end_row=row + h.rows - 1,
                end_column=col + h.columns - 1,
            )
        cell = ws.cell(row=row, column=col, value=h.text)
        cell.font = Font(name=_FONT, size=11, bold=True)
        cell.alignment = _CENTRE
    numbers_row = top + spec.heading_rows
    for c, label in enumerate(spec.numbers_row(), start=1):
        number = ws.cell(row=numbers_row, column=c, value=label)
        number.font = Font(name=_FONT, size=11, italic=True)
        number.alignment = _CENTRE
    r = numbers_row + 1
    for form_row in table.rows:
        bold = form_row.kind != ITEM
        lead = spec.lead_columns
        if lead == 2:
            ws.cell(row=r, column=1, value=form_row.stt)
        ws.cell(row=r, column=lead, value=form_row.label)
        for i, n in enumerate(form_row.numbers):
            ws.cell(row=r, column=lead + 1 + i, value=n)
        for c in range(1, spec.columns + 1):
            data = ws.cell(row=r, column=c)
            data.font = Font(name=_FONT, size=11, bold=bold)
            if c != lead:
                data.alignment = Alignment(horizontal="center")
        r += 1
    for cells in ws.iter_rows(min_row=top, max_row=r - 1, max_col=spec.columns):
        for boxed in cells:
            boxed.border = _BOX
    r += 1
    for note in table.notes:
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=spec.columns)
        put(f"A{r}", f"Ghi chú: {note}", italic=True)
        ws[f"A{r}"].alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[r].height = 48
        r += 1
    sign = get_column_letter(half + 2)
    for text, bold, italic in (
        (words.place_date, False, True),
        (words.signer_authority, True, False),
        (words.signer_title, True, False),
        ("", False, False),
        ("", False, False),
        (words.signer_name, True, False),
    ):
        r += 1
        if text:
            put(f"{sign}{r}", text, bold=bold, italic=italic)
    if spec.lead_columns == 2:
        ws.column_dimensions["A"].width = 6
    ws.column_dimensions[get_column_letter(spec.lead_columns)].width = 34
    narrow = 11 if spec.columns <= 13 else 7
    for c in range(spec.lead_columns + 1, spec.columns + 1):
        ws.column_dimensions[get_column_letter(c)].width = narrow
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    if ws.sheet_properties.pageSetUpPr is not None:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    with atomic_output(path) as tmp:
        saved = tmp.with_name(tmp.name + ".openpyxl")
        try:
            wb.save(saved)
            # fonts' children in schema order, as the report's workbook (no spilled rows)
            stream_spills(saved, tmp, wb.worksheets, [])
        finally:
            saved.unlink(missing_ok=True)
    return path
