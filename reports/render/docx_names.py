"""What a Word template may name: its variables, the fields of those that are records and of
the items of those that are lists (documented in templates/README.md; the template check
refuses any other name, with the nearest valid ones)."""

from __future__ import annotations

from reports.core.model import Figures

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
    "muc_noi_bat",
    "muc_so_lieu",
    "ten_ky_toi",
    "tam_tinh",
    "thay_the",
    "phan_viet",
    "ghi_nhan",
    "kinh_gui",
)
"""Every variable a template may use (documented in templates/README.md)."""


RECORDED_KINDS = ("documents", "dossiers", "receptions", "petitions", "directives")
_FIGURE_FIELDS = tuple(Figures().as_dict())
RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("so_lieu", "so_lieu_ky_truoc", "so_lieu_cung_ky", "so_lieu_luy_ke"), _FIGURE_FIELDS
    ),
    "nguoi_ky": ("tham_quyen", "chuc_vu", "ho_ten"),
    "ten_cot": ("ky_nay", "ky_truoc", "cung_ky", "luy_ke"),
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
        "cung_ky",
        "luy_ke",
    ),  # fmt: skip
    "phan_viet": ("key", "so", "tieu_de", "doan"),
}
"""The fields of each item of the lists."""
