"""ND30's rules measured: each as long as its text requires, in Times New Roman's metrics."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from reports.render import fontmetrics
from reports.render.docx import render_docx
from reports.render.docx_layout import CELL_MARGIN_TWIPS
from reports.settings.load import PROJECT_ROOT, Settings, settings_from_mapping
from tests.conftest import make_report


def _district(tmp_path: Path) -> Settings:
    return settings_from_mapping(
        {
            "office": {"parent": "UBND QUẬN BA ĐÌNH", "name": "VĂN PHÒNG HĐND VÀ UBND"},
            "paths": {"templates": str(PROJECT_ROOT / "templates")},
        },
        tmp_path,
        environ={},
    )


def rule_under(document: docx.document.Document, cell: object | None, text: str) -> float:
    """The length in points of the rule paragraph that follows the paragraph reading ``text``."""
    paragraphs = list(cell.paragraphs if cell is not None else document.paragraphs)  # type: ignore[attr-defined]
    i = next(k for k, p in enumerate(paragraphs) if p.text == text)
    rule = paragraphs[i + 1]
    assert rule._p.find(qn("w:pPr")).find(qn("w:pBdr")) is not None and not rule.text
    ind = rule._p.find(qn("w:pPr")).find(qn("w:ind"))
    if cell is not None:
        width = int(cell._tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) - 2 * CELL_MARGIN_TWIPS  # type: ignore[attr-defined]
    else:
        s = document.sections[0]
        width = (s.page_width - s.left_margin - s.right_margin) / 635  # EMU → twips
    return (width - int(ind.get(qn("w:left"))) - int(ind.get(qn("w:right")))) / 20


@pytest.mark.parametrize("office", ["city", "district"])
def test_rules_follow_their_texts_width(settings: Settings, tmp_path: Path, office: str) -> None:
    chosen = settings if office == "city" else _district(tmp_path)
    name = "VĂN PHÒNG" if office == "city" else "VĂN PHÒNG HĐND VÀ UBND"
    document = docx.Document(str(render_docx(make_report(chosen), chosen, tmp_path / "r.docx")))
    left, right = document.tables[0].rows[0].cells
    name_width = fontmetrics.text_width_pt(name, 13, bold=True)
    assert 1 / 3 <= rule_under(document, left, name) / name_width <= 1 / 2
    motto = "Độc lập - Tự do - Hạnh phúc"
    motto_width = fontmetrics.text_width_pt(motto, 13, bold=True)
    assert abs(rule_under(document, right, motto) - motto_width) < 1  # its own length, ±1 pt
    title = next(p.text for p in document.paragraphs if p.text.startswith("Kết quả chỉ đạo"))
    line = min(fontmetrics.text_width_pt(title, 14, bold=True), 16.5 / 2.54 * 72)
    assert 1 / 3 <= rule_under(document, None, title) / line <= 1 / 2


def test_a_longer_office_name_gets_a_longer_rule(settings: Settings, tmp_path: Path) -> None:
    district = _district(tmp_path)
    city = docx.Document(str(render_docx(make_report(settings), settings, tmp_path / "c.docx")))
    other = docx.Document(str(render_docx(make_report(district), district, tmp_path / "d.docx")))
    short = rule_under(city, city.tables[0].rows[0].cells[0], "VĂN PHÒNG")
    long = rule_under(other, other.tables[0].rows[0].cells[0], "VĂN PHÒNG HĐND VÀ UBND")
    # "VĂN PHÒNG" is 2.79 cm at 13 pt bold, "VĂN PHÒNG HĐND VÀ UBND" 6.45 cm
    assert 0.9 * 2.79 / 2.54 * 72 / 3 < short < 2.79 / 2.54 * 72 / 2
    assert long > 2 * short


def test_the_shipped_metrics_are_the_installed_fonts() -> None:
    """The table the documents are measured with holds the installed Liberation Serif 2's
    widths (Times New Roman's): reading the font each run would give the same rules."""
    found = [f / fontmetrics.FILES[True] for f in fontmetrics.FONT_DIRS]
    installed = next((p for p in found if p.exists()), None)
    if installed is None:
        pytest.skip("Liberation Serif 2 is not installed")
    from_font = fontmetrics.font_widths(installed)
    assert from_font is not None
    table = fontmetrics.widths(True)
    assert set(table) == set(from_font)
    assert max(abs(table[c] - from_font[c]) for c in table) < 1e-4
    assert round(fontmetrics.text_width_pt("VĂN PHÒNG", 13, bold=True) / 72 * 2.54, 2) == 2.79


def test_the_fast_path_and_the_tree_path_agree(settings: Settings, tmp_path: Path) -> None:
    """Rules are sized with regular expressions; documents with text boxes take the lxml tree
    path. Both give the same indents."""
    import re
    import zipfile

    from reports.render.docx_layout import _size_rules_tree, size_rules

    path = render_docx(make_report(_district(tmp_path)), settings, tmp_path / "d.docx")
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml")
    blank = re.sub(rb"<w:ind w:left=\"\d+\" w:right=\"\d+\"/>", b"", xml)

    def indents(data: bytes) -> list[bytes]:
        return re.findall(rb'<w:ind w:left="(\d+)" w:right="\d+"/>', data)

    fast = indents(size_rules(blank))
    assert len(fast) == 3 and fast == indents(_size_rules_tree(blank))
    assert fast == indents(xml)
