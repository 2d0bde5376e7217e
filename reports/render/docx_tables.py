"""Column widths of the report's grid tables computed from their content (issue 19).

A cell's text breaks only at spaces and after "-"; a word wider than its column is broken
inside ("30/11/202" / "6"). So each column but the first gets at least the width of its widest
unbreakable piece (bold headings included, cell margins added), and the first column, the
labels, takes what is left. Borderless layout tables (header, signature) are not touched.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from reports.render.fontmetrics import text_width_pt

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = {"w": W}
_PIECES = re.compile(r"[^ \t\r\n-]+-?")
"""Pieces a line never breaks inside: a non-breaking space (U+00A0) joins ("+5,5 điểm %")."""
MARGIN_TWIPS = 2 * 108 + 60
"""Left and right cell margins (Word's default 0,19 cm each) and a little air."""
MIN_FIRST_TWIPS = 2600
"""The labels' column keeps at least about 4,6 cm."""
LEAST_FIRST_TWIPS = 1700
"""…and, when the value columns need it not to break a date or a "+5,5 điểm %", down to
3 cm (the labels wrap to more lines, which a reader minds less than "29/3/202" / "1")."""


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def _piece_twips(cell: Any) -> float:
    widest = 0.0
    for p in cell.iter(_w("p")):
        for r in p.iter(_w("r")):
            text = "".join(t.text or "" for t in r.iter(_w("t")))
            size = r.find("w:rPr/w:sz", _NS)
            pt = int(size.get(_w("val"))) / 2 if size is not None else 11.0
            bold = r.find("w:rPr/w:b", _NS) is not None
            for piece in _PIECES.findall(text):
                widest = max(widest, text_width_pt(piece, pt, bold=bold) * 20)
    return widest


def _table_width(tbl: Any) -> int:
    """The table's width when the template (or :mod:`reports.render.docx_figtable`) fixed it."""
    width = tbl.find("w:tblPr/w:tblW", _NS)
    if width is None or width.get(_w("type")) != "dxa":
        return 0
    return int(width.get(_w("w"), "0"))


def _shared(widths: list[int], need: list[float], total: int) -> list[int] | None:
    """Columns of ``total`` width: each value column at least its content (and the
    template's width when there is room), the labels the rest. ``None`` when the labels would
    keep less than :data:`MIN_FIRST_TWIPS` and the template's widths fit."""
    tries = [(widths, MIN_FIRST_TWIPS), ([0] * len(widths), MIN_FIRST_TWIPS)]
    if sum(widths) > total:  # columns were added to the template's
        tries.append(([0] * len(widths), LEAST_FIRST_TWIPS))
    for floor, least in tries:  # the template's widths when there is room
        new = [max(w, int(n) + 1) for w, n in zip(floor, need, strict=True)]
        new[0] = total - sum(new[1:])
        if new[0] >= least:
            return new
    if sum(widths) <= total:
        return None
    # still too narrow: the value columns share what the labels leave
    rest = total - LEAST_FIRST_TWIPS
    values = [int(n) + 1 for n in need[1:]]
    scaled = [v * rest // sum(values) for v in values]
    return [total - sum(scaled), *scaled]


def size_grid_tables(xml: bytes) -> bytes:
    """``document.xml`` with each grid table's columns widened to their content."""
    if b"TableGrid" not in xml:
        return xml
    root = etree.fromstring(xml)
    changed = False
    for tbl in root.iter(_w("tbl")):
        style = tbl.find("w:tblPr/w:tblStyle", _NS)
        if style is None or style.get(_w("val")) != "TableGrid":
            continue
        cols = tbl.findall("w:tblGrid/w:gridCol", _NS)
        widths = [int(c.get(_w("w"), "0")) for c in cols]
        if len(widths) < 2:
            continue
        need = [0.0] * len(widths)
        for tr in tbl.findall("w:tr", _NS):
            cells = tr.findall("w:tc", _NS)
            if len(cells) != len(widths):
                continue
            for i, tc in enumerate(cells):
                need[i] = max(need[i], _piece_twips(tc) + MARGIN_TWIPS)
        new = _shared(widths, need, _table_width(tbl) or sum(widths))
        if new is None or new == widths:
            continue  # nothing to gain, or the labels would be squeezed: keep the template's
        for col, width in zip(cols, new, strict=True):
            col.set(_w("w"), str(width))
        for tr in tbl.findall("w:tr", _NS):
            cells = tr.findall("w:tc", _NS)
            if len(cells) == len(new):
                for tc, width in zip(cells, new, strict=True):
                    tcw = tc.find("w:tcPr/w:tcW", _NS)
                    if tcw is not None:
                        tcw.set(_w("w"), str(width))
                        tcw.set(_w("type"), "dxa")
        changed = True
    if not changed:
        return xml
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out
