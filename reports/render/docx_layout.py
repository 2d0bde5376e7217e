"""What the Word report's parts get once their tags are filled: ND30 rules sized to the text
above them, and core properties that are the report's own.

ND30 (Phụ lục I) draws a solid rule under the issuing body and under the trích yếu, from 1/3 to
1/2 as long as the line of text above it, and under the motto as long as the motto. The names
come from settings and the period from the report, so the length can only be known once the
tags are filled: each rule (an empty paragraph whose only mark is a bottom border) is centred
under the paragraph before it, with its length computed from that text's width in Times New
Roman's metrics (see :mod:`reports.render.fontmetrics`).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from html import unescape
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from reports.core import vi
from reports.render.fontmetrics import text_width_pt

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = {"w": W}
MOTTO = "Độc lập - Tự do - Hạnh phúc"
RULE_RATIO = 0.4
"""Rules under the issuing body and the trích yếu: 2/5 of the text, inside ND30's 1/3–1/2."""
DEFAULT_SIZE_PT = 14.0
CELL_MARGIN_TWIPS = 108


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def _is_rule(p: Any) -> bool:
    if p.find("w:pPr/w:pBdr/w:bottom", _NS) is None:
        return False
    return not "".join(p.itertext()).strip()


def _run_width_pt(run: Any) -> float:
    text = "".join(t.text or "" for t in run.iterfind("w:t", _NS))
    if not text:
        return 0.0
    rpr = run.find("w:rPr", _NS)
    size, bold = DEFAULT_SIZE_PT, False
    if rpr is not None:
        sz = rpr.find("w:sz", _NS)
        if sz is not None and sz.get(_w("val"), "").isdigit():
            size = int(sz.get(_w("val"))) / 2
        b = rpr.find("w:b", _NS)
        bold = b is not None and b.get(_w("val"), "1") not in ("0", "false", "off")
    return text_width_pt(text, size, bold=bold)


def paragraph_text(p: Any) -> str:
    return "".join(t.text or "" for t in p.iterfind(".//w:t", _NS))


def _available_twips(p: Any, body_width: int) -> int:
    """The width the paragraph can use: its cell's width, else the page's text width."""
    cell = next((a for a in p.iterancestors(_w("tc"))), None)
    if cell is not None:
        tcw = cell.find("w:tcPr/w:tcW", _NS)
        if tcw is not None and tcw.get(_w("type"), "dxa") == "dxa":
            value = tcw.get(_w("w"), "")
            if value.isdigit():  # less the cell's default side margins (0.19 cm each)
                return int(value) - 2 * CELL_MARGIN_TWIPS
    return body_width


def _body_width(root: Any) -> int:
    sect = root.find("w:body/w:sectPr", _NS)
    size = sect.find("w:pgSz", _NS) if sect is not None else None
    margins = sect.find("w:pgMar", _NS) if sect is not None else None
    if size is None or margins is None:
        return 9355  # 16.5 cm: ND30's A4 text width
    return int(size.get(_w("w"))) - int(margins.get(_w("left"))) - int(margins.get(_w("right")))


def _plain(text: str) -> str:
    """Text compared as words: NFC, dashes alike, spaces collapsed, case ignored."""
    text = unicodedata.normalize("NFC", text).replace("–", "-").replace("—", "-")
    return " ".join(text.split()).casefold()


def rule_length_twips(text_twips: float, available: int, motto: bool) -> int:
    """A rule's length: the motto's own, or 2/5 of the line above (one line at most)."""
    line = min(text_twips, available)
    return round(line if motto else line * RULE_RATIO)


_PARA = re.compile(rb"<w:p\b[^>]*>.*?</w:p>", re.DOTALL)
_RUN = re.compile(rb"<w:r\b[^>]*>.*?</w:r>", re.DOTALL)
_TEXT = re.compile(rb"<w:t\b[^>]*>([^<]*)</w:t>")
_SIZE = re.compile(rb'<w:sz w:val="(\d+)"')
_BOLD = re.compile(rb'<w:b(?: w:val="([^"]*)")?/>')
_IND = re.compile(rb"<w:ind\b[^>]*/>")
_TCW = re.compile(rb"<w:tcW\b([^>]*)/>")
_NESTED = (b"<w:txbxContent", b"<mc:AlternateContent")


