"""The Word report: wording (format.md §1–2), ND30 layout (§4), template safety, PDF."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.shared import Mm, Pt

from reports.core.errors import RenderError, TemplateError
from reports.core.model import Figures
from reports.render.docx import CONTEXT_VARIABLES, FILTERS, render_docx, template_context
from reports.render.pdf import convert_to_pdf
from reports.settings.load import PROJECT_ROOT, Settings, settings_from_mapping
from tests.conftest import edited_template, make_report, need

FIGURES_PARAGRAPH = (
    "Tuần qua (21/9-28/9/2020), UBND Thành phố đã tiếp nhận, xử lý công việc tại 1.406 văn bản "
    "hành chính nhà nước; tiếp nhận mới 61 hồ sơ thủ tục hành chính có thời hạn trả kết quả (đã "
    "hoàn thành và trả kết quả 49 hồ sơ; đang giải quyết 12 hồ sơ). Tiếp 106 lượt công dân (183 "
    "người); tiếp nhận 215 đơn khiếu nại, tố cáo; đã xử lý: 212 đơn. Các đồng chí Lãnh đạo UBND "
    "Thành phố đã phê duyệt 800 văn bản chỉ đạo, điều hành trên các lĩnh vực, cụ thể:"
)


@pytest.fixture
def rendered(settings: Settings, tmp_path: Path) -> docx.document.Document:
    path = render_docx(make_report(settings), settings, tmp_path / "bc.docx")
    return docx.Document(str(path))


def texts(document: docx.document.Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def cell_texts(document: docx.document.Document, table: int = 0) -> list[str]:
    return [p.text for row in document.tables[table].rows for c in row.cells for p in c.paragraphs]


def test_figures_paragraph_is_the_published_sentence(rendered: docx.document.Document) -> None:
    assert FIGURES_PARAGRAPH in texts(rendered)


def test_sections_field_lines_and_highlights(rendered: docx.document.Document) -> None:
    t = texts(rendered)
    assert t[0] == "BÁO CÁO"
    assert (
        t[1]
        == "Kết quả chỉ đạo, điều hành nổi bật của UBND Thành phố từ ngày 21/9 đến ngày 28/9/2020"
    )
    assert "I. HOẠT ĐỘNG CHỈ ĐẠO, ĐIỀU HÀNH CHUNG" in t
    assert "II. MỘT SỐ HOẠT ĐỘNG CHỈ ĐẠO - ĐIỀU HÀNH NỔI BẬT" in t
    assert "III. SỐ LIỆU TỔNG HỢP" in t
    assert "- Lĩnh vực kinh tế: chỉ đạo tổ chức sự kiện OCOP. Ban hành quyết định về tài sản." in t
    assert "- Lĩnh vực nội chính: tổ chức khảo sát sự hài lòng." in t
    assert not any(line.startswith("- Lĩnh vực đô thị") for line in t)  # no highlighted directive
    i = t.index("GRDP ước tăng 7,39%")
    assert t[i + 1] == "Nội dung <quan trọng> & rõ."  # escaped in XML, intact in Word
    assert t.index("Tập trung giải ngân vốn") > i  # by position
    headline = rendered.paragraphs[i]
    assert all(r.bold for r in headline.runs if r.text)
    for heading in ("I. HOẠT ĐỘNG CHỈ ĐẠO, ĐIỀU HÀNH CHUNG", "III. SỐ LIỆU TỔNG HỢP"):
        assert heading == heading.upper()
        assert all(r.bold for r in rendered.paragraphs[t.index(heading)].runs if r.text)
    assert not any("{{" in line or "{%" in line for line in t)


def test_every_variable_is_provided_and_documented(settings: Settings) -> None:
    context = template_context(make_report(settings))
    assert list(context) == list(CONTEXT_VARIABLES)
    readme = (PROJECT_ROOT / "templates" / "README.md").read_text(encoding="utf-8")
    assert [v for v in CONTEXT_VARIABLES if f"`{v}`" not in readme] == []
    assert [f for f in FILTERS if f"`{f}" not in readme] == []


def test_page_layout_nd30(rendered: docx.document.Document) -> None:
    s = rendered.sections[0]
    assert abs(s.page_width - Mm(210)) < Mm(0.5) and abs(s.page_height - Mm(297)) < Mm(0.5)

    def between(value: int | None, low: float, high: float) -> bool:  # mm, Word stores twips
        assert value is not None
        return Mm(low - 0.1) <= value <= Mm(high + 0.1)

    assert between(s.top_margin, 20, 25) and between(s.bottom_margin, 20, 25)
    assert between(s.left_margin, 30, 35) and between(s.right_margin, 15, 20)
    assert s.different_first_page_header_footer
    header_xml = s.header._element.xml
    assert "PAGE" in header_xml
    assert "PAGE" not in s.first_page_header._element.xml
    normal = rendered.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    # document defaults too (no theme fonts left for styles not based on Normal), in Vietnamese
    defaults = rendered.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr")[0]
    fonts_xml = defaults.xpath("w:rFonts")[0]
    assert {k.split("}")[1]: v for k, v in fonts_xml.attrib.items()} == {
        "ascii": "Times New Roman",
        "hAnsi": "Times New Roman",
        "cs": "Times New Roman",
        "eastAsia": "Times New Roman",
    }
    assert defaults.xpath("w:lang/@w:val") == ["vi-VN"]
    fonts = {r.font.name for p in rendered.paragraphs for r in p.runs if r.text}
    assert fonts <= {"Times New Roman", None}
    body = rendered.paragraphs[texts(rendered).index(FIGURES_PARAGRAPH)]
    assert body.paragraph_format.first_line_indent in (docx.shared.Cm(1), docx.shared.Cm(1.27))
    assert body.paragraph_format.space_after >= Pt(6)
    assert body.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.JUSTIFY
    sizes = {r.font.size for r in body.runs if r.text}
    assert sizes <= {Pt(13), Pt(14)}


def test_header_block(rendered: docx.document.Document) -> None:
    table = rendered.tables[0]
    left = [p for p in table.rows[0].cells[0].paragraphs if p.text]
    right = [p for p in table.rows[0].cells[1].paragraphs if p.text]
    assert [p.text for p in left] == ["UBND THÀNH PHỐ HÀ NỘI", "VĂN PHÒNG"]
    assert not left[0].runs[0].bold and left[1].runs[0].bold
    assert [p.text for p in right] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert all(p.runs[0].bold for p in right)
    number = table.rows[1].cells[0].paragraphs[0]
    date_line = table.rows[1].cells[1].paragraphs[0]
    assert number.text == "Số: 123/BC-VP"
    assert number.runs[0].font.size == Pt(13)
    assert date_line.text == "Hà Nội, ngày 28 tháng 9 năm 2020"
    assert date_line.runs[0].italic
    # the rules under the issuing body and under the motto
    assert table.rows[0].cells[0]._tc.xml.count("<w:bottom ") == 1
    assert table.rows[0].cells[1]._tc.xml.count("<w:bottom ") == 1


def test_signature_and_recipients(rendered: docx.document.Document) -> None:
    cells = cell_texts(rendered, -1)
    assert "Nơi nhận:" in cells
    assert "- Như trên;" in cells and "- Lưu: VT, TH." in cells
    assert "KT. CHÁNH VĂN PHÒNG" in cells and "PHÓ CHÁNH VĂN PHÒNG" in cells
    assert "Nguyễn Văn A" in cells


def test_date_line_padding_for_5_february(settings: Settings, tmp_path: Path) -> None:
    report = make_report(settings, end=date(2021, 2, 5))
    document = docx.Document(str(render_docx(report, settings, tmp_path / "f.docx")))
    assert (
        document.tables[0].rows[1].cells[1].paragraphs[0].text
        == "Hà Nội, ngày 05 tháng 02 năm 2021"
    )
    # Friday to Friday is no office week (Monday to Monday): a plain range, padded the same way
    assert "Từ ngày 29/01 đến ngày 05/02/2021" in " ".join(texts(document))


def test_document_number_below_ten_is_padded(settings: Settings, tmp_path: Path) -> None:
    path = render_docx(make_report(settings, number="5"), settings, tmp_path / "n.docx")
    assert docx.Document(str(path)).tables[0].rows[1].cells[0].paragraphs[0].text == "Số: 05/BC-VP"


def test_district_office_by_settings_alone(tmp_path: Path) -> None:
    district = settings_from_mapping(
        {
            "office": {
                "parent": "UBND QUẬN BA ĐÌNH",
                "name": "VĂN PHÒNG HĐND VÀ UBND",
                "subject": "UBND Quận",
                "reference_prefix": "BC-VP",
                "place": "Ba Đình",
            },
            "paths": {"templates": str(PROJECT_ROOT / "templates")},
            "report": {"number": "05"},
        },
        tmp_path,
        environ={},
    )
    document = docx.Document(str(render_docx(make_report(district), district, tmp_path / "q.docx")))
    cells = cell_texts(document, 0)
    assert "UBND QUẬN BA ĐÌNH" in cells and "VĂN PHÒNG HĐND VÀ UBND" in cells
    assert "Số: 05/BC-VP" in cells
    assert "Ba Đình, ngày 28 tháng 9 năm 2020" in cells
    assert any(
        t.startswith("Tuần qua (21/9-28/9/2020), UBND Quận đã tiếp nhận") for t in texts(document)
    )


def test_figures_section_and_native_chart(settings: Settings, tmp_path: Path) -> None:
    path = render_docx(make_report(settings), settings, tmp_path / "c.docx")
    with zipfile.ZipFile(path) as z:
        chart = z.read("word/charts/chart1.xml").decode()
        document_xml = z.read("word/document.xml").decode()
    assert "<c:barChart>" in chart and "<c:lineChart>" in chart
    assert "<c:v>1406</c:v>" in chart and "<c:v>1300</c:v>" in chart
    assert 'r:id="rIdTrendChart"' in document_xml
    table = docx.Document(str(path)).tables[1]
    assert table.rows[0]._tr.xpath("w:trPr/w:tblHeader")  # headings repeat on the next page
    first = [c.text for c in table.rows[1].cells]
    # issue 19: "Tăng/giảm" became "% so với kỳ trước" and "% so với cùng kỳ" was added
    # ("-": last year's figure is 0, no ratio)
    assert first == [
        "Văn bản hành chính tiếp nhận, xử lý", "1.406", "1.300", "+8,2%", "0", "-", "1.406"
    ]  # fmt: skip
    off = render_docx(
        make_report(settings, show_figures_section=False), settings, tmp_path / "n.docx"
    )
    assert "III. SỐ LIỆU TỔNG HỢP" not in texts(docx.Document(str(off)))


def _template_with(tmp_path: Path, old: str, new: str) -> Path:
    def edit(text: str) -> str:
        assert old in text
        return text.replace(old, new, 1)

    return edited_template(tmp_path / "sua.docx", edit)


def test_unknown_variable_fails_before_writing(settings: Settings, tmp_path: Path) -> None:
    template = _template_with(tmp_path, "{{ chu_the }}", "{{ ten_la }}")
    out = tmp_path / "out" / "x.docx"
    with pytest.raises(TemplateError) as info:
        render_docx(make_report(settings), settings, out, template=template)
    assert str(info.value) == (
        f"Mẫu báo cáo {template}: biến không tồn tại: ten_la (thẻ “{{{{ ten_la }}}}”, ở đoạn 10 "
        "“Kết quả chỉ đạo, điều hành nổi bật của {{ ten_la }} {{…”); tên gần giống: ten_ky, ten_cot"
    )
    assert not out.parent.exists()


def test_unknown_field_fails_before_writing_naming_the_tag(
    settings: Settings, tmp_path: Path
) -> None:
    """A figure's name spelt wrong is found when the template is checked (not one at a time
    when a report is filled), with its paragraph and the figures there are."""
    template = _template_with(tmp_path, "{{ so_lieu.receptions|so }}", "{{ so_lieu.luot_tiep|so }}")
    out = tmp_path / "x.docx"
    with pytest.raises(TemplateError) as info:
        render_docx(make_report(settings), settings, out, template=template)
    assert str(info.value) == (
        f"Mẫu báo cáo {template}: trường không tồn tại: so_lieu.luot_tiep "
        "(thẻ “{{ so_lieu.luot_tiep|so }}”, ở đoạn 23 “{{ mo_dau }}, {{ chu_the }} đã tiếp nhận, "
        "xử lý công việc…”); các trường của so_lieu: " + ", ".join(Figures().as_dict())
    )
    assert list(tmp_path.glob("x*")) == []


def test_unsafe_tag_fails_safely(settings: Settings, tmp_path: Path) -> None:
    template = _template_with(tmp_path, "{{ chu_the }}", "{{ ''.__class__ }}")
    out = tmp_path / "x.docx"
    with pytest.raises(TemplateError) as info:
        render_docx(make_report(settings), settings, out, template=template)
    assert str(info.value) == (
        f"Mẫu báo cáo {template}: thẻ không an toàn, không được phép: {{{{ ''.__class__ }}}} "
        "(không được dùng thuộc tính “__class__” của giá trị kiểu str)"
    )
    assert list(tmp_path.glob("x*")) == []


def test_unknown_filter_names_the_tag_and_the_filters(settings: Settings, tmp_path: Path) -> None:
    template = _template_with(
        tmp_path, "{{ so_lieu.receptions|so }}", "{{ so_lieu.receptions|so_luong }}"
    )
    with pytest.raises(TemplateError) as info:
        render_docx(make_report(settings), settings, tmp_path / "x.docx", template=template)
    assert str(info.value) == (
        f"Mẫu báo cáo {template}: bộ lọc không tồn tại: so_luong "
        "(thẻ “{{ so_lieu.receptions|so_luong }}”, ở đoạn 23 “{{ mo_dau }}, "
        "{{ chu_the }} đã tiếp nhận, xử lý công việc…”); các bộ lọc dùng được: so, phan_tram, "
        "gia_tri, thay_doi, ky, ky_dai, ngay, ngay_thang_nam, ten_ky, so_sanh, in_hoa"
    )


def test_broken_tag_names_the_template_and_place(settings: Settings, tmp_path: Path) -> None:
    template = _template_with(tmp_path, "{{ chu_the }}", "{{ chu_the }")
    with pytest.raises(TemplateError) as info:
        render_docx(make_report(settings), settings, tmp_path / "x.docx", template=template)
    # the tag as typed and the paragraph it is in, not Jinja's English about the XML
    assert str(info.value) == (
        f"Mẫu báo cáo {template}: thẻ “{{{{ chu_the }}” thiếu “}}}}” để đóng, ở đoạn 10 "
        "“Kết quả chỉ đạo, điều hành nổi bật của {{ chu_the } {{…”"
    )


def test_libreoffice_opens_it_and_the_pdf_has_the_figures(
    settings: Settings, tmp_path: Path
) -> None:
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
    need(shutil.which("pdftotext") is not None, "poppler-utils (pdftotext) not installed")
    source = render_docx(make_report(settings), settings, tmp_path / "bc.docx")
    pdf = convert_to_pdf(source, tmp_path / "pdf", timeout_s=180)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())  # justified lines may split words into letters
    for fragment in (
        "1.406 văn bản",
        "61 hồ sơ",
        "49 hồ sơ",
        "106 lượt công dân",
        "183 người",
        "215 đơn",
        "212 đơn",
        "800 văn bản",
    ):
        assert fragment.replace(" ", "") in flat
    assert "HàNội,ngày28tháng9năm2020" in flat
    # the chart's value axis, drawn from the cached values, with Vietnamese grouping
    assert "1.400" in text.split() and "1,400" not in text


def test_pdf_without_libreoffice_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(RenderError) as info:
        convert_to_pdf(tmp_path / "bc.docx", tmp_path, timeout_s=5)
    assert "apt-get install libreoffice-writer libreoffice-calc fonts-liberation2 " in str(
        info.value
    )
    assert list(tmp_path.iterdir()) == []


def test_pdf_conversion_past_its_time_limit_is_killed(settings: Settings, tmp_path: Path) -> None:
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
    source = render_docx(make_report(settings), settings, tmp_path / "bc.docx")
    with pytest.raises(RenderError) as info:
        convert_to_pdf(source, tmp_path / "pdf", timeout_s=0.01)
    assert str(info.value) == (
        "LibreOffice không chuyển xong bc.docx sang PDF sau 0.01 giây; đã dừng. "
        "Tăng pdf.timeout_s trong baocao.toml nếu máy chậm."
    )
    assert not (tmp_path / "pdf").exists() or list((tmp_path / "pdf").iterdir()) == []


def test_a_template_with_a_part_that_is_not_xml_is_refused_by_name(
    settings: Settings, tmp_path: Path
) -> None:
    """Its parts are checked once, when it is compiled (a filled report's parts copied from
    it unchanged are then not parsed again), and refused by name, not with lxml's traceback;
    nothing is written."""
    report = make_report(settings)
    for part in ("word/styles.xml", "word/document.xml"):
        broken = edited_template(
            tmp_path / f"{part.replace('/', '-')}.docx", lambda text: text[:-20], part=part
        )
        with pytest.raises(TemplateError, match=rf"phần {part} của tệp không phải XML hợp lệ"):
            render_docx(report, settings, tmp_path / "b.docx", template=broken)
        assert not (tmp_path / "b.docx").exists()
    assert render_docx(report, settings, tmp_path / "c.docx").exists()  # the good template
