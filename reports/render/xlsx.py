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
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from reports import vi
from reports.children import clean_stale, temp_prefix
from reports.domain import FIELDS, KINDS, PETITION_KINDS
from reports.errors import RenderError
from reports.model import FIGURE_INFO, Figures, RecordSheet, Report, UnitFigures
from reports.render.files import atomic_output
from reports.render.xlsx_stream import Spill, row_xml, stream_spills
from reports.safe_text import for_cell, malformed_file
from reports.settings import Settings

NUMBER = "#,##0"
PERCENT = "0.0%"
DATE = "dd/mm/yyyy"
_BOLD = Font(name="Times New Roman", bold=True)
_TITLE = Font(name="Times New Roman", bold=True, size=14)
_TEXT = Font(name="Times New Roman")
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="center")
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
}
_COLUMN_WIDTHS = {"summary": 60, "body": 80, "title": 40, "id": 22, "unit": 18, "number": 16}


def _cell(
    ws: Any,
    value: object,
    *,
    fmt: str | None = None,
    font: Font | None = None,
    fill: PatternFill | None = None,
    align: Alignment | None = None,
) -> Any:
    if isinstance(value, str):
        value = for_cell(value)  # reports.safe_text: XML-safe, within Excel's limit
    cell = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]
    if cell.data_type == "f":
        cell.data_type = "s"  # text that starts with "=" is text, never a formula
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
        ws.append(
            [
                _cell(ws, info.label),
                _cell(ws, info.unit),
                _cell(ws, cur, fmt=fmt),
                _cell(ws, prev, fmt=fmt),
                _cell(ws, diff, fmt=PERCENT if info.unit == "%" else "+#,##0;-#,##0;0"),
                _cell(ws, ratio, fmt="+0.0%;-0.0%;0.0%"),
                _cell(ws, fs.last_year.value(info.name), fmt=fmt),
                _cell(ws, fs.year_to_date.value(info.name), fmt=fmt),
            ]
        )


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


def _unit_sheet(wb: Workbook, units: Sequence[UnitFigures], spill_dir: Path) -> Spill:
    ws = wb.create_sheet("Theo đơn vị")
    labels = ["Mã đơn vị", "Tên đơn vị", "Đơn vị cấp trên", *(i.label for i in FIGURE_INFO)]
    _widths(ws, (20, 34, 20, *([14] * len(FIGURE_INFO))))
    ws.freeze_panes = "C2"
    _print_setup(ws, landscape=True, title_rows="1:1")
    ws.append(_header(ws, labels, height=48))
    text, number, percent = _style_id(ws, None), _style_id(ws, NUMBER), _style_id(ws, PERCENT)
    styles = [text, text, text, *(percent if i.unit == "%" else number for i in FIGURE_INFO)]
    letters = [get_column_letter(i) for i in range(1, len(labels) + 1)]
    spill = spill_dir / "units.xml"
    with spill.open("w", encoding="utf-8") as fh:
        for n, u in enumerate(units, start=2):
            values = [u.code, u.name, u.parent, *(u.figures.value(i.name) for i in FIGURE_INFO)]
            fh.write(row_xml(n, letters, values, styles))
    ws.auto_filter.ref = f"A1:{letters[-1]}{max(len(units), 1) + 1}"
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
    ws = wb.create_sheet("Xu hướng")
    trend: Sequence[tuple[Any, Figures]] = report.figures.trend
    _widths(ws, (18, *([14] * len(_TREND))))
    ws.freeze_panes = "B2"
    _print_setup(ws, landscape=True, title_rows="1:1")
    ws.append(_header(ws, ("Kỳ", *(label for _, label in _TREND))))
    for period, figures in trend:
        ws.append(
            [
                _cell(ws, vi.period_short(period)),
                *(_cell(ws, figures.value(name), fmt=NUMBER) for name, _ in _TREND),
            ]
        )
    n = len(trend)
    if not n:
        return
    cats = Reference(ws, min_col=1, min_row=2, max_row=n + 1)
    bar = BarChart()
    bar.type = "col"
    bar.title = "Văn bản tiếp nhận và văn bản chỉ đạo"
    bar.y_axis.title = "Văn bản"
    bar.add_data(
        Reference(ws, min_col=2, max_col=3, min_row=1, max_row=n + 1), titles_from_data=True
    )
    bar.set_categories(cats)
    bar.width, bar.height = 24, 9
    ws.add_chart(bar, f"A{n + 4}")
    line = LineChart()
    line.title = "Hồ sơ, tiếp công dân và đơn thư"
    line.add_data(
        Reference(ws, min_col=4, max_col=len(_TREND) + 1, min_row=1, max_row=n + 1),
        titles_from_data=True,
    )
    line.set_categories(cats)
    line.width, line.height = 24, 9
    ws.add_chart(line, f"A{n + 24}")


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


