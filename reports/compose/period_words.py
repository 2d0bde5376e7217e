"""The wording of the Word report that depends on the period, and the trend chart's series.

Kept apart from ``docx.py`` (the template machinery): what a week, a month or a quarter is
called, which sections are printed and how they are numbered, and which trend series have data.
Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import Any

from reports.compose.columns import shown_columns
from reports.core import period_names, vi
from reports.core.model import Figures, Report
from reports.core.periods import ReportPeriod

_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def period_labels(period: ReportPeriod) -> dict[str, Any]:
    """What the period and its comparisons are called, by the period's kind.

    The one place these words are chosen: the Word report, the workbook, the mail and
    ``baocao figures`` all name the periods with them.
    """
    previous, last_year = period.previous(), period.same_period_last_year()
    ytd = period.year_to_date()
    return {
        "loai_ky": period_names.KIND_CODES[period.kind],
        "ten_ky": period_names.period_name(period),
        "mo_dau": period_names.period_opening(period),
        "trich_yeu_ky": period_names.period_subject(period),
        "ten_cot": {
            "ky_nay": period_names.period_heading(period),
            "ky_truoc": period_names.period_heading(previous),
            "so_ky_truoc": "%\u00a0so với kỳ trước",  # "%" never alone on a line
            "cung_ky": f"Cùng kỳ {period_names.period_label(last_year)}",
            "so_cung_ky": "%\u00a0so với cùng kỳ",
            "luy_ke": (
                f"Lũy kế từ {vi.numeric_date(ytd.start)}" if period.cutoff else "Lũy kế từ đầu năm"
            ),
        },
        "don_vi_xu_huong": period_names.trend_unit(period),
        "so_sanh_so_lieu": comparisons_phrase(period),
    }


def comparisons_phrase(period: ReportPeriod) -> str:
    """What section III compares the period with, naming each period once (issue 19):
    "so với kỳ trước (tháng 2/2021), cùng kỳ năm trước (tháng 3/2020) và lũy kế
    (01/01-31/3/2021)"; a year: "so với cùng kỳ năm trước (năm 2020)" (its previous period
    *is* last year's, and it is its own year to date)."""
    shown = shown_columns(period)
    parts = []
    if shown.last_year:
        parts.append(f"kỳ trước ({period_names.period_label(period.previous())})")
    parts.append(f"cùng kỳ năm trước ({period_names.period_label(period.same_period_last_year())})")
    if shown.year_to_date:
        parts.append(f"lũy kế ({period_names.period_short(period.year_to_date())})")
    head = ", ".join(parts[:-1])
    return "so với " + (f"{head} và {parts[-1]}" if head else parts[-1])


def period_words(report: Report) -> dict[str, Any]:
    """The wording that depends on the period's kind, and the sections' numbers.

    A section with nothing in it is left out and the next one takes its number.
    """
    sections = _printed_sections(report)
    number = {name: _ROMAN[i] for i, name in enumerate(sections)}
    return period_labels(report.period) | {
        "muc_noi_bat": number.get("noi_bat", ""),
        "muc_so_lieu": number.get("so_lieu", ""),
        "ten_ky_toi": next_period_words(report.period),
    }


def _printed_sections(report: Report) -> list[str]:
    sections = ["chung"]
    if report.highlights:
        sections.append("noi_bat")
    if report.show_figures_section:
        sections.append("so_lieu")
    return sections


def next_period_words(period: ReportPeriod) -> str:
    """What the period after this one is called in a section's title ("Nhiệm vụ trọng tâm
    kỳ tới"): ``tháng 10/2020``, ``quý IV/2020``, ``6 tháng cuối năm 2020``, ``năm 2021``;
    a week ``tuần tới``, a plain range ``kỳ tới``."""
    if period.kind == "week":
        return "tuần tới"
    if period.rules.name is None:
        return "kỳ tới"
    return period_names.period_name(period.following())


def section_heading(title: str, period: ReportPeriod) -> str:
    """A written section's title for this period: "kỳ tới" names the next period."""
    return re.sub(r"\bkỳ tới\b", next_period_words(period), title, flags=re.IGNORECASE)


def written_words(report: Report, *, after_sections: bool = True) -> list[dict[str, Any]]:
    """The sections a person wrote, numbered after the sections baocao writes (I, II, III
    as the week's template numbers them; ``after_sections=False``: after I alone, where a
    template has baocao's results as one section); an empty one is left out (never printed
    empty). A bullet is a paragraph "- …"."""
    before = len(_printed_sections(report)) if after_sections else 1
    out: list[dict[str, Any]] = []
    for section in report.written:
        if section.empty:
            continue
        paragraphs: list[str] = []
        for block in section.blocks:
            if block.bullets:
                paragraphs += [f"- {b.strip()}" for b in block.bullets if b.strip()]
            elif block.text.strip():
                paragraphs.append(block.text.strip())
        number = before + len(out)
        out.append(
            {
                "key": section.key,
                "so": _ROMAN[number] if number < len(_ROMAN) else str(number + 1),
                "tieu_de": section_heading(section.title, report.period).upper(),
                "doan": paragraphs,
            }
        )
    return out


_BAR_SERIES = {
    "Văn bản tiếp nhận": "documents_received",
    "Văn bản chỉ đạo": "directives_approved",
}
_LINE_SERIES = {
    "Hồ sơ TTHC tiếp nhận": "dossiers_received",
    "Đơn thư tiếp nhận": "petitions_received",
}
Series = dict[str, list[int | None]]


def trend_series(report: Report) -> tuple[list[str], Series, Series]:
    """Labels, bar and line series of the trend chart.

    Only the periods that have data: none that ended before the first record (issue 19: a
    year's chart was mostly empty); a series with no data at all is left out, so the legend
    lists only what the chart shows.
    """
    points: tuple[tuple[ReportPeriod, Figures | None], ...] = report.figures.trend_with_data()
    labels = [period_names.trend_label(p) for p, _ in points]

    def series(names: dict[str, str]) -> Series:
        out: Series = {}
        for title, attr in names.items():
            values: list[int | None] = [None if f is None else getattr(f, attr) for _, f in points]
            if any(values):
                out[title] = values
        return out

    return labels, series(_BAR_SERIES), series(_LINE_SERIES)