def _attr(tag: bytes, name: bytes) -> bytes | None:
    found = re.search(rb"\b" + name + rb'="([^"]*)"', tag)
    return found.group(1) if found else None


def _text_of(paragraph: bytes) -> str:
    return "".join(unescape(t.decode("utf-8")) for t in _TEXT.findall(paragraph))


def _width_of(paragraph: bytes) -> float:
    """The paragraph's text width in twips, run by run (each run's size and weight)."""
    total = 0.0
    for run in _RUN.findall(paragraph):
        text = _text_of(run)
        if not text:
            continue
        size = _SIZE.search(run)
        bold = _BOLD.search(run)
        total += text_width_pt(
            text,
            int(size.group(1)) / 2 if size else DEFAULT_SIZE_PT,
            bold=bold is not None and bold.group(1) not in (b"0", b"false", b"off"),
        )
    return total * 20


def _available_at(xml: bytes, pos: int, body_width: int) -> int:
    opened = xml.count(b"<w:tc>", 0, pos) + xml.count(b"<w:tc ", 0, pos)
    if opened > xml.count(b"</w:tc>", 0, pos):
        start = max(xml.rfind(b"<w:tc>", 0, pos), xml.rfind(b"<w:tc ", 0, pos))
        tcw = _TCW.search(xml, start, pos)
        if tcw is not None and (_attr(tcw.group(1), b"w:type") or b"dxa") == b"dxa":
            value = _attr(tcw.group(1), b"w:w") or b""
            if value.isdigit():  # less the cell's default side margins (0.19 cm each)
                return int(value) - 2 * CELL_MARGIN_TWIPS
    return body_width


def _body_width_of(xml: bytes) -> int:
    sect = xml.rfind(b"<w:sectPr")
    size = re.search(rb"<w:pgSz\b[^>]*/>", xml[sect:]) if sect >= 0 else None
    margins = re.search(rb"<w:pgMar\b[^>]*/>", xml[sect:]) if sect >= 0 else None
    if size is None or margins is None:
        return 9355  # 16.5 cm: ND30's A4 text width
    values = [
        _attr(size.group(0), b"w:w"),
        _attr(margins.group(0), b"w:left"),
        _attr(margins.group(0), b"w:right"),
    ]
    if not all(v and v.isdigit() for v in values):
        return 9355
    width, left, right = (int(v) for v in values)  # type: ignore[arg-type]
    return width - left - right


def _sized(paragraph: bytes, side: int) -> bytes:
    ind = f'<w:ind w:left="{side}" w:right="{side}"/>'.encode()
    if _IND.search(paragraph):
        return _IND.sub(ind, paragraph, count=1)
    spacing = re.search(rb"<w:spacing\b[^>]*/>", paragraph)
    at = spacing.end() if spacing else paragraph.index(b"</w:pBdr>") + len(b"</w:pBdr>")
    return paragraph[:at] + ind + paragraph[at:]