def _style_id(ws: Any, fmt: str | None, font: Font = _TEXT) -> int:
    """The workbook's cell-format id for ``fmt`` and ``font`` (registered by styling a cell)."""
    return int(_cell(ws, None, fmt=fmt, font=font).style_id)


def _translate(type_: str) -> Any:
    """How a column's stored codes are shown: Vietnamese words instead of codes and flags."""
    if type_ == "field":
        return lambda v: FIELDS.get(str(v), v)
    if type_ == "petition_kind":
        return lambda v: PETITION_KINDS.get(str(v), v)
    if type_ == "bool":
        return lambda v: v if v is None else ("có" if v else "không")
    return None


def _records_sheet(wb: Workbook, sheet: RecordSheet, used: set[str], spill_dir: Path) -> Spill:
    """A detail sheet as an Excel table; its rows are streamed (see :mod:`.xlsx_stream`)."""
    ws = wb.create_sheet(_sheet_title(sheet.label, used))
    types = {c.name: c.type for c in KINDS[sheet.kind].columns}
    columns = list(sheet.columns)
    _widths(ws, [_COLUMN_WIDTHS.get(c, 14) for c in columns])
    ws.freeze_panes = "A2"
    _print_setup(ws, landscape=len(columns) > 4, title_rows="1:1")
    headings = [_COLUMN_LABELS.get(c, c) for c in columns]
    ws.append(_header(ws, headings))
    by_type = {"date": _style_id(ws, DATE), "int": _style_id(ws, NUMBER)}
    text = _style_id(ws, None)
    styles = [by_type.get(types.get(c, "text"), text) for c in columns]
    translations = [(i, f) for i, c in enumerate(columns) if (f := _translate(types.get(c, "")))]
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    spill = spill_dir / f"sheet-{len(wb.worksheets)}.xml"
    count = 0
    with spill.open("w", encoding="utf-8") as fh:
        for row in sheet.rows:
            count += 1
            values: list[object] = list(row)
            for i, show in translations:
                values[i] = show(values[i])
            fh.write(row_xml(count + 1, letters, values, styles))
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
) -> Path:
    """Write the workbook at ``path`` (complete or not at all); records are streamed."""
    wb = Workbook(write_only=True)
    wb.properties.title = f"Báo cáo kết quả chỉ đạo, điều hành {vi.period_short(report.period)}"
    wb.properties.creator = for_cell(f"{report.parent_body} - {report.issuing_body}")
    wb.properties.subject = "Kết quả chỉ đạo, điều hành nổi bật"
    wb.properties.created = datetime.combine(report.issued_on, datetime.min.time())
    _summary_sheet(wb, report)
    _field_sheet(wb, report)
    used = {"tổng hợp", "theo lĩnh vực", "theo đơn vị", "xu hướng"}
    clean_stale()  # spill folders of processes killed while writing
    with tempfile.TemporaryDirectory(prefix=temp_prefix("xlsx")) as work:
        spills = [_unit_sheet(wb, units, Path(work))]
        _trend_sheet(wb, report)
        spills += [_records_sheet(wb, sheet, used, Path(work)) for sheet in records]
        saved = Path(work) / "saved.xlsx"
        wb.save(saved)
        with atomic_output(path) as tmp:
            stream_spills(saved, tmp, wb.worksheets, spills)
            if (broken := malformed_file(tmp)) is not None:  # never record or send it (#13)
                raise RenderError(
                    f"Tệp Excel {path.name} tạo ra bị hỏng ({broken}); không ghi tệp."
                )
    return path
