"""The forms baocao fills: one record per form with its words, the periods it takes and how it
is built. Wording that follows the published layout lives here; what could not be checked
against the circular's own text is said in docs/forms.md."""

from __future__ import annotations

from dataclasses import dataclass

from reports.core.errors import UsageError
from reports.core.periods import ReportPeriod

KIND_WORDS = {
    "week": "tuần",
    "month": "tháng",
    "quarter": "quý",
    "half": "6 tháng",
    "year": "năm",
    "range": "khoảng ngày",
}
KIND_EXAMPLES = {"month": "2021-03", "quarter": "2021-Q1", "half": "2021-H1", "year": "2021"}


@dataclass(frozen=True)
class Heading:
    """A header cell: its text and where it sits in the heading rows (0-based, spans)."""

    text: str
    row: int
    column: int
    rows: int = 1
    columns: int = 1


@dataclass(frozen=True)
class FormSpec:
    code: str
    """As the command takes it: ``06/VPCP/KSTT``."""
    title: str
    legal_basis: str
    periods: tuple[str, ...]
    """The period kinds the form is filed for."""
    unit_of_count: str
    headings: tuple[Heading, ...]
    heading_rows: int
    columns: int
    """Printed columns, (1) to (``columns``); the numbers start at column 3."""
    file_stem: str

    def check_period(self, period: ReportPeriod) -> None:
        if period.kind in self.periods:
            return
        takes = ", ".join(f"{KIND_WORDS[k]} (--period {KIND_EXAMPLES[k]})" for k in self.periods)
        raise UsageError(
            f"Biểu {self.code} không lập cho kỳ {KIND_WORDS.get(period.kind, period.kind)} "
            f"({period.start:%d/%m/%Y}-{period.end:%d/%m/%Y}); biểu này lập theo: {takes}."
        )


_H = Heading
KSTT06 = FormSpec(
    code="06/VPCP/KSTT",
    title=(
        "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ "
        "TRỰC TIẾP GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    ),
    legal_basis="Ban hành kèm theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020",
    periods=("quarter", "half", "year"),
    unit_of_count="Đơn vị tính: Số hồ sơ TTHC",
    headings=(
        _H("STT", 0, 0, rows=3),
        _H("Lĩnh vực, công việc giải quyết theo cấp", 0, 1, rows=3),
        _H("Số hồ sơ nhận giải quyết", 0, 2, columns=4),
        _H("Số hồ sơ đã giải quyết", 0, 6, columns=4),
        _H("Số hồ sơ đang giải quyết", 0, 10, columns=3),
        _H("Tổng số", 1, 2, rows=2),
        _H("Trong đó", 1, 3, columns=3),
        _H("Số mới tiếp nhận trực tuyến", 2, 3),
        _H("Số mới tiếp nhận trực tiếp, dịch vụ bưu chính công ích", 2, 4),
        _H("Số kỳ trước chuyển qua", 2, 5),
        _H("Tổng số", 1, 6, rows=2),
        _H("Trong đó", 1, 7, columns=3),
        _H("Trả trước hạn", 2, 7),
        _H("Trả đúng thời hạn", 2, 8),
        _H("Trả quá hạn", 2, 9),
        _H("Tổng số", 1, 10, rows=2),
        _H("Trong đó", 1, 11, columns=2),
        _H("Trong hạn", 2, 11),
        _H("Quá hạn", 2, 12),
    ),
    heading_rows=3,
    columns=13,
    file_stem="Bieu-06-VPCP-KSTT",
)

FORMS: dict[str, FormSpec] = {f.code: f for f in (KSTT06,)}


def find_form(code: str) -> FormSpec:
    key = code.strip().upper().removeprefix("BIỂU ").removeprefix("BIEU ").strip()
    for spec in FORMS.values():
        if spec.code.upper() == key or spec.file_stem.upper() == key:
            return spec
    raise UsageError(
        f"không có biểu {code!r}; các biểu có sẵn: {', '.join(FORMS)} (xem 'baocao forms list')"
    )
