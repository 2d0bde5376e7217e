"""The Excel workbook: figures with comparisons, breakdowns, trend charts and the details.

Mode: openpyxl's write-only (streaming) workbook on every path, with the two large sheets
(units, details) serialised to sheet XML by :mod:`reports.render.xlsx_stream`. Measured in
``bench/bench_xlsx.py`` (see bench/RESULTS.md): the normal workbook keeps every cell as a
Python object, 100k detail rows took 5.3 s and 233 MB, so a year (1M rows) would need
gigabytes; the streamed path writes 1M rows in ~7 s within ~60 MB, and a week's workbook
(2,500 rows) in ~40 ms. Everything the office needs works in write-only mode: styles through
``WriteOnlyCell`` and cell-format ids, frozen panes, column widths, header row heights,
auto-filters, Excel tables (columns named by hand), native charts, print set-up and document
properties.

Values, not formulas: the change columns (Tăng/giảm, %) are written as numbers computed from
the same :class:`~reports.model.FigureSet` the Word report shows. openpyxl cannot compute
formulas, so a formula cell would have no cached value and every reader that does not
recalculate (python-calamine, pandas, mail previews, phone viewers) would see it empty; the
figures are a weekly snapshot, not a model anyone edits, so nothing is lost.
"""

from __future__ import annotations

import re
import tempfile
import warnings
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.properties import Outline
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from reports import vi
from reports.domain import FIELDS, KINDS, PETITION_KINDS
from reports.model import FIGURE_INFO, Figures, RecordSheet, Report, UnitFigures
from reports.render.files import atomic_output
from reports.render.xlsx_stream import Spill, row_xml, stream_spills
from reports.render.xlsx_units import SUBTOTAL, unit_rows
from reports.settings import Settings

NUMBER = "#,##0"
PERCENT = "0.0%"
DATE = "dd/mm/yyyy"
_BOLD = Font(name="Times New Roman", bold=True)
_TITLE = Font(name="Times New Roman", bold=True, size=14)
_TEXT = Font(name="Times New Roman")
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="center")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

_COLUMN_LABELS: dict[str, str] = {
    "id": "Mã",
    "code": "Mã",
    "received_on": "Ngày tiếp nhận",
    "due_on": "Ngày hẹn trả",
    "returned_on": "Ngày trả kết quả",
    "held_on": "Ngày tiếp",
    "persons": "Số người",
    "resolved_on": "Ngày xử lý",
    "approved_on": "Ngày phê duyệt",
    "date": "Ngày",
    "unit": "Đơn vị",
    "field": "Lĩnh vực",
    "summary": "Trích yếu",
    "online": "Trực tuyến",
    "kind": "Loại đơn",
    "number": "Số, ký hiệu",
    "highlight": "Nêu trong báo cáo",
    "title": "Tiêu đề",
    "body": "Nội dung",
    "position": "Thứ tự",
    "name": "Tên",
    "parent": "Đơn vị cấp trên",
    "unit_name": "Tên đơn vị",
}
_COLUMN_WIDTHS = {
    "summary": 60,
    "body": 80,
    "title": 40,
    "id": 22,
    "unit": 18,
    "unit_name": 30,
    "number": 16,
}


def _cell(
    ws: Any,
    value: object,
    *,
    fmt: str | None = None,
    font: Font | None = None,
    fill: PatternFill | None = None,
    align: Alignment | None = None,
) -> Any:
    cell = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]
    if fmt:
        cell.number_format = fmt
    cell.font = font or _TEXT
    if fill:
        cell.fill = fill
    if align:
        cell.alignment = align
    return cell


def _header(ws: Any, labels: Sequence[str], *, row: int = 1, height: float = 32) -> list[Any]:
    """Heading cells for row ``row`` (its height set: wrapped labels need two lines)."""
    ws.row_dimensions[row].height = height
    return [_cell(ws, label, font=_BOLD, fill=_HEAD_FILL, align=_CENTER) for label in labels]


def _print_setup(ws: Any, *, landscape: bool, title_rows: str) -> None:
    ws.page_setup.paperSize = 9  # A4 (ECMA-376 paper size code)
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.print_options.horizontalCentered = True


