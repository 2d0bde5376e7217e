"""Build the Word templates, one per kind of period (Nghị định 30/2020, Phụ lục I).

    python templates/make_template.py

The .docx it writes is committed; a specialist edits its wording in Word. Tags are Jinja in
docxtpl's dialect: ``{{ … }}``, ``{%p … %}`` (a whole paragraph), ``{%tr … %}`` (a table row).
The variables are listed in templates/README.md.
"""

from __future__ import annotations

import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Mm, Pt

HERE = Path(__file__).resolve().parent
FONT = "Times New Roman"
CHART_REL_ID = "rIdTrendChart"
CHART_PART = "/word/charts/chart1.xml"


def set_font(
    run_or_style: Any,
    size: float | None = None,
    bold: bool | None = None,
    italic: bool | None = None,
) -> None:
    font = run_or_style.font
    font.name = FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic
    element = run_or_style.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def para(
    container: Any,
    text: str = "",
    *,
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = True,
    after: float = 6,
    before: float = 0,
    keep_with_next: bool = False,
) -> Any:
    p = container.add_paragraph()
    fmt = p.paragraph_format
    if keep_with_next:  # headings never end a page
        fmt.keep_with_next = True
    fmt.alignment = align
    fmt.first_line_indent = Cm(1.27) if indent else Cm(0)
    fmt.space_after = Pt(after)
    fmt.space_before = Pt(before)
    fmt.line_spacing = 1.15
    if text:
        set_font(p.add_run(text), size, bold, italic)
    return p


def tag(container: Any, text: str) -> Any:
    """A paragraph holding only a docxtpl block tag ({%p … %}); it disappears when rendered."""
    return para(container, text, indent=False, after=0)


def rule(container: Any, left_cm: float, right_cm: float) -> None:
    """A solid line in a paragraph of its own, as long as the space between its indents."""
    paragraph = container.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(2)
    paragraph.paragraph_format.left_indent = Cm(left_cm)
    paragraph.paragraph_format.right_indent = Cm(right_cm)
    # ECMA-376 puts w:pBdr before w:spacing and w:ind; Word drops out-of-order properties.
    ppr = paragraph._p.get_or_add_pPr()
    ppr.insert_element_before(
        parse_xml(
            f"<w:pBdr {nsdecls('w')}>"
            '<w:bottom w:val="single" w:sz="6" w:space="1" w:color="000000"/></w:pBdr>'
        ),
        *_PPR_AFTER_PBDR,
    )


# w:pPr children that ECMA-376 (CT_PPrBase) places after w:pBdr, and w:tblPr's after w:tblBorders.
_PPR_AFTER_PBDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
_TBLPR_AFTER_BORDERS = (
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
)  # fmt: skip


