"""The sections a person writes, as the Word template has them (issue 19).

A template declares a section by naming it: ``{{ muc("Kiến nghị, đề xuất") }}``. Such a
section becomes one of the draft's sections (the page's text areas, ``baocao sections``, the
``--sections`` file) beside those of ``report.written_sections``; a title in both is one
section. A paragraph holding only that tag is the whole section where it stands: its heading
("V. KIẾN NGHỊ, ĐỀ XUẤT", the paragraph's own formatting, bold) and its paragraphs, or nothing
at all when nobody wrote in it. The template may also take a section's parts itself:
``muc("…").so``, ``.tieu_de``, ``.doan``. A section the template places is not repeated by
its ``{%p for pv in phan_viet %}`` loop, which prints the others.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

import jinja2
from lxml import etree

from reports.compose.period_words import written_words
from reports.core.model import Report
from reports.core.sections import section_key

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SECTIONS_KEY = "_muc_viet"
"""The context entry ``muc()`` reads: every written section by key (not a template name)."""
_PLACEHOLDER = re.compile(r"^\s*\{\{-?\s*muc\(\s*[\"“”]([^\"“”]+)[\"“”]\s*\)\s*-?\}\}\s*$")
# w:rPr children that ECMA-376 puts before w:b, and w:pPr children before w:keepNext
_BEFORE_B = ("rStyle", "rFonts")
_BEFORE_KEEP_NEXT = ("pStyle",)


def _q(name: str) -> str:
    return f"{{{W}}}{name}"


@jinja2.pass_context
def muc(context: Any, title: str) -> dict[str, Any]:
    """The written section titled ``title``: ``{so, tieu_de, doan}``; ``doan`` is empty when
    nothing was written (the template leaves the section out)."""
    found: Mapping[str, dict[str, Any]] = context.get(SECTIONS_KEY) or {}
    return found.get(section_key(str(title))) or {
        "so": "",
        "tieu_de": " ".join(str(title).split()).upper(),
        "doan": [],
    }


def written_context(
    report: Report, placed: tuple[str, ...], after_sections: bool
) -> dict[str, Any]:
    """``phan_viet`` (the sections the template does not place itself) and what ``muc()``
    reads, numbered after baocao's own sections: after I, II, III when the template numbers
    them (it uses ``muc_noi_bat`` or ``muc_so_lieu``), else after I alone."""
    printed = written_words(report, after_sections=after_sections)
    keys = {section_key(t) for t in placed}
    return {
        "phan_viet": [w for w in printed if w["key"] not in keys],
        SECTIONS_KEY: {w["key"]: w for w in printed},
    }


def expand_placeholders(xml: bytes) -> bytes:
    """Each paragraph that holds only ``{{ muc("…") }}`` → the section's heading and
    paragraphs, inside ``{%p if … %}`` (docxtpl's paragraph tags, patched afterwards)."""
    if b"muc(" not in xml:
        return xml
    root = etree.fromstring(xml)
    changed = False
    for p in list(root.iter(_q("p"))):
        text = "".join(t.text or "" for t in p.iter(_q("t")))
        match = _PLACEHOLDER.match(text)
        if match is None or p.getparent() is None:
            continue
        call = f'muc("{" ".join(match.group(1).split())}")'
        new = [
            _clone(p, f"{{%p if {call}.doan %}}"),
            _clone(p, f"{{{{ {call}.so }}}}. {{{{ {call}.tieu_de }}}}", bold=True, keep=True),
            _clone(p, f"{{%p for doan in {call}.doan %}}"),
            _clone(p, "{{ doan }}", bold=False, keep=False),
            _clone(p, "{%p endfor %}"),
            _clone(p, "{%p endif %}"),
        ]
        parent = p.getparent()
        at = parent.index(p)
        parent.remove(p)
        for i, q in enumerate(new):
            parent.insert(at + i, q)
        changed = True
    if not changed:
        return xml
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _clone(p: Any, text: str, *, bold: bool | None = None, keep: bool | None = None) -> Any:
    """A paragraph with ``p``'s paragraph and first run's formatting and the one run ``text``;
    ``bold`` and ``keep`` (with the next paragraph: a heading) set or cleared when given."""
    q = etree.Element(_q("p"), nsmap=p.nsmap)
    ppr = p.find(_q("pPr"))
    if ppr is not None:
        q.append(copy.deepcopy(ppr))
        if keep is False:  # a section's paragraphs flow across pages
            for old in list(q.iter(_q("keepNext"))):
                old.getparent().remove(old)
    if keep:
        qppr = q.find(_q("pPr"))
        if qppr is None:
            qppr = etree.SubElement(q, _q("pPr"))
            q.insert(0, qppr)
        if qppr.find(_q("keepNext")) is None:
            _insert_after(qppr, etree.Element(_q("keepNext")), _BEFORE_KEEP_NEXT)
    run = etree.SubElement(q, _q("r"))
    first = next(
        (r.find(_q("rPr")) for r in p.iter(_q("r")) if r.find(_q("rPr")) is not None), None
    )
    rpr = copy.deepcopy(first) if first is not None else None
    if bold is not None:
        if rpr is None:
            rpr = etree.Element(_q("rPr"))
        for name in ("b", "bCs"):
            for old in rpr.findall(_q(name)):
                rpr.remove(old)
        if bold:
            _insert_after(rpr, etree.Element(_q("b")), _BEFORE_B)
    if rpr is not None:
        run.append(rpr)
    t = etree.SubElement(run, _q("t"))
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    t.text = text
    return q


def _insert_after(parent: Any, child: Any, before: tuple[str, ...]) -> None:
    """Insert ``child`` after the children named in ``before`` (the schema's order)."""
    at = 0
    for i, existing in enumerate(parent):
        if etree.QName(existing).localname in before:
            at = i + 1
    parent.insert(at, child)
