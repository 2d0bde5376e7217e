"""A filled form as a .docx: landscape A4, the published layout as a Word table."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from docx.table import _Cell

from reports.core.files import atomic_output
from reports.forms.catalog import FormSpec
from reports.forms.table import ITEM, FormTable
from reports.forms.words import FormWords

_FONT = "Times New Roman"


def _write(
    cell: _Cell,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    centre: bool = True,
    size: float = 10,
) -> None:
    paragraph = cell.paragraphs[0]
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    run.font.size = Pt(size)
    run.font.name = _FONT


def render_form_docx(spec: FormSpec, table: FormTable, words: FormWords, path: Path) -> Path:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = _FONT  # type: ignore[attr-defined]
    style.font.size = Pt(12)  # type: ignore[attr-defined]
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.5))
    section.top_margin = section.bottom_margin = Cm(1.5)

    head = doc.add_table(rows=2, cols=2)
    _write(head.cell(0, 0), words.form_line, bold=True, centre=False, size=12)
    _write(head.cell(1, 0), words.legal_basis, italic=True, centre=False, size=11)
    _write(head.cell(0, 1), words.reporting_body, centre=False, size=12)
    _write(head.cell(1, 1), words.receiving_body, centre=False, size=12)
    for text, bold, italic, align in (
        (words.title, True, False, WD_ALIGN_PARAGRAPH.CENTER),
        (words.period_line, False, True, WD_ALIGN_PARAGRAPH.CENTER),
        (words.unit_of_count, False, True, WD_ALIGN_PARAGRAPH.RIGHT),
    ):
        p = doc.add_paragraph()
        p.alignment = align
        run = p.add_run(text)
        run.bold, run.italic = bold, italic

    rows = spec.heading_rows + 1 + len(table.rows)
    grid = doc.add_table(rows=rows, cols=spec.columns)
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for h in spec.headings:
        cell = grid.cell(h.row, h.column)
        if h.rows > 1 or h.columns > 1:
            cell = cell.merge(grid.cell(h.row + h.rows - 1, h.column + h.columns - 1))
        _write(cell, h.text, bold=True, size=7 if spec.columns > 13 else 9)
    numbers_row = spec.heading_rows
    wide = spec.columns > 13
    size = 7 if wide else 10
    # Every cell once, row by row (merged cells repeat): Table.cell() walks the whole table
    # each time, which makes a form of a few hundred cells take seconds.
    cells: list[_Cell] = grid._cells
    width_of = spec.columns

    def at(row: int, column: int) -> _Cell:
        return cells[row * width_of + column]

    for c, label in enumerate(spec.numbers_row()):
        _write(at(numbers_row, c), label, italic=True, size=6 if wide else 9)
    lead = spec.lead_columns
    for i, form_row in enumerate(table.rows, start=numbers_row + 1):
        bold = form_row.kind != ITEM
        if lead == 2:
            _write(at(i, 0), form_row.stt, bold=bold, size=size)
        _write(at(i, lead - 1), form_row.label, bold=bold, centre=False, size=size)
        for j, n in enumerate(form_row.numbers):
            _write(at(i, lead + j), str(n), bold=bold, size=size)
    widths = [Cm(0.75 if wide else 1.75)] * spec.columns
    if lead == 2:
        widths[0] = Cm(1.0)
    widths[lead - 1] = Cm(3.0 if wide else 5.0)
    grid.autofit = False
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width  # the grid LibreOffice reads
    for n, cell in enumerate(cells):
        cell.width = widths[n % width_of]  # the cells Word reads

    for note in table.notes:
        p = doc.add_paragraph()
        run = p.add_run(f"Ghi chú: {note}")
        run.italic = True
        run.font.size = Pt(10)
    sign = doc.add_table(rows=1, cols=2)
    cell = sign.cell(0, 1)
    lines = [
        (words.place_date, False, True),
        (words.signer_authority, True, False),
        (words.signer_title, True, False),
        ("", False, False),
        ("", False, False),
        (words.signer_name, True, False),
    ]
    for n, (text, bold, italic) in enumerate(lines):
        p = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
    # python-docx's blank document carries a stylesWithEffects part that disagrees with its
    # styles (Word may call that unreadable content): the form does without it
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del doc.part.rels[rel_id]
    with atomic_output(path) as tmp:
        doc.save(str(tmp))
    return path
