"""The template's chart, restyled in Word, keeps its style: rendering fills it with data."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

from reports.render.docx import CHART_PART, render_docx
from reports.render.docx_chart import fill_chart
from reports.render.pdf import convert_to_pdf
from reports.settings.load import PROJECT_ROOT, Settings
from tests.conftest import make_report, need

TITLE = (
    '<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:rPr lang="vi-VN" sz="1400" b="1"/>'
    "<a:t>Biểu đồ đã sửa trong Word</a:t></a:r></a:p></c:rich></c:tx>"
    '<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>'
)


def restyled_template(tmp_path: Path, edit: object) -> Path:
    source = PROJECT_ROOT / "templates" / "bao-cao-tuan.docx"
    target = tmp_path / "mau-sua.docx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == CHART_PART:
                data = edit(data.decode()).encode()  # type: ignore[operator]
            zout.writestr(item, data)
    return target


def _restyle(chart: str) -> str:
    assert '<c:autoTitleDeleted val="1"/>' in chart and 'val="1F4E79"' in chart
    chart = chart.replace('<c:autoTitleDeleted val="1"/>', TITLE, 1)
    chart = chart.replace('val="1F4E79"', 'val="FF0000"')  # first series: red
    return chart.replace('<c:gapWidth val="80"/>', '<c:gapWidth val="30"/>')


def chart_of(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(CHART_PART).decode()


def test_restyled_chart_keeps_its_style_and_shows_the_figures(
    settings: Settings, tmp_path: Path
) -> None:
    template = restyled_template(tmp_path, _restyle)
    out = render_docx(make_report(settings), settings, tmp_path / "bc.docx", template=template)
    chart = chart_of(out)
    assert "Biểu đồ đã sửa trong Word" in chart and 'val="FF0000"' in chart
    assert '<c:gapWidth val="30"/>' in chart
    assert "<c:v>1406</c:v>" in chart and "<c:v>1300</c:v>" in chart  # this report's figures
    assert "<c:v>T1</c:v>" not in chart  # the template's placeholder categories are gone
    names = re.findall(r"<c:tx><c:v>([^<]+)</c:v></c:tx>", chart)
    assert names == [
        "Văn bản tiếp nhận",
        "Văn bản chỉ đạo",
        "Hồ sơ TTHC tiếp nhận",
        "Đơn thư tiếp nhận",
    ]


def test_restyled_chart_in_the_pdf(settings: Settings, tmp_path: Path) -> None:
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
    template = restyled_template(tmp_path, _restyle)
    out = render_docx(make_report(settings), settings, tmp_path / "bc.docx", template=template)
    pdf = convert_to_pdf(out, tmp_path / "pdf", timeout_s=180)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Biểu đồ đã sửa trong Word" in text
    assert "1.400" in text.split()


def test_a_series_the_template_lacks_copies_its_style_and_extra_ones_go(
    settings: Settings, tmp_path: Path
) -> None:
    def one_bar(chart: str) -> str:  # keep the first bar series only, with Word's references
        bar = re.search(r"<c:barChart>.*?</c:barChart>", chart).group(0)  # type: ignore[union-attr]
        series = re.findall(r"<c:ser>.*?</c:ser>", bar)
        first = re.sub(
            r"<c:val>.*?</c:val>",
            "<c:val><c:numRef><c:f>Sheet1!$B$2:$B$3</c:f><c:numCache><c:formatCode>0</c:formatCode>"
            '<c:ptCount val="2"/><c:pt idx="0"><c:v>7</c:v></c:pt></c:numCache></c:numRef></c:val>',
            series[0],
        )
        return chart.replace("".join(series), first)

    template = restyled_template(tmp_path, one_bar)
    chart = chart_of(
        render_docx(make_report(settings), settings, tmp_path / "b.docx", template=template)
    )
    bar = re.search(r"<c:barChart>.*?</c:barChart>", chart).group(0)  # type: ignore[union-attr]
    assert bar.count("<c:ser>") == 2 and bar.count('val="1F4E79"') == 2
    assert "<c:f>" not in chart and "<c:v>7</c:v>" not in chart
    assert "<c:formatCode>0</c:formatCode>" in bar  # Word's number format is kept
    assert re.findall(r'<c:idx val="(\d+)"/>', chart) == ["0", "1", "2", "3"]


def test_a_chart_that_cannot_be_filled_is_written_anew() -> None:
    assert fill_chart(b"<not xml", ["a"], {"x": [1.0]}, {}) is None
    assert (
        fill_chart(
            b'<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"/>',
            ["a"],
            {"x": [1.0]},
            {},
        )
        is None
    )
