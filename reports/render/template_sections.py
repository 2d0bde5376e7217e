"""The written sections a report of a period kind has: the settings' and its template's."""

from __future__ import annotations

from reports.core.errors import TemplateError
from reports.core.sections import section_key
from reports.render.docx import load_template, template_path
from reports.settings.load import Settings


def written_titles(settings: Settings, kind: str) -> tuple[str, ...]:
    """The sections a report of this kind has: ``report.written_sections``, then those its
    Word template declares (a title in both is one section)."""
    titles = list(settings.report.written_sections)
    try:
        declared = load_template(template_path(settings, kind)).sections
    except TemplateError:  # a broken template says so when a report is rendered
        declared = ()
    keys = {section_key(t) for t in titles}
    for title in declared:
        if section_key(title) not in keys:
            titles.append(title)
            keys.add(section_key(title))
    return tuple(titles)
