"""Every .docx and .xlsx we write is valid ECMA-376, as the Open XML SDK checks it.

The validator is openxml-audit, a port of Microsoft's Open XML SDK validation (schema order,
required attributes, relationships) plus its own Word/Excel "will repair" findings. Reports of
several shapes are generated from the sample city through the real pipeline (SQLite store):
the city's week, a unit's week, a month, and a week without section III.

Findings accepted on purpose (each with its reason), everything else fails the test:

- ``Excel_InlineStrCells`` (warning): the detail sheets hold the texts that rarely repeat (ids,
  summaries) as inline strings (``t="inlineStr"``, valid SpreadsheetML) so that a year of
  records streams to disk without every summary in a shared-string table in memory (texts that
  repeat, such as units and fields, are shared). Excel opens the file as it is and only moves
  the strings into a shared table when the user saves; it is not a repair, and the SDK itself
  does not report it.
"""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openxml_audit import OpenXmlValidator

from reports.core.periods import ReportPeriod, half_period, quarter_period, year_period
from reports.core.sections import sections_from_text_file
from reports.produce.pipeline import generate
from reports.sample.city import write_sample
from reports.settings.load import PROJECT_ROOT, Settings, settings_from_mapping
from reports.sources.importer import import_files
from reports.store.db import open_store
from tests.conftest import edited_template

ACCEPTED = {"Excel_InlineStrCells"}
ORDER = ["units", "documents", "dossiers", "receptions", "petitions", "directives", "highlights"]
WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
CASES = {
    "city": {"period": WEEK},
    "unit": {"period": WEEK, "unit": "SO-XD"},
    "month": {"period": ReportPeriod(date(2020, 9, 1), date(2020, 10, 1))},
    "no-section-III": {"period": WEEK, "show_figures_section": False},
    # every kind's own template, its written sections filled (the template's muc("…")
    # paragraphs expanded into headings and paragraphs); the Word file only: a long period's
    # workbook takes the validator minutes and is the month's workbook in shape
    "quarter": {"period": quarter_period(2020, 3), "written": True},
    "half": {"period": half_period(2020, 2), "written": True},
    "year": {"period": year_period(2020), "written": True},
    "month-written": {"period": ReportPeriod(date(2020, 9, 1), date(2020, 10, 1)), "written": True},
}
WRITTEN = sections_from_text_file(
    "# Đánh giá chung\nCơ bản hoàn thành.\n\n# Nhiệm vụ trọng tâm kỳ tới\n- Việc một.\n- Việc hai.\n"
    "\n# Kiến nghị, đề xuất\nĐề nghị bổ sung kinh phí.\n"
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    base = tmp_path_factory.mktemp("ooxml")
    settings: Settings = settings_from_mapping(
        {
            "database": {"url": f"sqlite:///{base / 'store.db'}"},
            "paths": {"templates": str(PROJECT_ROOT / "templates"), "output": str(base / "out")},
            "signer": {"name": "Nguyễn Văn A"},
        },
        base_dir=base,
        environ={},
    )
    files = write_sample(base / "sample", start=date(2020, 6, 1), end=date(2020, 10, 31))
    engine = open_store(settings.database_url)
    try:
        import_files(engine, [files[k] for k in ORDER])
        out: dict[str, list[Path]] = {}
        for name, case in CASES.items():
            _, paths = generate(
                engine,
                settings,
                case["period"],  # type: ignore[arg-type]
                unit=case.get("unit"),  # type: ignore[arg-type]
                formats=("docx",) if case.get("written") else ("docx", "xlsx"),
                out_dir=base / name,
                issued_on=date(2020, 9, 28),
                show_figures_section=case.get("show_figures_section"),  # type: ignore[arg-type]
                written=WRITTEN if case.get("written") else (),
            )
            out[name] = paths
    finally:
        engine.dispose()
    return out


def findings(path: Path) -> list[str]:
    result = OpenXmlValidator(max_errors=0).validate(str(path))
    return [
        f"{e.severity.value} {e.part_uri} {e.path} {e.node}: {e.description}"
        for e in result.errors
        if e.id not in ACCEPTED
    ]


@pytest.mark.parametrize("case", list(CASES))
def test_generated_files_are_schema_valid(generated: dict[str, list[Path]], case: str) -> None:
    paths = generated[case]
    expected = [".docx"] if CASES[case].get("written") else [".docx", ".xlsx"]
    assert [p.suffix for p in paths] == expected
    for path in paths:
        assert findings(path) == [], path.name


@pytest.mark.parametrize(
    "name",
    ["bao-cao-tuan.docx", "bao-cao-thang.docx", "bao-cao-quy.docx", "bao-cao-6thang.docx",
     "bao-cao-nam.docx"],
)  # fmt: skip
def test_every_kinds_template_is_schema_valid(name: str) -> None:
    """The templates themselves, as a specialist opens them in Word."""
    assert findings(PROJECT_ROOT / "templates" / name) == []


def test_the_validator_sees_what_word_would_drop(tmp_path: Path) -> None:
    """The check can fail: a rule whose w:pBdr comes after w:spacing, as it used to."""
    border = '<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" w:color="000000"/></w:pBdr>'

    def edit(text: str) -> str:
        assert border in text
        return text.replace(border, "", 1).replace("</w:pPr>", border + "</w:pPr>", 1)

    broken = edited_template(tmp_path / "broken.docx", edit)
    assert any("Unexpected element 'pBdr'" in f for f in findings(broken))


def test_word_package_is_the_reports_own(generated: dict[str, list[Path]]) -> None:
    docx_path, xlsx_path = generated["city"]
    with zipfile.ZipFile(docx_path) as z:
        settings_xml = z.read("word/settings.xml").decode()
        core = z.read("docProps/core.xml").decode()
        app = z.read("docProps/app.xml").decode()
        names = z.namelist()
    assert (
        'w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"'
        in settings_xml
    )
    assert "word/stylesWithEffects.xml" not in names
    assert "Microsoft Macintosh Word" not in app and "2013-12-23" not in core
    assert (
        "<dc:title>Báo cáo kết quả chỉ đạo, điều hành nổi bật của UBND Thành phố "
        "từ ngày 21/9 đến ngày 28/9/2020</dc:title>"
    ) in core
    assert "<dc:creator>UBND THÀNH PHỐ HÀ NỘI - VĂN PHÒNG</dc:creator>" in core
    assert "<dc:language>vi-VN</dc:language>" in core
    generated_on = datetime.fromtimestamp(docx_path.stat().st_mtime, UTC).date().isoformat()
    assert f'<dcterms:created xsi:type="dcterms:W3CDTF">{generated_on}' in core
    with zipfile.ZipFile(xlsx_path) as z:
        xcore = z.read("docProps/core.xml").decode()
        styles = z.read("xl/styles.xml").decode()
    default_font = styles.split("<font>", 1)[1].split("</font>", 1)[0]
    assert '<name val="Times New Roman"/>' in default_font and "scheme" not in default_font
    assert "vi-VN</dc:language>" in xcore and f'dcterms:W3CDTF">{generated_on}' in xcore
