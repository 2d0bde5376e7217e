"""The figures table's columns, shaped from the template when it is compiled (issue 19).

A template's figures table (the grid table that loops over ``bang_so_lieu``) has one column per
comparison. When the template is compiled, without touching the file:

- the change column ("Tăng/giảm", ``thay_doi``) becomes "% so với kỳ trước" (a count's change
  in per cent, a rate's in percentage points — for a rate the two were the same; the workbook
  keeps both), or the column is added after the previous period's; a "% so với cùng kỳ"
  column is added after the same period last year's, a copy of its neighbour with its heading
  from ``ten_cot`` and its value from the row — unless the template already has them. Eight
  columns do not fit a portrait page at 11 pt without breaking dates; seven do;
- every comparison column (its cells and its ``w:gridCol``) is wrapped in
  ``{% if cot_so_lieu.<column> %}``, so that a column that would repeat another is left out
  (:func:`reports.compose.columns.shown_columns` decides);
- the table's width is fixed to the template's, so that :mod:`reports.render.docx_tables`
  shares it among the columns by their content.

A table this module does not understand (merged cells, rows of another shape) is left as it is.
"""

from __future__ import annotations

import re

COLUMN_FLAGS = "cot_so_lieu"
"""The context variable that says which columns are shown (``Shown.as_context``)."""
OPTIONAL = ("ky_truoc", "thay_doi", "so_ky_truoc", "cung_ky", "so_cung_ky", "luy_ke")
ADDED = (("so_ky_truoc", "thay_doi", "ky_truoc"), ("so_cung_ky", None, "cung_ky"))
"""Each added column, the template's column it replaces, the column it goes after."""

_LOOP = re.compile(r"\{%-?\s*for\s+(\w+)\s+in\s+bang_so_lieu\s*-?%\}")
_ROW = re.compile(r"<w:tr[ >].*?</w:tr>", re.DOTALL)
_CELL = re.compile(r"<w:tc>.*?</w:tc>", re.DOTALL)
_GRID_COL = re.compile(r"<w:gridCol\b[^>]*/>")
_TEXT = re.compile(r"(<w:t(?: [^>]*)?>)([^<]*)(</w:t>)")
_TBL_W = re.compile(r"<w:tblW\b[^>]*/>")
_WIDTH = re.compile(r'w:w="(\d+)"')


def _table_spans(xml: str) -> list[tuple[int, int]]:
    """Start and end of every outermost ``<w:tbl>`` element."""
    spans, depth, start = [], 0, 0
    for m in re.finditer(r"<w:tbl>|</w:tbl>", xml):
        if m.group() == "<w:tbl>":
            if depth == 0:
                start = m.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append((start, m.end()))
    return spans


def _with_text(cell: str, text: str) -> str:
    """``cell`` with its first text run saying ``text`` and its other runs empty."""
    done = False

    def put(m: re.Match[str]) -> str:
        nonlocal done
        value = "" if done else text
        done = True
        return f"{m.group(1)}{value}{m.group(3)}"

    return _TEXT.sub(put, cell)


def _guarded(element: str, key: str | None) -> str:
    if key in OPTIONAL:
        return f"{{% if {COLUMN_FLAGS}.{key} %}}{element}{{% endif %}}"
    return element


def _shape_table(table: str) -> str | None:
    loop = _LOOP.search(table)
    if loop is None or "<w:tbl>" in table[5:]:
        return None
    var = loop.group(1)
    rows = list(_ROW.finditer(table))
    grid = _GRID_COL.findall(table)
    cells_of = [_CELL.findall(r.group()) for r in rows]
    if not rows or any(len(cells) != len(grid) for cells in cells_of):
        return None
    body = [i for i, r in enumerate(rows) if r.start() >= loop.end() and f"{var}." in r.group()]
    if not body:
        return None
    expr = re.compile(rf"\b{var}\.(\w+)")
    keys: list[str | None] = []
    for cell in cells_of[body[0]]:
        names = [n for n in expr.findall(cell) if n in OPTIONAL or n == "ky_nay"]
        keys.append(names[0] if names else None)
    plan: list[tuple[int, str | None, str | None]] = [(i, k, None) for i, k in enumerate(keys)]
    for added, replaced, after in ADDED:
        if added in keys:
            continue
        if replaced is not None and replaced in keys:
            at = keys.index(replaced)
            plan[at] = (at, added, added)
        elif after in keys:
            at = max(n for n, (_, k, _) in enumerate(plan) if k == after)
            plan.insert(at + 1, (plan[at][0], added, added))
    out, pos = [], 0
    for r, m in enumerate(rows):
        out.append(table[pos : m.start()])
        cells = cells_of[r]
        new_cells = []
        for source, key, new in plan:
            cell = cells[source]
            if new is not None:
                if m.end() <= loop.start():
                    cell = _with_text(cell, f"{{{{ ten_cot.{new} }}}}")
                elif r in body:
                    cell = _with_text(cell, f"{{{{ {var}.{new}|so_sanh({var}.don_vi) }}}}")
                else:
                    cell = _with_text(cell, "")
            new_cells.append(_guarded(cell, key))
        row = m.group()
        first, last = row.find("<w:tc>"), row.rfind("</w:tc>") + len("</w:tc>")
        out.append(row[:first] + "".join(new_cells) + row[last:])
        pos = m.end()
    out.append(table[pos:])
    shaped = "".join(out)
    total = sum(int(w.group(1)) if (w := _WIDTH.search(g)) else 0 for g in grid)
    cols = "".join(_guarded(grid[source], key) for source, key, _ in plan)
    first, last = shaped.find(grid[0]), shaped.rfind(grid[-1]) + len(grid[-1])
    shaped = shaped[:first] + cols + shaped[last:]
    width = f'<w:tblW w:type="dxa" w:w="{total}"/>'
    return _TBL_W.sub(width, shaped, count=1) if _TBL_W.search(shaped) else shaped


def shape_figure_tables(xml: str) -> str:
    """``xml`` (a part's source after docxtpl's patching) with its figures tables shaped."""
    if "bang_so_lieu" not in xml:
        return xml
    out, pos = [], 0
    for start, end in _table_spans(xml):
        shaped = _shape_table(xml[start:end])
        if shaped is None:
            continue
        out += [xml[pos:start], shaped]
        pos = end
    out.append(xml[pos:])
    return "".join(out)
