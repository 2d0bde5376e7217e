"""Every spelling of a far cell that a byte pattern missed is found by the real parse of the
sheet the workbook's relationships name: refused on the command line and on the page, and the
web process goes on serving (calamine, were it to load one, would abort the whole process)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from reports.core.errors import FileFormatError
from reports.sources.xlsx_bounds import check_xlsx
from tests.web.conftest import AuthActions

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEAD = '<c r="A1" t="inlineStr"><is><t>id</t></is></c>'
WIDE = "trang tính {sheet} dùng tới cột thứ 16.384, quá giới hạn 1.000 cột"
TALL = "trang tính {sheet} trải trên 1.048.576 hàng × 1.000 cột, quá giới hạn 40.000.000 ô"

SPELLINGS: dict[str, tuple[str, str, str]] = {
    # name: (sheet XML, part name, expected problem)
    "single quotes": (
        f"<worksheet xmlns='{NS}'><sheetData><row r='1'>{HEAD}<c r='XFD1048576'/>"
        "</row></sheetData></worksheet>",
        "xl/worksheets/sheet1.xml",
        WIDE,
    ),
    "namespace prefix": (
        f'<x:worksheet xmlns:x="{NS}"><x:sheetData><x:row r="1">'
        '<x:c r="A1" t="inlineStr"><x:is><x:t>id</x:t></x:is></x:c><x:c r="XFD1048576"/>'
        "</x:row></x:sheetData></x:worksheet>",
        "xl/worksheets/sheet1.xml",
        WIDE,
    ),
    "spaces around =": (
        f'<worksheet xmlns="{NS}"><sheetData><row r = "1">{HEAD}<c r = "XFD1048576"/>'
        "</row></sheetData></worksheet>",
        "xl/worksheets/sheet1.xml",
        WIDE,
    ),
    "sheet outside xl/worksheets": (
        f'<worksheet xmlns="{NS}"><sheetData><row r="1">{HEAD}<c r="XFD1048576"/>'
        "</row></sheetData></worksheet>",
        "xl/elsewhere/data.xml",
        WIDE,
    ),
    "rows without r": (
        f'<worksheet xmlns="{NS}"><sheetData><row>{HEAD}</row><row><c r="ALL1048576"/>'
        "</row></sheetData></worksheet>",
        "xl/worksheets/sheet1.xml",
        TALL,
    ),
    "cells without r, one after another": (
        f'<worksheet xmlns="{NS}"><sheetData><row r="1">{HEAD}'
        + "<c/>" * 1_200
        + "</row></sheetData></worksheet>",
        "xl/worksheets/sheet1.xml",
        "trang tính {sheet} dùng tới cột thứ 1.001, quá giới hạn 1.000 cột",
    ),
}


def hostile_xlsx(folder: Path, sheet_xml: str, part: str) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "documents"
    ws.append(["id"])
    base = io.BytesIO()
    wb.save(base)
    path = folder / "documents.xlsx"
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                zout.writestr(part, sheet_xml)
                continue
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"/xl/worksheets/sheet1.xml", f"/{part}".encode())
            zout.writestr(info.filename, data)
    return path


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_refused_on_the_command_line(spelling: str, sqlite_url: str, tmp_path: Path) -> None:
    sheet_xml, part, problem = SPELLINGS[spelling]
    path = hostile_xlsx(tmp_path, sheet_xml, part)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
    env["BAOCAO_DB"] = sqlite_url
    r = subprocess.run(
        [sys.executable, "-m", "reports", "import", str(path)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert r.returncode == 3, r.stderr
    sheet = part.rsplit("/", 1)[-1]
    assert r.stderr.splitlines()[0] == f"Lỗi: {path}: {problem.format(sheet=sheet)}"


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_refused_on_the_page_which_goes_on_serving(
    spelling: str, auth: AuthActions, client: FlaskClient, tmp_path: Path
) -> None:
    sheet_xml, part, problem = SPELLINGS[spelling]
    content = hostile_xlsx(tmp_path, sheet_xml, part).read_bytes()
    auth.login("chuyenvien")
    response = auth.upload(content, "documents.xlsx", follow_redirects=True)
    sheet = part.rsplit("/", 1)[-1]
    assert problem.format(sheet=sheet) in response.get_data(as_text=True)
    assert client.get("/nhap-du-lieu/").status_code == 200


@pytest.mark.parametrize(
    "xml",
    [
        '<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet><sheetData/></worksheet>',
        '<worksheet><sheetData><row r="1"><c r="A1">',
        '<worksheet><sheetData><row r="x1"/></sheetData></worksheet>',
    ],
    ids=["doctype", "truncated", "bad row"],
)
def test_a_sheet_that_is_not_plain_xml_is_refused(xml: str, tmp_path: Path) -> None:
    path = hostile_xlsx(tmp_path, xml, "xl/worksheets/sheet1.xml")
    with pytest.raises(FileFormatError) as err:
        check_xlsx(path, "documents.xlsx")
    assert "tệp Excel bị hỏng (xl/worksheets/sheet1.xml: " in str(err.value)


def _sheet(rows: str) -> str:
    return f'<worksheet xmlns="{NS}"><sheetData>{rows}</sheetData></worksheet>'


# the check measures the references Excel writes ("B12") in batches and places any other cell
# one by one: each case mixes the two, across rows and past a batch
BATCHED: dict[str, tuple[str, str | None]] = {
    "a far cell after a batch of plain ones": (
        _sheet('<row r="1">' + '<c r="A1"/>' * 5000 + '<c r="XFD1"/></row>'),
        "dùng tới cột thứ 16.384, quá giới hạn 1.000 cột",
    ),
    "a far cell spelled in lower case among plain ones": (
        _sheet('<row r="1"><c r="A1"/><c r="B1"/><c r="xfd1"/><c r="C1"/></row>'),
        "dùng tới cột thứ 16.384, quá giới hạn 1.000 cột",
    ),
    "a cell without r goes one after the last plain one": (
        _sheet('<row r="1"><c r="ALL1"/><c/></row>'),
        "dùng tới cột thứ 1.001, quá giới hạn 1.000 cột",
    ),
    "a new row starts at column 1 again": (
        _sheet('<row r="1"><c r="ALL1"/></row><row r="2"><c/><c/></row>'),
        None,
    ),
    "a new row after a batch still starts at column 1": (
        _sheet('<row r="1">' + '<c r="ALL1"/>' * 5000 + '</row><row r="2"><c/></row>'),
        None,
    ),
    "c elements before sheetData are no cells (calamine reads none)": (
        f'<worksheet xmlns="{NS}"><x><c r="XFD1"/></x><sheetData><row r="1"><c r="A1"/>'
        "</row></sheetData></worksheet>",
        None,
    ),
    "cells after sheetData still count": (
        _sheet('<row r="1"><c r="A1"/></row>').replace(
            "</worksheet>", '<x><c r="XFD1"/></x></worksheet>'
        ),
        "dùng tới cột thứ 16.384, quá giới hạn 1.000 cột",
    ),
    "a cell past Excel's last row": (
        _sheet('<row r="1"><c r="A1"/><c r="A1048577"/></row>'),
        "dùng tới hàng thứ 1.048.577, quá hàng cuối của Excel (1.048.576)",
    ),
    "rows placed by a cell's own reference": (
        _sheet('<row r="1"><c r="A1"/></row><row r="2"><c r="ALL1000000"/></row>'),
        "trải trên 1.000.000 hàng × 1.000 cột, quá giới hạn 40.000.000 ô",
    ),
}


@pytest.mark.parametrize("case", list(BATCHED))
def test_cells_measured_in_batches_are_placed_as_one_by_one(case: str, tmp_path: Path) -> None:
    sheet_xml, problem = BATCHED[case]
    path = hostile_xlsx(tmp_path, sheet_xml, "xl/worksheets/sheet1.xml")
    if problem is None:
        check_xlsx(path, "documents.xlsx")
        return
    with pytest.raises(FileFormatError) as err:
        check_xlsx(path, "documents.xlsx")
    assert f"trang tính sheet1.xml {problem}" in str(err.value)
