"""The written sections a report of a period kind has: its template's and the settings'."""

from __future__ import annotations

import re
import zipfile
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree

from reports.core.sections import section_key
from reports.settings.load import Settings

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PARTS = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
_MUC = re.compile(r"""\bmuc\(\s*(?:"([^"]+)"|'([^']+)')\s*\)""")
_STRAIGHT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})  # Word's curly quotes


def written_titles(settings: Settings, kind: str) -> tuple[str, ...]:
    """The sections a report of this kind has: those its Word template declares
    (``muc("…")``), in the template's order, then those of ``report.written_sections`` it does
    not have; a title in both is one section (its key, :func:`section_key`)."""
    titles: list[str] = []
    keys: set[str] = set()
    template = settings.templates_dir / settings.report.template_for(kind)
    for title in (*template_section_titles(template), *settings.report.written_sections):
        if section_key(title) not in keys:
            titles.append(title)
            keys.add(section_key(title))
    return tuple(titles)


def template_section_titles(path: Path) -> tuple[str, ...]:
    """The titles of the template's ``muc("…")`` tags in document order, read from its XML
    alone: a report knows its sections without compiling the template (that is done where it
    is filled, and a broken template says so there). Cached until the file changes."""
    try:
        stat = path.stat()
    except OSError:
        return ()
    return _declared(path.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _declared(path: Path, mtime_ns: int, size: int) -> tuple[str, ...]:
    try:
        with zipfile.ZipFile(path) as archive:
            parts = [archive.read(n) for n in archive.namelist() if _PARTS.match(n)]
    except (OSError, zipfile.BadZipFile, KeyError):
        return ()
    titles: list[str] = []
    for xml in parts:
        if b"muc" not in xml:
            continue
        try:
            root = ElementTree.fromstring(xml)
        except ElementTree.ParseError:
            continue
        for p in root.iter(f"{_W}p"):
            text = "".join(t.text or "" for t in p.iter(f"{_W}t")).translate(_STRAIGHT)
            for match in _MUC.finditer(text):
                title = " ".join((match.group(1) or match.group(2)).split())
                if title and title not in titles:
                    titles.append(title)
    return tuple(titles)
