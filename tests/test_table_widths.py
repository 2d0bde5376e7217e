"""The figures table's columns fit their content (issue 19): a week ending 03/01/2022 renders
its dates whole in the PDF ("27/12/2021-" then "03/01/2022", never "03/01/202" / "2")."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

from reports.core.periods import ReportPeriod
from reports.render.docx import render_docx
from reports.render.pdf import convert_to_pdf
from reports.settings.load import Settings
from tests.conftest import make_report, need


def test_a_week_across_the_new_year_renders_its_dates_whole(
    settings: Settings, tmp_path: Path
) -> None:
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
    need(shutil.which("pdftotext") is not None, "poppler-utils (pdftotext) not installed")
    week = ReportPeriod(date(2021, 12, 27), date(2022, 1, 3))
    report = make_report(settings)
    report = replace(report, period=week, figures=replace(report.figures, period=week))
    pdf = convert_to_pdf(render_docx(report, settings, tmp_path / "bc.docx"), tmp_path)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    dates = re.findall(r"\d{1,2}/\d{1,2}/\d+", text)
    assert "03/01/2022" in text and "27/12/2021" in text
    assert all(len(d.rsplit("/", 1)[1]) == 4 for d in dates), dates  # no year cut short
    assert not re.search(r"(^|\s)%\s*$", text, re.M)  # "%" never alone on a line
