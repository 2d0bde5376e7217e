"""The Word template's variables and filters, from a composed report (pure; split from
:mod:`reports.render.docx`). Every name here is documented in templates/README.md."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reports.compose.columns import change, change_text, has_year_to_date, shown_columns
from reports.compose.period_words import period_words, written_words
from reports.core import period_names, vi
from reports.core.model import FIGURE_INFO, Figures, Report
from reports.render.docx_figtable import COLUMN_FLAGS
from reports.render.docx_layout import date_words_or_blank

STOCKS = frozenset(info.name for info in FIGURE_INFO if info.stock)
NO_VALUE = ""
"""A cell with no value at all (a stock figure's year to date), unlike "-" (not known)."""


def _value(value: float | str | None, unit: str) -> str:
    if value == NO_VALUE:
        return NO_VALUE
    assert not isinstance(value, str)
    return vi.percent(value) if unit == "%" else vi.number(value)


def _change(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "%":  # a change of a rate is in percentage points: "+1,3 điểm %", unbroken
        return change_text(round(value * 100, 10), unit)
    return vi.signed(value)


FILTERS: dict[str, Callable[..., str]] = {
    "so": vi.number,
    "phan_tram": vi.percent,
    "gia_tri": _value,
    "thay_doi": _change,
    "ky": period_names.period_short,
    "ky_dai": period_names.period_long,
    "ngay": vi.numeric_date,
    "ngay_thang_nam": date_words_or_blank,
    "ten_ky": period_names.period_label,
    "so_sanh": change_text,
    "in_hoa": str.upper,
}

CONTEXT_VARIABLES = (
    "co_quan_chu_quan",
    "co_quan",
    "so_van_ban",
    "ky_hieu",
    "dia_danh",
    "ngay_ban_hanh",
    "du_thao",
    "chu_the",
    "don_vi",
    "ky",
    "ky_truoc",
    "cung_ky",
    "luy_ke",
    "so_lieu",
    "so_lieu_ky_truoc",
    "so_lieu_cung_ky",
    "so_lieu_luy_ke",
    "linh_vuc",
    "noi_bat",
    "hien_so_lieu",
    "bang_so_lieu",
    "so_ky_xu_huong",
    "nguoi_ky",
    "noi_nhan",
    "loai_ky",
    "ten_ky",
    "mo_dau",
    "trich_yeu_ky",
    "ten_cot",
    "don_vi_xu_huong",
    "so_sanh_so_lieu",
    "muc_noi_bat",
    "muc_so_lieu",
    "ten_ky_toi",
    "tam_tinh",
    "thay_the",
    "phan_viet",
    "ghi_nhan",
    "kinh_gui",
    COLUMN_FLAGS,
)
"""Every variable a template may use (documented in templates/README.md)."""


RECORDED_KINDS = ("documents", "dossiers", "receptions", "petitions", "directives")
FIGURE_KINDS = {
    info.name: "receptions"
    if info.name.startswith("reception")
    else "dossiers"
    if info.name == "on_time_rate"
    else info.name.split("_")[0]
    for info in FIGURE_INFO
}
"""Each figure's record kind: a unit that never had records of that kind has no row for it."""

_FIGURE_FIELDS = tuple(Figures().as_dict())
RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("so_lieu", "so_lieu_ky_truoc", "so_lieu_cung_ky", "so_lieu_luy_ke"), _FIGURE_FIELDS
    ),
    "nguoi_ky": ("tham_quyen", "chuc_vu", "ho_ten"),
    "ten_cot": ("ky_nay", "ky_truoc", "so_ky_truoc", "cung_ky", "so_cung_ky", "luy_ke"),
    "ghi_nhan": RECORDED_KINDS,
}
"""The fields of the variables that are records: a field spelt wrong is a template error."""
ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    "linh_vuc": ("ten", "noi_dung"),
    "noi_bat": ("tieu_de", "doan"),
    "bang_so_lieu": (
        "chi_tieu",
        "don_vi",
        "ky_nay",
        "ky_truoc",
        "thay_doi",
        "so_ky_truoc",
        "cung_ky",
        "so_cung_ky",
        "luy_ke",
    ),  # fmt: skip
    "phan_viet": ("key", "so", "tieu_de", "doan"),
}
"""The fields of each item of the lists (``lv`` in ``for lv in linh_vuc``)."""


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def document_number(number: str | None) -> str:
    """ND30: numbers below 10 take a leading zero ("05"); no number leaves a blank to fill in."""
    if not number:
        return "\u00a0" * 6
    return f"{int(number):02d}" if number.isdigit() else number


def template_context(report: Report) -> dict[str, Any]:
    """The variables of the Word template, from a composed report (pure)."""
    fs = report.figures
    # A comparison period that ended before the first record shows "-", not a zero.
    previous_known = fs.recorded(report.period.previous())
    last_year_known = fs.recorded(report.period.same_period_last_year())
    rows = []
    for info in FIGURE_INFO:
        if not fs.records(FIGURE_KINDS[info.name]):
            continue  # a unit's report has no row for what the unit does not record
        cur = fs.current.value(info.name)
        prev = fs.previous.value(info.name) if previous_known else None
        last = fs.last_year.value(info.name) if last_year_known else None
        ytd = fs.year_to_date.value(info.name)
        rows.append(
            {
                "chi_tieu": info.label,
                "don_vi": info.unit,
                "ky_nay": cur,
                "ky_truoc": prev,
                "thay_doi": _diff(cur, prev),
                "so_ky_truoc": change(cur, prev, info.unit),
                "cung_ky": last,
                "so_cung_ky": change(cur, last, info.unit),
                "luy_ke": ytd if has_year_to_date(info, report.period) else NO_VALUE,
            }
        )
    return {
        "co_quan_chu_quan": report.parent_body,
        "co_quan": report.issuing_body,
        "so_van_ban": document_number(report.number),
        "ky_hieu": report.reference_prefix,
        "dia_danh": report.place,
        "ngay_ban_hanh": None if report.draft else report.issued_on,
        "du_thao": report.draft,
        "chu_the": report.subject,
        "don_vi": report.unit_name or "",
        "ky": report.period,
        "ky_truoc": report.period.previous(),
        "cung_ky": report.period.same_period_last_year(),
        "luy_ke": report.period.year_to_date(),
        "so_lieu": fs.current.as_dict(),
        "so_lieu_ky_truoc": fs.previous.as_dict(),
        "so_lieu_cung_ky": fs.last_year.as_dict(),
        "so_lieu_luy_ke": {  # a stock has no year to date
            k: None if k in STOCKS else v for k, v in fs.year_to_date.as_dict().items()
        },
        "linh_vuc": [{"ten": line.label, "noi_dung": line.text} for line in report.field_lines],
        "noi_bat": [{"tieu_de": h.title, "doan": list(h.paragraphs)} for h in report.highlights],
        "hien_so_lieu": report.show_figures_section,
        "bang_so_lieu": rows,
        "so_ky_xu_huong": len(fs.trend_with_data()),  # the periods the chart shows
        "nguoi_ky": {
            "tham_quyen": report.signer_authority,
            "chuc_vu": report.signer_title,
            "ho_ten": report.signer_name,
        },
        "noi_nhan": list(report.recipients),
        **period_words(report),
        "tam_tinh": report.provisional,
        "thay_the": report.replaces,
        "phan_viet": written_words(report),
        "ghi_nhan": {kind: fs.records(kind) for kind in RECORDED_KINDS},
        "kinh_gui": report.addressee,
        COLUMN_FLAGS: shown_columns(report.period).as_context(),
    }
