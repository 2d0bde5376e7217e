"""The forms baocao fills: one record per form with its words, the periods it takes and how it
is built. Wording that follows the published layout lives here; what could not be checked
against the circular's own text is said in docs/forms.md."""

from __future__ import annotations

from dataclasses import dataclass

from reports.core.errors import Step, UsageError
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
    lead_columns: int = 2
    """Printed columns before the numbers: STT and the label (2), or the label alone (1)."""
    number_labels: tuple[str, ...] = ()
    """The row under the headings; empty: (1) … (``columns``)."""

    def numbers_row(self) -> tuple[str, ...]:
        return self.number_labels or tuple(f"({c})" for c in range(1, self.columns + 1))

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


def _tcd_block(first: int, label: str, with_sessions: bool, top: int) -> tuple[Heading, ...]:
    """A block of Biểu 01/TCD: lượt, người, vụ việc (lần đầu, nhiều lần), đoàn đông người."""
    c = first
    out: list[Heading] = [_H(label, top, c, columns=9 if with_sessions else 8)]
    if with_sessions:
        out.append(_H("Số kỳ tiếp", top + 1, c, rows=4 - top - 1))
        c += 1
    rows = 4 - top - 1
    out += [
        _H("Số lượt tiếp", top + 1, c, rows=rows),
        _H("Số người được tiếp", top + 1, c + 1, rows=rows),
        _H("Số vụ việc", top + 1, c + 2, rows=rows - 1, columns=2),
        _H("Tiếp lần đầu", 3, c + 2),
        _H("Tiếp nhiều lần", 3, c + 3),
        _H("Trong đó đoàn đông người", top + 1, c + 4, columns=4),
    ]
    if rows > 2:
        out += [
            _H("Số đoàn được tiếp", top + 2, c + 4, rows=2),
            _H("Số người được tiếp", top + 2, c + 5, rows=2),
            _H("Vụ việc", top + 2, c + 6, columns=2),
        ]
        sub = 3
    else:
        sub = 3
        out += [_H("Số đoàn", sub, c + 4), _H("Số người", sub, c + 5)]
    out += [_H("Lần đầu", sub, c + 6), _H("Nhiều lần", sub, c + 7)]
    return tuple(out)


TCD01 = FormSpec(
    code="01/TCD",
    title="TỔNG HỢP KẾT QUẢ TIẾP CÔNG DÂN THƯỜNG XUYÊN, ĐỊNH KỲ VÀ ĐỘT XUẤT",
    legal_basis="Ban hành kèm theo Thông tư số 06/2025/TT-TTCP ngày 29/9/2025",
    periods=("quarter", "half", "year"),
    unit_of_count="Đơn vị tính: lượt, người, vụ việc, đoàn",
    headings=(
        _H("Đơn vị", 0, 0, rows=4),
        _H("Tổng số lượt tiếp", 0, 1, rows=4),
        _H("Tổng số người được tiếp", 0, 2, rows=4),
        _H("Tổng số vụ việc tiếp", 0, 3, rows=4),
        *_tcd_block(4, "Tiếp thường xuyên", False, 0),
        _H("Tiếp định kỳ và đột xuất của Thủ trưởng", 0, 12, columns=18),
        *_tcd_block(12, "Thủ trưởng tiếp", True, 1),
        *_tcd_block(21, "Ủy quyền tiếp", True, 1),
    ),
    heading_rows=4,
    columns=30,
    file_stem="Bieu-01-TCD",
    lead_columns=1,
    number_labels=(
        "MS",
        "1=4+13+22",
        "2=5+14+23",
        "3=6+7+15+16+24+25",
        *(str(c) for c in range(4, 30)),
    ),
)

FORMS: dict[str, FormSpec] = {f.code: f for f in (KSTT06, TCD01)}


def find_form(code: str) -> FormSpec:
    key = code.strip().upper().removeprefix("BIỂU ").removeprefix("BIEU ").strip()
    for spec in FORMS.values():
        if spec.code.upper() == key or spec.file_stem.upper() == key:
            return spec
    raise UsageError(f"không có biểu {code!r}; các biểu có sẵn: {', '.join(FORMS)}.").leads_to(
        Step.SEE_FORMS
    )
