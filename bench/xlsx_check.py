"""The .xlsx bounds check (:func:`reports.sources.xlsx_bounds.check_xlsx`) on a large sheet,
against calamine reading the same sheet.

    python bench/xlsx_check.py [--rows 300000] [--cols 6] [--runs 3] [--root PATH]

The workbook is written here (a shared-strings column, a date serial, numbers, an inline
string), as Excel lays it out: every cell with its ``r``. ``--root`` times another checkout's
check (e.g. ``/work/main`` for the version before a change). Each figure is the median of
``--runs``; the machine's load average is printed with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="VanBan" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
UNITS = 600


def _letters(n: int) -> str:
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def write_workbook(path: Path, rows: int, cols: int) -> int:
    """A workbook of ``rows`` × ``cols`` cells; the sheet part's inflated size."""
    letters = [_letters(c + 1) for c in range(cols)]
    strings = "".join(f"<si><t>UBND-P{u:03d}</t></si>" for u in range(UNITS))
    shared = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{rows}" uniqueCount="{UNITS}">{strings}</sst>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/sharedStrings.xml", shared)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b"<sheetData>"
            )
            for r in range(1, rows + 1):
                cells = [f'<c r="A{r}" t="s"><v>{r % UNITS}</v></c>']
                for c in range(1, cols):
                    ref = f"{letters[c]}{r}"
                    if c == 1:
                        cells.append(f'<c r="{ref}" s="1"><v>{43831 + r % 366}</v></c>')
                    elif c == cols - 1:
                        cells.append(f'<c r="{ref}" t="inlineStr"><is><t>VB {r}</t></is></c>')
                    else:
                        cells.append(f'<c r="{ref}"><v>{(r * c) % 9973}</v></c>')
                sheet.write(f'<row r="{r}">{"".join(cells)}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        size = archive.getinfo("xl/worksheets/sheet1.xml").file_size
    return size


def _median(runs: int, work: object) -> tuple[float, float]:
    """Median wall and CPU seconds (the CPU time is this process's: steadier under load)."""
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        work()  # type: ignore[operator]
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--cols", type=int, default=6)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--no-calamine", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    from reports.sources import xlsx_bounds

    with tempfile.TemporaryDirectory(prefix="bench-xlsx-") as tmp:
        path = Path(tmp) / "lon.xlsx"
        inflated = write_workbook(path, args.rows, args.cols)
        print(
            f"sheet: {args.rows:,} rows × {args.cols} columns = {args.rows * args.cols:,} cells, "
            f"{inflated / 1e6:.1f} MB inflated, {path.stat().st_size / 1e6:.1f} MB file"
        )
        print(f"check_xlsx from {Path(xlsx_bounds.__file__).parent.parent.parent}")
        wall, cpu = _median(args.runs, lambda: xlsx_bounds.check_xlsx(path, path.name))
        print(
            f"  check_xlsx: {wall:.2f} s wall, {cpu:.2f} s CPU (median of {args.runs}), "
            f"load {os.getloadavg()[0]:.1f}"
        )
        if not args.no_calamine:
            from python_calamine import CalamineWorkbook

            def load() -> None:
                CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()

            wall, cpu = _median(args.runs, load)
            print(
                f"  calamine reading the sheet: {wall:.2f} s wall, {cpu:.2f} s CPU, "
                f"load {os.getloadavg()[0]:.1f}"
            )


if __name__ == "__main__":
    main()
