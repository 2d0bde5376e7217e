"""The words one-stop exports use for a dossier's status and channel (Biểu 06/VPCP/KSTT).

A status is stored as the national portal's word (``done``, ``waiting``, …); a channel as
``truc_tuyen``, ``truc_tiep`` or ``buu_chinh``. Vietnamese words and the one-stop systems' codes
(KenhThucHien 1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích) are accepted, in any case and
with or without accents.
"""

from __future__ import annotations

from reports.sources.values import word_parser

STATUSES = (
    "new",
    "receiving",
    "processing",
    "waiting",
    "paying",
    "releasing",
    "done",
    "denied",
    "unresolved",
    "cancelled",
    "interoperating",
    "posting",
)
"""The national portal's status words (forms.md §2)."""

_STATUS_WORDS: dict[str, str] = {s: s for s in STATUSES} | {
    "moi": "new",
    "moi tiep nhan": "new",
    "cho tiep nhan": "receiving",
    "dang tiep nhan": "receiving",
    "dang xu ly": "processing",
    "dang giai quyet": "processing",
    "cho bo sung": "waiting",
    "yeu cau bo sung": "waiting",
    "cho thuc hien nghia vu tai chinh": "paying",
    "cho nop phi": "paying",
    "cho tra ket qua": "releasing",
    "da tra ket qua": "done",
    "hoan thanh": "done",
    "da giai quyet": "done",
    "da xu ly": "done",
    "tu choi": "denied",
    "tra lai": "denied",
    "khong giai quyet": "denied",
    "dung xu ly": "unresolved",
    "tam dung": "unresolved",
    "xin rut": "cancelled",
    "rut ho so": "cancelled",
    "da huy": "cancelled",
    "huy": "cancelled",
    "lien thong": "interoperating",
    "dang lien thong": "interoperating",
    "buu chinh": "posting",
}
STATUS_HINT = (
    "dùng một từ của Cổng DVC quốc gia (new, receiving, processing, waiting, paying, "
    "releasing, done, denied, unresolved, cancelled, interoperating, posting) hoặc tiếng Việt "
    "(đang xử lý, chờ bổ sung, đã trả kết quả, trả lại, xin rút, dừng xử lý …)"
)

CHANNELS = ("truc_tuyen", "truc_tiep", "buu_chinh")
CHANNEL_VI = {
    "truc_tuyen": "trực tuyến",
    "truc_tiep": "trực tiếp",
    "buu_chinh": "dịch vụ bưu chính công ích",
}
_CHANNEL_WORDS: dict[str, str] = {c.replace("_", " "): c for c in CHANNELS} | {
    "1": "truc_tiep",
    "2": "truc_tuyen",
    "3": "buu_chinh",
    "online": "truc_tuyen",
    "qua mang": "truc_tuyen",
    "dich vu cong truc tuyen": "truc_tuyen",
    "tai quay": "truc_tiep",
    "truc tiep tai bo phan mot cua": "truc_tiep",
    "bcci": "buu_chinh",
    "buu chinh cong ich": "buu_chinh",
    "dich vu buu chinh cong ich": "buu_chinh",
    "qua buu chinh": "buu_chinh",
}
CHANNEL_HINT = "dùng trực tuyến, trực tiếp, bưu chính công ích (hoặc 2, 1, 3 như KenhThucHien)"


parse_status = word_parser(_STATUS_WORDS, "trạng thái hồ sơ", STATUS_HINT)


parse_channel = word_parser(_CHANNEL_WORDS, "kênh tiếp nhận", CHANNEL_HINT, whole_numbers=True)


MODES = ("thuong_xuyen", "thu_truong", "uy_quyen")
"""How a reception was held (Biểu 01/TCD): regular, by the head (periodic or ad hoc), or by
someone the head delegated."""
_MODE_WORDS = {m.replace("_", " "): m for m in MODES} | {
    "tiep thuong xuyen": "thuong_xuyen",
    "thu truong tiep": "thu_truong",
    "lanh dao tiep": "thu_truong",
    "dinh ky": "thu_truong",
    "dot xuat": "thu_truong",
    "tiep dinh ky": "thu_truong",
    "tiep dot xuat": "thu_truong",
    "uy quyen tiep": "uy_quyen",
}
MODE_HINT = "dùng thường xuyên, thủ trưởng (định kỳ, đột xuất), ủy quyền"


parse_mode = word_parser(_MODE_WORDS, "hình thức tiếp", MODE_HINT)