def set_widths(table: Any, widths: tuple[Any, ...]) -> None:
    """Column widths that both Word (cell widths) and LibreOffice (the grid) respect."""
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(int(width.twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    table.autofit = False  # one w:tblLayout fixed, in its place in w:tblPr


def no_borders(table: Any) -> None:
    table._tbl.tblPr.insert_element_before(
        parse_xml(
            f"<w:tblBorders {nsdecls('w')}>"
            + "".join(
                f'<w:{side} w:val="nil"/>'
                for side in ("top", "left", "bottom", "right", "insideH", "insideV")
            )
            + "</w:tblBorders>"
        ),
        *_TBLPR_AFTER_BORDERS,
    )


def cell_para(
    cell: Any,
    text: str,
    *,
    size: float,
    bold: bool = False,
    italic: bool = False,
    align: Any = WD_ALIGN_PARAGRAPH.CENTER,
    first: bool = False,
    after: float = 0,
) -> Any:
    p = cell.paragraphs[0] if first else cell.add_paragraph()
    p.paragraph_format.alignment = align
    p.paragraph_format.space_after = Pt(after)
    p.paragraph_format.space_before = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    if text:
        set_font(p.add_run(text), size, bold, italic)
    return p


def header_block(doc: Any) -> None:
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    no_borders(table)
    # 7.0 + 9.5 cm = the text width; the left fits "VĂN PHÒNG HĐND VÀ UBND" on one line at
    # 13 pt bold, the right "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" (9.0 cm) at 12 pt bold.
    set_widths(table, (Cm(7.0), Cm(9.5)))
    left, right = table.rows[0].cells
    cell_para(left, "{{ co_quan_chu_quan }}", size=13, first=True)
    cell_para(left, "{{ co_quan }}", size=13, bold=True)
    rule(left, 2.2, 2.2)  # 2.2 cm: a third of the 6.6 cm line, centred
    cell_para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True, first=True)
    cell_para(right, "Độc lập - Tự do - Hạnh phúc", size=13, bold=True)
    rule(right, 1.6, 1.6)  # 5.9 cm: as long as the motto at 13 pt bold
    number, date_line = table.rows[1].cells
    cell_para(
        number, "Số: {{ so_van_ban }}/{{ ky_hieu }}", size=13, first=True, after=0
    ).paragraph_format.space_before = Pt(6)
    dl = cell_para(
        date_line,
        "{{ dia_danh }}, {{ ngay_ban_hanh|ngay_thang_nam }}",
        size=14,
        italic=True,
        first=True,
    )
    dl.paragraph_format.space_before = Pt(6)


def chart_paragraph(doc: Any) -> None:
    p = para(doc, "", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    run = p.add_run()
    cx, cy = Cm(15.5), Cm(7.5)
    run._r.append(
        parse_xml(
            f"<w:drawing {nsdecls('w', 'wp', 'a', 'r')}>"
            f'<wp:inline distT="0" distB="0" distL="0" distR="0">'
            f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
            f'<wp:docPr id="100" name="Biểu đồ xu hướng"/><wp:cNvGraphicFramePr/>'
            f'<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
            f'<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
            f'r:id="{CHART_REL_ID}"/>'
            f"</a:graphicData></a:graphic></wp:inline></w:drawing>"
        )
    )


def page_number_header(section: Any) -> None:
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False  # page 1: an empty header
    header = section.header
    p = header.paragraphs[0]
    p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    set_font(run, 13)
    for kind, text in (
        ("begin", None),
        (None, " PAGE "),
        ("separate", None),
        (None, "2"),
        ("end", None),
    ):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            t = OxmlElement("w:t")
            t.text = text
            run._r.append(t)


def figures_table(doc: Any) -> None:
    headers = (
        "Chỉ tiêu",
        "{{ ten_cot.ky_nay }}",
        "{{ ten_cot.ky_truoc }}",
        "Tăng/giảm",
        "{{ ten_cot.cung_ky }}",
        "{{ ten_cot.luy_ke }}",
    )
    table = doc.add_table(rows=3, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    set_widths(table, (Cm(5.6), Cm(2.0), Cm(2.0), Cm(2.1), Cm(2.4), Cm(2.4)))
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell_para(cell, text, size=11, bold=True, first=True)
    loop, body = table.rows[1], table.rows[2]
    # The heading row repeats on every page; a row is never split across pages.
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for row in (table.rows[0], body):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    cell_para(loop.cells[0], "{%tr for r in bang_so_lieu %}", size=11, first=True)
    values = (
        "{{ r.chi_tieu }}",
        "{{ r.ky_nay|gia_tri(r.don_vi) }}",
        "{{ r.ky_truoc|gia_tri(r.don_vi) }}",
        "{{ r.thay_doi|thay_doi(r.don_vi) }}",
        "{{ r.cung_ky|gia_tri(r.don_vi) }}",
        "{{ r.luy_ke|gia_tri(r.don_vi) }}",
    )
    for i, (cell, text) in enumerate(zip(body.cells, values, strict=True)):
        cell_para(
            cell,
            text,
            size=11,
            first=True,
            align=WD_ALIGN_PARAGRAPH.LEFT if i == 0 else WD_ALIGN_PARAGRAPH.RIGHT,
        )
    end = table.add_row()
    cell_para(end.cells[0], "{%tr endfor %}", size=11, first=True)


def signature_block(doc: Any) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    no_borders(table)
    set_widths(table, (Cm(8.0), Cm(8.5)))
    # One row that never splits: "Nơi nhận" and the signer stay together on one page.
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    left, right = table.rows[0].cells
    cell_para(
        left,
        "Nơi nhận:",
        size=12,
        bold=True,
        italic=True,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        first=True,
    )
    cell_para(left, "{%p for n in noi_nhan %}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    cell_para(left, "- {{ n }}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    cell_para(left, "{%p endfor %}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    cell_para(right, "{{ nguoi_ky.tham_quyen }}", size=14, bold=True, first=True)
    cell_para(right, "{{ nguoi_ky.chuc_vu }}", size=14, bold=True)
    for _ in range(4):
        cell_para(right, "", size=14)
    cell_para(right, "{{ nguoi_ky.ho_ten }}", size=14, bold=True)


def document_defaults(doc: Any, kind: str = "tuần") -> None:
    """Times New Roman 14 pt, Vietnamese, for every style (no theme fonts), and honest metadata."""
    rpr = doc.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr")[0]
    for child in list(rpr):
        rpr.remove(child)
    rpr.append(
        parse_xml(
            f'<w:rFonts {nsdecls("w")} w:ascii="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}" '
            f'w:eastAsia="{FONT}"/>'
        )
    )
    rpr.append(parse_xml(f'<w:sz {nsdecls("w")} w:val="28"/>'))
    rpr.append(parse_xml(f'<w:szCs {nsdecls("w")} w:val="28"/>'))
    rpr.append(
        parse_xml(f'<w:lang {nsdecls("w")} w:val="vi-VN" w:eastAsia="vi-VN" w:bidi="ar-SA"/>')
    )
    props = doc.core_properties
    props.title = f"Báo cáo {kind}"
    props.subject = "Kết quả chỉ đạo, điều hành nổi bật"
    props.author = "baocao"
    props.comments = f"Mẫu báo cáo {kind} (templates/make_template.py)"
    props.language = "vi-VN"


@dataclass(frozen=True)
class Layout:
    """One kind of period's document: its words and which structure it has.

    The week is the city's bulletin (I. general activity with the figures, II. highlights,
    III. figures table, then the written sections). A month, a quarter, half a year and a year
    are reports an office files: I. the period's results (1. the figures and the fields,
    2. highlights, 3. the table), then II, III… the sections a person writes, each placed by
    the template with ``{{ muc("…") }}``; "kỳ tới" in their titles names the next period.
    """

    kind: str
    subject: str
    """The trích yếu under "BÁO CÁO"."""
    results: str = ""
    """Heading I of a long period's report; empty: the week's structure."""
    sections: tuple[str, ...] = ()
    """The written sections the template places itself (``muc``), in order."""


LONG_SECTIONS = ("Đánh giá chung", "Nhiệm vụ trọng tâm kỳ tới", "Kiến nghị, đề xuất")
LAYOUTS = {
    "bao-cao-tuan.docx": Layout(
        "tuần", "Kết quả chỉ đạo, điều hành nổi bật của {{ chu_the }} {{ trich_yeu_ky }}"
    ),
    "bao-cao-thang.docx": Layout(
        "tháng",
        "Kết quả chỉ đạo, điều hành của {{ chu_the }} {{ trich_yeu_ky }}",
        "I. KẾT QUẢ CHỈ ĐẠO, ĐIỀU HÀNH NỔI BẬT {{ ten_ky|in_hoa }}",
        LONG_SECTIONS,
    ),
    "bao-cao-quy.docx": Layout(
        "quý",
        "Tình hình, kết quả công tác chỉ đạo, điều hành của {{ chu_the }} {{ trich_yeu_ky }}",
        "I. TÌNH HÌNH, KẾT QUẢ CHỈ ĐẠO, ĐIỀU HÀNH {{ ten_ky|in_hoa }}",
        LONG_SECTIONS,
    ),
    "bao-cao-6thang.docx": Layout(
        "6 tháng",
        "Sơ kết công tác chỉ đạo, điều hành {{ trich_yeu_ky }}; nhiệm vụ trọng tâm "
        "{{ ten_ky_toi }}",
        "I. KẾT QUẢ CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH {{ ten_ky|in_hoa }}",
        LONG_SECTIONS,
    ),
    "bao-cao-nam.docx": Layout(
        "năm",
        "Tổng kết công tác chỉ đạo, điều hành {{ trich_yeu_ky }}; nhiệm vụ trọng tâm "
        "{{ ten_ky_toi }}",
        "I. KẾT QUẢ CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH {{ ten_ky|in_hoa }}",
        LONG_SECTIONS,
    ),
}
"""One template per kind of period (baocao.toml: report.template_docx, template_month, …),
each with its own structure; an office edits each in Word to its own practice."""
KINDS = {name: layout.kind for name, layout in LAYOUTS.items()}


FIGURES_SENTENCE = (
    "{{ mo_dau }}, {{ chu_the }} đã tiếp nhận, xử lý công việc tại "
    "{{ so_lieu.documents_received|so }} văn bản hành chính nhà nước"
    "{% if ghi_nhan.dossiers %}; tiếp nhận mới "
    "{{ so_lieu.dossiers_received|so }} hồ sơ thủ tục hành chính có thời hạn trả kết quả "
    "(đã hoàn thành và trả kết quả {{ so_lieu.dossiers_completed|so }} hồ sơ; "
    "đang giải quyết {{ so_lieu.dossiers_in_progress|so }} hồ sơ){% endif %}."
    "{% if ghi_nhan.receptions %} Tiếp {{ so_lieu.receptions|so }} lượt công dân "
    "({{ so_lieu.reception_persons|so }} người){% if ghi_nhan.petitions %}; tiếp nhận"
    "{% endif %}{% elif ghi_nhan.petitions %} Tiếp nhận{% endif %}"
    "{% if ghi_nhan.petitions %} {{ so_lieu.petitions_received|so }} đơn khiếu nại, tố cáo; "
    "đã xử lý: {{ so_lieu.petitions_resolved|so }} đơn{% endif %}"
    "{% if ghi_nhan.receptions or ghi_nhan.petitions %}.{% endif %}"
    "{% if ghi_nhan.directives %} Các đồng chí Lãnh đạo {{ chu_the }} đã phê duyệt "
    "{{ so_lieu.directives_approved|so }} văn bản chỉ đạo, điều hành "
    "trên các lĩnh vực{% if linh_vuc %}, cụ thể:{% else %}.{% endif %}{% endif %}"
)
"""The bulletin's figures paragraph, word for word (format.md §2). A unit's report leaves out
the sentences about what the unit does not record (ghi_nhan; every office records documents)."""


def title_block(doc: Any, layout: Layout) -> None:
    para(
        doc,
        "BÁO CÁO",
        size=14,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
        before=12,
        after=0,
    )
    para(
        doc,
        layout.subject,
        size=14,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
        after=2,
    )
    rule(doc, 5.0, 5.0)  # 6.5 cm: about 2/5 of the 16.5 cm line
    # issue 19: a unit's report to a higher body (Nghị định 30, Phụ lục I, II.9.b)
    tag(doc, "{%p if kinh_gui %}")
    para(
        doc,
        "Kính gửi: {{ kinh_gui }}.",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
        before=6,
    )
    tag(doc, "{%p endif %}")
    # issue 15: a replacing document and provisional figures say so under the title
    for flag in ("thay_the", "tam_tinh"):
        tag(doc, f"{{%p if {flag} %}}")
        para(doc, f"{{{{ {flag} }}}}", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        tag(doc, "{%p endif %}")
    para(doc, "", indent=False, after=6)


def highlights(doc: Any, heading: str) -> None:
    tag(doc, "{%p if noi_bat %}")
    para(doc, heading, bold=True, keep_with_next=True)
    tag(doc, "{%p for nb in noi_bat %}")
    para(doc, "{{ nb.tieu_de }}", bold=True, keep_with_next=True)
    tag(doc, "{%p for doan in nb.doan %}")
    para(doc, "{{ doan }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")


def figures_section(doc: Any, heading: str) -> None:
    tag(doc, "{%p if hien_so_lieu %}")
    para(doc, heading, bold=True, keep_with_next=True)
    # each compared period named once (a year's previous period is last year's)
    para(doc, "Số liệu {{ trich_yeu_ky }} {{ so_sanh_so_lieu }}:")
    figures_table(doc)
    para(
        doc,
        "Xu hướng {{ so_ky_xu_huong }} {{ don_vi_xu_huong }} gần nhất:",
        before=6,
        keep_with_next=True,
    )
    chart_paragraph(doc)
    tag(doc, "{%p endif %}")


def written_loop(doc: Any) -> None:
    """The sections a person writes that the template does not place itself; an empty one is
    not in phan_viet, so it is never printed empty."""
    tag(doc, "{%p for pv in phan_viet %}")
    para(doc, "{{ pv.so }}. {{ pv.tieu_de }}", bold=True, keep_with_next=True)
    tag(doc, "{%p for doan in pv.doan %}")
    para(doc, "{{ doan }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")


def week_body(doc: Any) -> None:
    para(doc, "I. HOẠT ĐỘNG CHỈ ĐẠO, ĐIỀU HÀNH CHUNG", bold=True, keep_with_next=True)
    para(doc, FIGURES_SENTENCE)
    tag(doc, "{%p for lv in linh_vuc %}")
    para(doc, "- Lĩnh vực {{ lv.ten }}: {{ lv.noi_dung }}")
    tag(doc, "{%p endfor %}")
    highlights(doc, "{{ muc_noi_bat }}. MỘT SỐ HOẠT ĐỘNG CHỈ ĐẠO - ĐIỀU HÀNH NỔI BẬT")
    figures_section(doc, "{{ muc_so_lieu }}. SỐ LIỆU TỔNG HỢP")
    written_loop(doc)


def long_body(doc: Any, layout: Layout) -> None:
    """I. the period's results in numbered parts (a part with nothing is left out and the
    next takes its number), then the written sections, numbered from II."""
    para(doc, layout.results, bold=True, keep_with_next=True)
    para(doc, "1. Công tác chỉ đạo, điều hành chung", bold=True, keep_with_next=True)
    para(doc, FIGURES_SENTENCE)
    tag(doc, "{%p for lv in linh_vuc %}")
    para(doc, "- Lĩnh vực {{ lv.ten }}: {{ lv.noi_dung }}")
    tag(doc, "{%p endfor %}")
    highlights(doc, "2. Một số hoạt động chỉ đạo, điều hành nổi bật")
    figures_section(doc, "{{ 3 if noi_bat else 2 }}. Số liệu tổng hợp")
    for title in layout.sections:
        para(doc, f'{{{{ muc("{title}") }}}}', bold=True, keep_with_next=True)
    written_loop(doc)


def build(path: Path) -> None:
    layout = LAYOUTS[path.name]
    doc = Document()
    document_defaults(doc, layout.kind)
    for style_name in ("Normal", "Table Grid"):
        set_font(doc.styles[style_name], 14 if style_name == "Normal" else 11)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)
    page_number_header(section)

    header_block(doc)
    title_block(doc, layout)
    if layout.results:
        long_body(doc, layout)
    else:
        week_body(doc)
    para(doc, "", after=6)
    signature_block(doc)

    doc.save(str(path))
    _finish_package(path)


def _finish_package(path: Path) -> None:
    """Add the chart part (python-docx has no chart API); drop what python-docx's stock package
    says about a document it is not: its thumbnail, its Word 2010 stylesWithEffects part (out of
    step with styles.xml, which Word may take as unreadable content), Word 2010 compatibility
    mode and "Microsoft Macintosh Word" as the application."""
    sys.path.insert(0, str(HERE.parent))
    from reports.render.docx_chart import chart_xml

    with zipfile.ZipFile(path) as zin:
        items = {name: zin.read(name) for name in zin.namelist()}
    # The thumbnail is a picture of python-docx's empty default document: misleading.
    del items["docProps/thumbnail.jpeg"]
    package_rels = items["_rels/.rels"].decode()
    package_rels = re.sub(
        r'<Relationship [^>]*Target="docProps/thumbnail.jpeg"/>', "", package_rels
    )
    items["_rels/.rels"] = package_rels.encode()
    del items["word/stylesWithEffects.xml"]
    items["word/settings.xml"] = re.sub(
        rb'(w:name="compatibilityMode" w:uri="[^"]+" w:val=")\d+"',
        rb'\g<1>15"',
        items["word/settings.xml"],
    )
    app = items["docProps/app.xml"].decode()
    app = app.replace("<Template>Normal.dotm</Template>", "")
    app = app.replace("Microsoft Macintosh Word", "baocao")
    app = re.sub(r"\s*<AppVersion>[^<]*</AppVersion>", "", app)
    items["docProps/app.xml"] = app.encode()
    # The report's four series with placeholder values: rendering fills this chart with the
    # figures and keeps whatever the office restyled in Word (colours, fonts, title, axes).
    items["word/charts/chart1.xml"] = chart_xml(
        ["T1", "T2"],
        {"Văn bản tiếp nhận": [1, 2], "Văn bản chỉ đạo": [1, 2]},
        {"Hồ sơ TTHC tiếp nhận": [1, 2], "Đơn thư tiếp nhận": [1, 2]},
        axis_titles=("Văn bản", "Hồ sơ, đơn thư"),
    )
    rels = items["word/_rels/document.xml.rels"].decode()
    rels = re.sub(r'<Relationship [^>]*Target="stylesWithEffects.xml"/>', "", rels)
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="{CHART_REL_ID}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart" '
        'Target="charts/chart1.xml"/></Relationships>',
    )
    items["word/_rels/document.xml.rels"] = rels.encode()
    types = items["[Content_Types].xml"].decode()
    types = re.sub(r'<Override PartName="/word/stylesWithEffects.xml"[^>]*/>', "", types)
    types = types.replace(
        "</Types>",
        f'<Override PartName="{CHART_PART}" '
        'ContentType="application/vnd.openxmlformats-officedocument.drawingml.chart+xml"/></Types>',
    )
    items["[Content_Types].xml"] = types.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items.items():
            zout.writestr(name, data)


if __name__ == "__main__":
    for name in KINDS:
        build(HERE / name)
        print(HERE / name)
