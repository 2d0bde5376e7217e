"""The written sections a report of a period kind has: its template's and the settings'."""

from __future__ import annotations

from reports.core.errors import TemplateError
from reports.core.sections import section_key
from reports.render.docx import load_template, template_path
from reports.settings.load import Settings


def written_titles(settings: Settings, kind: str) -> tuple[str, ...]:
    """The sections a report of this kind has: those its Word template declares
    (``muc("…")``), in the template's order, then those of ``report.written_sections`` it does
    not have; a title in both is one section (its key, :func:`section_key`)."""
    try:
        declared = load_template(template_path(settings, kind)).sections
    except TemplateError:  # a broken template says so when a report is rendered
        declared = ()
    titles: list[str] = []
    keys: set[str] = set()
    for title in (*declared, *settings.report.written_sections):
        if section_key(title) not in keys:
            titles.append(title)
            keys.add(section_key(title))
    return tuple(titles)
