"""The PDFs as a reader gets them: one typeface throughout, the signature block on one page."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from reports.core.model import Highlight
from reports.render.docx import render_docx
from reports.render.pdf import convert_to_pdf
from reports.render.xlsx import render_xlsx
from reports.settings.load import Settings
from tests.conftest import make_report, need

pytestmark = pytest.mark.libreoffice


def _need_tools() -> None:
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
    need(shutil.which("pdffonts") is not None, "poppler-utils (pdffonts) not installed")


def font_families(pdf: Path) -> set[str]:
    """The font families embedded in ``pdf``: "ABCDEF+LiberationSerif-Bold" → "LiberationSerif"."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in out.splitlines()[2:] if line.strip()]
    return {re.sub(r"^[A-Z]{6}\+", "", name).split("-")[0].split(",")[0] for name in names}


def pages_with(pdf: Path, needle: str) -> list[int]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    count = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)[1])  # type: ignore[index]
    found = []
    for page in range(1, count + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if needle in text:
            found.append(page)
    return found


def test_report_and_workbook_pdfs_use_one_typeface(settings: Settings, tmp_path: Path) -> None:
    """Vietnamese letters (ơ, ư, ạ, ế …) come from the same serif as the rest of the word: with
    fonts-liberation 1.07 they were drawn from DejaVu, a second family in the PDF."""
    _need_tools()
    report = make_report(settings)
    docx_pdf = convert_to_pdf(
        render_docx(report, settings, tmp_path / "bc.docx"), tmp_path / "pdf", timeout_s=180
    )
    xlsx_pdf = convert_to_pdf(
        render_xlsx(report, settings, tmp_path / "so-lieu.xlsx"), tmp_path / "pdf", timeout_s=180
    )
    for pdf in (docx_pdf, xlsx_pdf):
        families = font_families(pdf)
        assert len(families) == 1, (pdf.name, families)
    text = subprocess.run(["pdftotext", str(docx_pdf), "-"], capture_output=True, text=True).stdout
    assert "Nơi nhận" in text and "Hạnh phúc" in text  # ơ and ạ are in the checked PDF


PARAGRAPH = (
    "Ủy ban nhân dân Thành phố chỉ đạo các sở, ngành tiếp tục triển khai các nhiệm vụ trọng tâm. "
    * 3
)


@pytest.mark.parametrize("highlights", [9, 10, 11])
def test_signature_block_never_splits_across_pages(
    settings: Settings, tmp_path: Path, highlights: int
) -> None:
    """A report long enough for the page to end inside the signature block (9 highlights did,
    before its row was made unsplittable): "Nơi nhận" and the signer's name share a page."""
    _need_tools()
    items = tuple(
        Highlight(f"h{i}", date(2020, 9, 21), f"Nội dung nổi bật {i}", (PARAGRAPH,), None, i)
        for i in range(highlights)
    )
    report = dataclasses.replace(
        make_report(settings, show_figures_section=False), highlights=items
    )
    pdf = convert_to_pdf(
        render_docx(report, settings, tmp_path / "dai.docx"), tmp_path / "pdf", timeout_s=180
    )
    recipients, signer = pages_with(pdf, "Nơi nhận"), pages_with(pdf, "Nguyễn Văn A")
    assert len(recipients) == 1 and recipients == signer
    assert recipients[0] > 1