def size_rules(xml: bytes) -> bytes:
    """``document.xml`` with each ND30 rule centred under, and sized by, the text above it.

    Paragraphs are found with regular expressions (a parse and serialisation of the document
    cost as much as the rest of the render); a document whose paragraphs may nest (text boxes)
    takes the tree path.
    """
    if any(marker in xml for marker in _NESTED):
        return _size_rules_tree(xml)
    body_width = _body_width_of(xml)
    out: list[bytes] = []
    last, above = 0, None
    for match in _PARA.finditer(xml):
        paragraph = match.group(0)
        has_text = b"<w:t>" in paragraph or b"<w:t " in paragraph
        bordered = b"<w:pBdr>" in paragraph and b"<w:bottom " in paragraph
        if not has_text and bordered and above is not None:
            motto = _plain(_text_of(above)) == _plain(MOTTO)
            available = _available_at(xml, match.start(), body_width)
            length = rule_length_twips(_width_of(above), available, motto)
            out += [xml[last : match.start()], _sized(paragraph, max(0, (available - length) // 2))]
            last = match.end()
        elif has_text and _text_of(paragraph).strip():
            above = paragraph
    if not out:
        return xml
    out.append(xml[last:])
    return b"".join(out)


def _size_rules_tree(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    body_width = _body_width(root)
    changed = False
    for p in root.iter(_w("p")):
        if not _is_rule(p):
            continue
        above = p.getprevious()
        while above is not None and (above.tag != _w("p") or not paragraph_text(above).strip()):
            above = above.getprevious()
        if above is None:
            continue
        text_twips = sum(_run_width_pt(r) for r in above.iter(_w("r"))) * 20
        available = _available_twips(p, body_width)
        motto = _plain(paragraph_text(above)) == _plain(MOTTO)
        length = rule_length_twips(text_twips, available, motto)
        side = max(0, (available - length) // 2)
        ppr = p.find("w:pPr", _NS)
        ind = ppr.find("w:ind", _NS)
        if ind is None:  # w:ind follows w:spacing (or w:pBdr) in CT_PPrBase
            ind = etree.Element(_w("ind"))
            anchor = ppr.find("w:spacing", _NS)
            (anchor if anchor is not None else ppr.find("w:pBdr", _NS)).addnext(ind)
        for attr in list(ind.attrib):
            del ind.attrib[attr]
        ind.set(_w("left"), str(side))
        ind.set(_w("right"), str(side))
        changed = True
    if not changed:
        return xml
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)  # type: ignore[no-any-return]


def core_properties(*, title: str, subject: str, creator: str, generated_at: datetime) -> bytes:
    """docProps/core.xml: the report's title and subject, the office as its creator, and the
    time it was generated (UTC) as created and modified — not the template's."""
    from reports.core.safe_text import for_xml

    stamp = generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    title, subject, creator = for_xml(title), for_xml(subject), for_xml(creator)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:subject>{escape(subject)}</dc:subject>"
        f"<dc:creator>{escape(creator)}</dc:creator>"
        f"<cp:lastModifiedBy>{escape(creator)}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "<dc:language>vi-VN</dc:language></cp:coreProperties>"
    ).encode()


def generated_at_of(package: Path) -> datetime | None:
    """When a .docx we wrote was generated (its ``dcterms:created``), so that rendering the same
    report again gives the same bytes (an approved draft is checked that way); None if absent."""
    import zipfile

    try:
        with zipfile.ZipFile(package) as z:
            xml = z.read("docProps/core.xml").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return None
    m = re.search(r"<dcterms:created[^>]*>(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)</dcterms:created>", xml)
    if not m:
        return None
    return datetime.strptime(m[1], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


HEADER_PART = re.compile(r"^word/header\d*\.xml$")
"""A page header part of the package: every page shows one of them."""

DRAFT_MARK = (
    '<w:p><w:pPr><w:jc w:val="right"/></w:pPr><w:r><w:rPr>'
    '<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman"/>'
    '<w:b/><w:color w:val="C00000"/><w:sz w:val="26"/></w:rPr><w:t>DỰ THẢO</w:t></w:r></w:p>'
)


def draft_mark(header: bytes) -> bytes:
    """The header with "DỰ THẢO" (bold, red, right) after what it holds: a draft says it is
    one on every page. A template without headers gets none (see README "Dự thảo")."""
    text = header.decode("utf-8")
    end = text.rfind("</w:hdr>")
    if end < 0:
        return header
    return (text[:end] + DRAFT_MARK + text[end:]).encode("utf-8")


def date_words_or_blank(d: date | None) -> str:
    """``ngày 05 tháng 02 năm 2021``; for a draft (no date of issue yet) the blanks to fill."""
    if d is None:
        gap = "\u00a0" * 5
        return f"ngày {gap} tháng {gap} năm {gap}"
    return vi.date_words(d)
