"""The one place where text is made safe for the documents, sheets and terminals it reaches.

Imported text is checked at import (:func:`text_problem`: a cell with a character no document
may hold is refused with its file, row and column); everything that reaches a document is
cleaned again on the way out (:func:`for_xml`, :func:`for_cell`, :func:`safe_context`), because
text also comes from settings, templates and rows stored by older versions.
"""

from __future__ import annotations

import binascii
import re
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any
from xml.parsers import expat

from markupsafe import Markup, escape

XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold (a part with one is not well-formed: Word refuses the file)."""

INVISIBLE = re.compile(r"[\ufeff\u200b-\u200d\u2060]")
"""Characters that look like nothing but make two ids differ (BOM, zero-width spaces)."""

_IMPORT_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff\ufeff]")
_ID_BAD = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff\ufeff\u200b-\u200d\u2060]")

EXCEL_CELL_LIMIT = 32_767
"""Characters an Excel cell holds at most; longer text is refused at import."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_PATCH_MARKS = re.compile(r"[{%]_|_[}%]")
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)*$")


def describe(ch: str) -> str:
    """``U+0001`` for a message."""
    return f"U+{ord(ch):04X}"


def text_problem(
    text: str, *, identifier: bool = False, limit: int = EXCEL_CELL_LIMIT
) -> str | None:
    """Why ``text`` cannot be imported (Vietnamese), or None when it can.

    Ids and codes also refuse line breaks, tabs and invisible characters: they are compared
    character by character, and two ids that look the same must be the same.
    """
    bad = (_ID_BAD if identifier else _IMPORT_BAD).search(text)
    if bad:
        return (
            f"có ký tự điều khiển hoặc vô hình {describe(bad.group())} ở vị trí {bad.start() + 1}; "
            "xóa ký tự đó trong tệp nguồn"
        )
    if len(text) > limit:
        from reports.core.vi import number

        return f"dài {number(len(text))} ký tự, tối đa {number(limit)}"
    return None


def has_bad(texts: list[str], *, identifier: bool, limit: int) -> bool:
    """Whether any of ``texts`` has a :func:`text_problem` (fast: one scan of them all)."""
    if not texts:
        return False
    if max(map(len, texts)) > limit:
        return True
    joined = " ".join(texts)
    if not identifier:  # line breaks and tabs are text's own (isprintable refuses them)
        joined = joined.replace("\n", " ").replace("\r", " ").replace("\t", " ")
    if joined.isprintable():  # no control, format or unassigned character at all: C speed
        return False
    return (_ID_BAD if identifier else _IMPORT_BAD).search(joined) is not None


def for_xml(text: str) -> str:
    """``text`` without the characters XML cannot hold."""
    return XML_ILLEGAL.sub("", text) if XML_ILLEGAL.search(text) else text


def for_cell(text: str) -> str:
    """A spreadsheet cell's text: XML-safe and within Excel's limit."""
    text = for_xml(text)
    return text if len(text) <= EXCEL_CELL_LIMIT else text[: EXCEL_CELL_LIMIT - 1] + "…"


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would take ``text``, typed into a cell, as a formula."""
    return text.startswith(_FORMULA_START) and not _NUMBER.match(text)


def for_csv(value: object) -> object:
    """A CSV cell that a spreadsheet opens as the text it is, never as a formula."""
    if isinstance(value, str):
        value = for_xml(value)
        if is_formula_like(value):
            return "'" + value
    return value


def safe_context(value: Any) -> Any:
    """A copy of a template context with every text XML-safe (the templates run in Jinja's
    immutable sandbox, so they cannot change it either)."""
    if isinstance(value, str):
        value = for_xml(value)
        if _PATCH_MARKS.search(value):
            # docx rendering turns "{_{" back into "{{" in the whole part: data that holds
            # such marks keeps them as character references, which that step does not touch.
            return Markup(str(escape(value)).replace("_", "&#95;"))
        return value
    if isinstance(value, Mapping):
        return {k: safe_context(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [safe_context(v) for v in value]
    return value


Part = tuple[str, int, int]
"""A zip member by name, CRC-32 and size: the same bytes under the same name."""


def malformed_part(
    data: bytes,
    *,
    suffixes: tuple[str, ...] = (".xml", ".rels"),
    known_good: frozenset[Part] = frozenset(),
) -> str | None:
    """The first XML part of the zip ``data`` (a .docx or .xlsx) that is not well-formed, as
    ``part: reason``; None when every part parses. Parts in ``known_good`` (:func:`part_key`
    of parts copied unchanged from a template whose parts were parsed once) are not parsed
    again."""
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return _malformed(archive, suffixes, known_good=known_good)


def part_key(name: str, data: bytes) -> Part:
    """How :func:`malformed_part` knows a part it need not parse (``known_good``)."""
    return (name, binascii.crc32(data), len(data))


def malformed_file(path: Any, *, max_part: int = 64 << 20) -> str | None:
    """:func:`malformed_part` for a file; parts larger than ``max_part`` are not parsed."""
    with zipfile.ZipFile(path) as archive:
        return _malformed(archive, (".xml", ".rels"), max_part)


def _malformed(
    archive: zipfile.ZipFile,
    suffixes: tuple[str, ...],
    max_part: int = 1 << 62,
    *,
    known_good: frozenset[Part] = frozenset(),
) -> str | None:
    for info in archive.infolist():
        if not info.filename.endswith(suffixes) or info.file_size > max_part:
            continue
        if (info.filename, info.CRC, info.file_size) in known_good:
            continue
        with archive.open(info) as fh:
            if (problem := malformed_xml(iter(lambda: fh.read(1 << 20), b""))) is not None:
                return f"{info.filename}: {problem}"
    return None


def malformed_xml(chunks: Iterable[bytes]) -> str | None:
    """Why the XML document in ``chunks`` is not well-formed, or None when it is."""
    parser = expat.ParserCreate()
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        return str(exc)
    return None