def _widths(ws: Any, widths: Sequence[float]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _change_ratio(cur: float | None, prev: float | None) -> float | None:
    if cur is None or prev in (None, 0):
        return None
    assert prev is not None
    return (cur - prev) / prev


def _summary_sheet(wb: Workbook, report: Report) -> None:
    ws = wb.create_sheet("Tổng hợp")
    fs = report.figures
    _widths(ws, (46, 10, 13, 13, 12, 12, 15, 15))
    ws.freeze_panes = "C6"
    _print_setup(ws, landscape=True, title_rows="5:5")
    ws.append([_cell(ws, f"{report.parent_body} - {report.issuing_body}", font=_BOLD)])
    ws.append(
        [
            _cell(
                ws,
                f"Kết quả chỉ đạo, điều hành nổi bật của {report.subject} "
                f"{vi.period_long(report.period)}",
                font=_TITLE,
            )
        ]
    )
    ws.append(
        [
            _cell(
                ws,
                f"Kỳ trước: {vi.period_short(report.period.previous())}; cùng kỳ năm "
                f"trước: {vi.period_short(report.period.same_period_last_year())}; lũy kế: "
                f"{vi.period_short(report.period.year_to_date())}",
            )
        ]
    )
    ws.append([])
    ws.append(
        _header(
            ws,
            row=5,
            labels=(
                "Chỉ tiêu",
                "Đơn vị tính",
                "Kỳ này",
                "Kỳ trước",
                "Tăng/giảm",
                "Tăng/giảm (%)",
                "Cùng kỳ năm trước",
                "Lũy kế từ đầu năm",
            ),
        )
    )
    for info in FIGURE_INFO:
        fmt = PERCENT if info.unit == "%" else NUMBER
        cur, prev = fs.current.value(info.name), fs.previous.value(info.name)
        diff = None if cur is None or prev is None else cur - prev
        ratio = None if info.unit == "%" else _change_ratio(cur, prev)
        change, change_fmt = _points(diff) if info.unit == "%" else (diff, "+#,##0;-#,##0;0")
        ws.append(
            [
                _cell(ws, info.label),
                _cell(ws, info.unit),
                _cell(ws, cur, fmt=fmt),
                _cell(ws, prev, fmt=fmt),
                _cell(ws, change, fmt=change_fmt),
                _cell(ws, ratio, fmt="+0.0%;-0.0%;0.0%"),
                _cell(ws, fs.last_year.value(info.name), fmt=fmt),
                _cell(ws, fs.year_to_date.value(info.name), fmt=fmt),
            ]
        )
    ws.append([])
    for note in NOTES:
        ws.append([_cell(ws, note, font=_BOLD if note == NOTES[0] else _TEXT)])


POINTS = '+0.0" điểm %";-0.0" điểm %";0.0" điểm %"'
"""A change of a rate, in percentage points: "+1,3 điểm %" (not "+1,3%", a relative change)."""

NOTES = (
    "Ghi chú:",
    "- “Hồ sơ đã hoàn thành trong số tiếp nhận mới”: hồ sơ tiếp nhận trong kỳ đã trả kết quả "
    "trước cuối kỳ (bảng “Hồ sơ TTHC” liệt kê hồ sơ tiếp nhận trong kỳ).",
    "- “Hồ sơ trả kết quả trong kỳ: đúng hạn / quá hạn” và tỷ lệ đúng hạn: mọi hồ sơ có ngày "
    "trả kết quả trong kỳ, kể cả hồ sơ tiếp nhận từ các kỳ trước; vì vậy không cộng được từ "
    "các dòng của bảng “Hồ sơ TTHC” (lọc cột “Ngày trả kết quả” trên toàn bộ dữ liệu).",
    "- “Đơn thư”: đơn khiếu nại, tố cáo, kiến nghị, phản ánh (cột “Loại đơn” của bảng đơn thư).",
    "- Bảng “Theo đơn vị”: lọc cột “Loại dòng” là “Chi tiết” thì tổng mỗi cột bằng số của toàn "
    "đơn vị; dòng “Tổng” đã gồm các đơn vị trực thuộc.",
)


def _points(diff: float | None) -> tuple[float | None, str]:
    return (None if diff is None else round(diff * 100, 10)), POINTS


def _field_sheet(wb: Workbook, report: Report) -> None:
    ws = wb.create_sheet("Theo lĩnh vực")
    _widths(ws, (28, 18, 18, 18))
    ws.freeze_panes = "A2"
    _print_setup(ws, landscape=False, title_rows="1:1")
    ws.append(
        _header(ws, ("Lĩnh vực", "Văn bản chỉ đạo", "Văn bản tiếp nhận", "Hồ sơ TTHC tiếp nhận"))
    )
    cur = report.figures.current
    totals = [0, 0, 0]
    for code, label in FIELDS.items():
        values = (
            cur.directives_by_field.get(code, 0),
            cur.documents_by_field.get(code, 0),
            cur.dossiers_by_field.get(code, 0),
        )
        totals = [t + v for t, v in zip(totals, values, strict=True)]
        ws.append([_cell(ws, label.capitalize()), *(_cell(ws, v, fmt=NUMBER) for v in values)])
    other = (
        cur.directives_approved - totals[0],
        cur.documents_received - totals[1],
        cur.dossiers_received - totals[2],
    )
    ws.append([_cell(ws, "Chưa phân lĩnh vực"), *(_cell(ws, v, fmt=NUMBER) for v in other)])
    ws.append(
        [
            _cell(ws, "Tổng cộng", font=_BOLD),
            _cell(ws, cur.directives_approved, fmt=NUMBER, font=_BOLD),
            _cell(ws, cur.documents_received, fmt=NUMBER, font=_BOLD),
            _cell(ws, cur.dossiers_received, fmt=NUMBER, font=_BOLD),
        ]
    )


_UNIT_HEAD = ("Cấp", "Loại dòng", "Mã đơn vị", "Tên đơn vị", "Đơn vị cấp trên")


def _unit_sheet(
    wb: Workbook, report: Report, units: Sequence[UnitFigures], spill_dir: Path
) -> Spill:
    """The unit tree (see :mod:`.xlsx_units`): filter "Loại dòng" on "Chi tiết" to sum."""
    ws = wb.create_sheet("Theo đơn vị")
    labels = [*_UNIT_HEAD, *(i.label for i in FIGURE_INFO)]
    _widths(ws, (6, 10, 16, 42, 34, *([14] * len(FIGURE_INFO))))
    ws.freeze_panes = "E2"
    _print_setup(ws, landscape=True, title_rows="1:1")
    ws.sheet_properties.outlinePr = Outline(summaryBelow=False, summaryRight=False)
    ws.append(_header(ws, labels, height=64))
    text, number, percent = _style_id(ws, None), _style_id(ws, NUMBER), _style_id(ws, PERCENT)
    bold_text, bold_number = _style_id(ws, None, _BOLD), _style_id(ws, NUMBER, _BOLD)
    bold_percent = _style_id(ws, PERCENT, _BOLD)
    plain = [
        number,
        text,
        text,
        text,
        text,
        *(percent if i.unit == "%" else number for i in FIGURE_INFO),
    ]
    strong = [
        bold_number,
        bold_text,
        bold_text,
        bold_text,
        bold_text,
        *(bold_percent if i.unit == "%" else bold_number for i in FIGURE_INFO),
    ]
    letters = [get_column_letter(i) for i in range(1, len(labels) + 1)]
    total_label = f"Tổng cộng: {report.unit_name or report.subject}"
    rows = unit_rows(units, report.figures.current if units else None, total_label)
    spill = spill_dir / "units.xml"
    with spill.open("w", encoding="utf-8") as fh:
        for n, r in enumerate(rows, start=2):
            values = [
                r.level,
                r.kind,
                r.code,
                r.name,
                r.parent,
                *(r.figures.value(i.name) for i in FIGURE_INFO),
            ]
            styles = strong if r.kind == SUBTOTAL else plain
            fh.write(row_xml(n, letters, values, styles, outline=r.outline))
    ws.sheet_format.outlineLevelRow = max((r.outline for r in rows), default=0)
    ws.auto_filter.ref = f"A1:{letters[-1]}{max(len(rows), 1) + 1}"
    return Spill(ws, spill)


_TREND = (
    ("documents_received", "Văn bản tiếp nhận"),
    ("directives_approved", "Văn bản chỉ đạo"),
    ("dossiers_received", "Hồ sơ TTHC tiếp nhận"),
    ("dossiers_completed", "Hồ sơ đã trả kết quả"),
    ("receptions", "Lượt tiếp công dân"),
    ("petitions_received", "Đơn thư tiếp nhận"),
    ("petitions_resolved", "Đơn thư đã xử lý"),
)


def _trend_sheet(wb: Workbook, report: Report) -> None:
    """The trend: each period by its real start and end dates, and two charts of it."""
    ws = wb.create_sheet("Xu hướng")
    trend: Sequence[tuple[Any, Figures]] = report.figures.trend
    _widths(ws, (14, *([14] * len(_TREND)), 14))
    ws.freeze_panes = "B2"
    _print_setup(ws, landscape=True, title_rows="1:1")
    ws.append(_header(ws, ("Kỳ từ ngày", *(label for _, label in _TREND), "Đến ngày")))
    for period, figures in trend:
        ws.append(
            [
                _cell(ws, period.start, fmt=DATE),
                *(_cell(ws, figures.value(name), fmt=NUMBER) for name, _ in _TREND),
                _cell(ws, period.end, fmt=DATE),
            ]
        )
    n = len(trend)
    if not n:
        return
    cats = Reference(ws, min_col=1, min_row=2, max_row=n + 1)
    bar = BarChart()
    bar.type = "col"
    bar.title = "Văn bản tiếp nhận và văn bản chỉ đạo"
    bar.add_data(
        Reference(ws, min_col=2, max_col=3, min_row=1, max_row=n + 1), titles_from_data=True
    )
    line = LineChart()
    line.title = "Hồ sơ, tiếp công dân và đơn thư"
    line.add_data(
        Reference(ws, min_col=4, max_col=len(_TREND) + 1, min_row=1, max_row=n + 1),
        titles_from_data=True,
    )
    for chart, unit, anchor in ((bar, "Số văn bản", n + 4), (line, "Số lượng", n + 24)):
        chart.set_categories(cats)
        chart.x_axis.title = "Kỳ (ngày bắt đầu)"
        chart.y_axis.title = unit
        chart.x_axis.number_format = "dd/mm"
        # openpyxl ≥ 3.1 leaves both axes deleted unless told: no labels on either axis
        chart.x_axis.delete = chart.y_axis.delete = False
        if chart.legend is not None:
            chart.legend.position = "b"
        chart.width, chart.height = 24, 9
        ws.add_chart(chart, f"A{anchor}")


def _unused(name: str, used: set[str], *, limit: int, sep: str) -> str:
    """``name``, or ``name`` with a number appended, not yet in ``used`` (case-insensitive)."""
    candidate, k = name, 2
    while candidate.lower() in used:
        candidate = f"{name[: limit - 3].rstrip()}{sep}{k}"
        k += 1
    used.add(candidate.lower())
    return candidate


def _sheet_title(label: str, used: set[str]) -> str:
    """A legal, unused sheet name: at most 31 characters, none of []:*?/\\, no edge quote."""
    title = "".join(ch for ch in label if ch not in "[]:*?/\\")[:31].strip(" '") or "Dữ liệu"
    return _unused(title[:1].upper() + title[1:], used, limit=31, sep=" ")


def _style_id(ws: Any, fmt: str | None, font: Font = _TEXT, align: Alignment | None = None) -> int:
    """The workbook's cell-format id for ``fmt``, ``font`` and ``align`` (registered by styling
    a cell)."""
    return int(_cell(ws, None, fmt=fmt, font=font, align=align).style_id)


_WRAPPED = ("summary", "body", "title")
_LINE_PT = 15.0  # one line of 11 pt Times New Roman, with its leading
_CHARS_PER_WIDTH = 1.15  # Times letters are narrower than the width unit's "0"


def _row_height(values: Sequence[object], wrap_at: Sequence[tuple[int, float]]) -> float | None:
    """Points a row needs for its wrapped cells to show whole; None: the default height."""
    lines = 1
    for i, width in wrap_at:
        value = values[i]
        if isinstance(value, str) and value:
            per_line = max(1, int(width * _CHARS_PER_WIDTH))
            lines = max(lines, sum(-(-len(part) // per_line) or 1 for part in value.split("\n")))
    return None if lines == 1 else min(409.0, lines * _LINE_PT)


def _translate(type_: str) -> Any:
    """How a column's stored codes are shown: Vietnamese words instead of codes and flags."""
    if type_ == "field":
        return lambda v: FIELDS.get(str(v), v)
    if type_ == "petition_kind":
        return lambda v: PETITION_KINDS.get(str(v), v)
    if type_ == "bool":
        return lambda v: v if v is None else ("có" if v else "không")
    return None


def _records_sheet(
    wb: Workbook,
    sheet: RecordSheet,
    used: set[str],
    spill_dir: Path,
    unit_names: Mapping[str, str],
) -> Spill:
    """A detail sheet as an Excel table; its rows are streamed (see :mod:`.xlsx_stream`).

    The unit's name stands beside its code; long text wraps, each row as tall as it needs.
    """
    ws = wb.create_sheet(_sheet_title(sheet.label, used))
    types = {c.name: c.type for c in KINDS[sheet.kind].columns}
    source = list(sheet.columns)
    unit_at = source.index("unit") if "unit" in source else None
    columns = (
        source if unit_at is None else [*source[: unit_at + 1], "unit_name", *source[unit_at + 1 :]]
    )
    widths = [_COLUMN_WIDTHS.get(c, 14) for c in columns]
    _widths(ws, widths)
    ws.freeze_panes = "A2"
    _print_setup(ws, landscape=sum(widths) > 100, title_rows="1:1")  # A4 portrait: ~100
    headings = [_COLUMN_LABELS.get(c, c) for c in columns]
    ws.append(_header(ws, headings))
    by_type = {"date": _style_id(ws, DATE), "int": _style_id(ws, NUMBER)}
    text, wrapped = _style_id(ws, None), _style_id(ws, None, align=_WRAP_TOP)
    styles = [
        wrapped if c in _WRAPPED else by_type.get(types.get(c, "text"), text) for c in columns
    ]
    wrap_at = [(i, widths[i]) for i, c in enumerate(columns) if c in _WRAPPED]
    translations = [(i, f) for i, c in enumerate(columns) if (f := _translate(types.get(c, "")))]
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    spill = spill_dir / f"sheet-{len(wb.worksheets)}.xml"
    count = 0
    with spill.open("w", encoding="utf-8") as fh:
        for row in sheet.rows:
            count += 1
            values: list[object] = list(row)
            if unit_at is not None:
                code = values[unit_at]
                values.insert(unit_at + 1, unit_names.get(str(code)) if code else None)
            for i, show in translations:
                values[i] = show(values[i])
            height = _row_height(values, wrap_at)
            fh.write(row_xml(count + 1, letters, values, styles, height=height))
    ref = f"A1:{letters[-1]}{max(count, 1) + 1}"
    name = _unused(f"tbl_{re.sub(r'[^A-Za-z0-9_]', '_', sheet.kind)}", used, limit=200, sep="_")
    table = Table(displayName=name, ref=ref)
    # write-only mode cannot read the headings back from the sheet: name the columns here
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headings, start=1)]
    table.autoFilter = AutoFilter(ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    with warnings.catch_warnings():
        # openpyxl warns on every write-only add_table; the columns are named just above.
        warnings.filterwarnings("ignore", "In write-only mode you must add table columns")
        ws.add_table(table)
    return Spill(ws, spill)


def render_xlsx(
    report: Report,
    settings: Settings,
    path: Path,
    *,
    units: Sequence[UnitFigures] = (),
    records: Iterable[RecordSheet] = (),
    generated_at: datetime | None = None,
) -> Path:
    """Write the workbook at ``path`` (complete or not at all); records are streamed."""
    wb = Workbook(write_only=True)
    stamp = (generated_at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    wb.properties.title = f"Báo cáo kết quả chỉ đạo, điều hành {vi.period_short(report.period)}"
    wb.properties.creator = f"{report.parent_body} - {report.issuing_body}"
    wb.properties.subject = "Kết quả chỉ đạo, điều hành nổi bật"
    wb.properties.created = wb.properties.modified = stamp  # when it was generated (UTC)
    wb.properties.lastModifiedBy = wb.properties.creator
    wb.properties.language = "vi-VN"
    _summary_sheet(wb, report)
    _field_sheet(wb, report)
    used = {"tổng hợp", "theo lĩnh vực", "theo đơn vị", "xu hướng"}
    with tempfile.TemporaryDirectory(prefix="baocao-xlsx-") as work:
        spills = [_unit_sheet(wb, report, units, Path(work))]
        _trend_sheet(wb, report)
        names = {u.code: u.name for u in units}
        spills += [_records_sheet(wb, sheet, used, Path(work), names) for sheet in records]
        saved = Path(work) / "saved.xlsx"
        wb.save(saved)
        with atomic_output(path) as tmp:
            stream_spills(saved, tmp, wb.worksheets, spills)
    return path
