"""Compose a report from figures and items: pure, no I/O, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from reports.compose.summary import limited_highlights, summary_lines
from reports.core.domain import FIELDS
from reports.core.model import Directive, FieldLine, FigureSet, Highlight, Report
from reports.core.sections import WrittenSection
from reports.settings.load import Settings


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    if text and text[-1] not in ".!?…:;":
        text += "."
    return text


def field_lines(directives: Iterable[Directive]) -> tuple[FieldLine, ...]:
    """One line per field, in the bulletin's order, from the field's highlighted directives.

    A field with no highlighted directive in the period is left out (format.md §1).
    """
    by_field: dict[str, list[Directive]] = {code: [] for code in FIELDS}
    counts: dict[str, int] = dict.fromkeys(FIELDS, 0)
    for d in directives:
        if d.field not in by_field:
            continue
        counts[d.field] += 1
        if d.highlight:
            by_field[d.field].append(d)
    lines = []
    for code, items in by_field.items():
        if not items:
            continue
        items.sort(key=lambda d: (d.approved_on, d.id))
        text = " ".join(_sentence(d.summary) for d in items if d.summary.strip())
        lines.append(FieldLine(code, FIELDS[code], text, counts[code]))
    return tuple(lines)


def order_highlights(items: Iterable[Highlight]) -> tuple[Highlight, ...]:
    """By position (those without one last), then date, then id (data.md §3)."""
    return tuple(
        sorted(
            items,
            key=lambda h: (h.position is None, h.position or 0, h.date, h.id),
        )
    )


def compose_report(
    settings: Settings,
    figures: FigureSet,
    directives: Sequence[Directive],
    highlights: Sequence[Highlight],
    *,
    issued_on: date,
    unit_name: str | None = None,
    office_name: str | None = None,
    parent_body: str | None = None,
    subject: str | None = None,
    number: str | None = None,
    show_figures_section: bool | None = None,
    place: str | None = None,
    reference_prefix: str | None = None,
    signer_authority: str | None = None,
    signer_title: str | None = None,
    signer_name: str | None = None,
    recipients: Sequence[str] | None = None,
    written: Sequence[WrittenSection] = (),
    addressee: str = "",
) -> Report:
    """Assemble everything a renderer needs. ``issued_on`` is passed in: no clock here.

    A week or a range names every highlighted directive (the bulletin's lines); a month, a
    quarter, a half-year or a year is summarised (:mod:`reports.compose.summary`).
    """
    office = settings.office
    kind = figures.period.kind
    items, shown = settings.summary.items(kind), settings.summary.highlights(kind)
    lines = field_lines(directives) if items is None else summary_lines(directives, items)
    section_two = (
        order_highlights(highlights) if shown is None else limited_highlights(highlights, shown)
    )
    return Report(
        period=figures.period,
        issued_on=issued_on,
        unit_code=figures.unit,
        unit_name=unit_name,
        parent_body=parent_body or office.parent,
        issuing_body=office_name or office.name,
        subject=subject or office.subject,
        place=place or office.place,
        number=settings.report.number if number is None else number,
        reference_prefix=reference_prefix or office.reference_prefix,
        signer_authority=signer_authority or settings.signer.authority,
        signer_title=settings.signer.title if signer_title is None else signer_title,
        signer_name=settings.signer.name if signer_name is None else signer_name,
        recipients=settings.report.recipients if recipients is None else tuple(recipients),
        figures=figures,
        field_lines=lines,
        highlights=section_two,
        show_figures_section=(
            settings.report.figures_section
            if show_figures_section is None
            else show_figures_section
        ),
        written=tuple(written),
        addressee=addressee,
    )
