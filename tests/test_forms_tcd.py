"""Biểu 01/TCD from receptions with the optional attributes: every cell a direct count, the
"mã số" identities hold, the MS row in the .xlsx and the .docx."""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl

from reports.forms.generate import fill_form, write_form
from reports.settings.load import Settings
from reports.sources.importer import import_files
from reports.store.db import open_store
from tests.test_forms import Q1, UNITS

# id, held_on, persons, unit, mode, cases, repeat, group_visit, session
RECEPTIONS = [
    ("r1", "2021-01-05", 1, "SO-TP", "thường xuyên", "", "", "", ""),
    ("r2", "2021-01-06", 3, "SO-TP", "", "2", "có", "", ""),
    ("r3", "2021-01-07", 12, "SO-TP", "Thường xuyên", "1", "", "x", ""),
    ("r4", "2021-02-15", 2, "SO-XD", "thủ trưởng", "", "", "", "K1"),
    ("r5", "2021-02-15", 20, "SO-XD", "định kỳ", "1", "1", "1", "K1"),
    ("r6", "2021-03-01", 1, "SO-XD", "đột xuất", "", "", "", ""),
    ("r7", "2021-03-02", 4, "P-KM", "ủy quyền", "3", "", "", ""),
    ("r8", "2021-04-02", 9, "P-KM", "ủy quyền", "", "", "", ""),  # after Q1
]


def _write(folder: Path) -> list[Path]:
    (folder / "units.csv").write_text(UNITS, encoding="utf-8")
    lines = ["id,held_on,persons,unit,mode,cases,repeat,group_visit,session"]
    lines += [",".join(str(v) for v in r) for r in RECEPTIONS]
    (folder / "receptions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [folder / "units.csv", folder / "receptions.csv"]


def _expected(units: set[str]) -> list[int]:
    out = [0] * 30
    sessions: set[tuple[str, str]] = set()
    base_of = {
        "thuong xuyen": 4,
        "": 4,
        "thu truong": 13,
        "dinh ky": 13,
        "dot xuat": 13,
        "uy quyen": 22,
    }
    fold = {
        "thường xuyên": "thuong xuyen",
        "Thường xuyên": "thuong xuyen",
        "": "",
        "thủ trưởng": "thu truong",
        "định kỳ": "dinh ky",
        "đột xuất": "dot xuat",
        "ủy quyền": "uy quyen",
    }
    for _id, day, persons, unit, mode, cases_, repeat, group, session in RECEPTIONS:
        if unit not in units or not day.startswith("2021-0") or day > "2021-03-31":
            continue
        base = base_of[fold[mode]]
        cases = int(cases_) if cases_ else 1
        col = base + 2 + (1 if repeat else 0)
        for c, w in (
            (1, 1),
            (2, persons),
            (3, cases),
            (base, 1),
            (base + 1, persons),
            (col, cases),
        ):
            out[c] += w  # type: ignore[operator]
        if group:
            out[base + 4] += 1
            out[base + 5] += persons  # type: ignore[operator]
            out[col + 4] += cases
        if base != 4:
            key = (fold[mode] if base == 22 else "head", session or day)
            if key not in sessions:
                sessions.add(key)
                out[base - 1] += 1
    return out[1:]


def test_tcd01_cells_identities_and_layout(settings: Settings, tmp_path: Path) -> None:
    engine = open_store(settings.database_url)
    import_files(engine, _write(tmp_path))
    filled = fill_form(engine, settings, "01/TCD", Q1)
    rows = {r.label: r.numbers for r in filled.table.rows}
    assert list(rows["Tổng"]) == _expected({"SO-TP", "SO-XD", "P-KM"})
    assert list(rows["Sở Xây dựng"]) == _expected({"SO-XD"})
    assert rows["Tổng"][:3] == (7, 43, 10)
    assert filled.problems() == []
    xlsx, docx_path = write_form(engine, settings, filled, ["xlsx", "docx"], tmp_path / "out")
    ws = openpyxl.load_workbook(xlsx).active
    assert ws is not None
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    ms = next(r for r in values if r[0] == "MS")
    assert ms[1:4] == ["1=4+13+22", "2=5+14+23", "3=6+7+15+16+24+25"] and ms[29] == "29"
    total = next(r for r in values if r[0] == "Tổng")
    assert total[1:30] == list(rows["Tổng"])
    grid = docx.Document(str(docx_path)).tables[1]
    assert grid.rows[4].cells[1].text == "1=4+13+22"
    assert [c.text for c in grid.rows[-1].cells[1:]] == [str(n) for n in rows["Tổng"]]
    engine.dispose()


def test_form_files_are_schema_valid(settings: Settings, tmp_path: Path) -> None:
    """Both forms' .docx and .xlsx pass the Open XML SDK's checks (tests/test_ooxml_valid.py)."""
    from tests.test_forms import DOSSIERS, _write_data
    from tests.test_ooxml_valid import findings

    engine = open_store(settings.database_url)
    (tmp_path / "d").mkdir()
    import_files(engine, [*_write(tmp_path), _write_data(tmp_path / "d", DOSSIERS)[1]])
    for code in ("06/VPCP/KSTT", "01/TCD"):
        paths = write_form(
            engine,
            settings,
            fill_form(engine, settings, code, Q1),
            ["xlsx", "docx"],
            tmp_path / "out",
        )
        for path in paths:
            assert findings(path) == [], path.name
    engine.dispose()
