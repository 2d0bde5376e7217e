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
the same :class:`~reports.core.model.FigureSet` the Word report shows. openpyxl cannot compute
formulas, so a formula cell would have no cached value and every reader that does not
recalculate (python-calamine, pandas, mail previews, phone viewers) would see it empty; the
figures are a weekly snapshot, not a model anyone edits, so nothing is lost.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import Outline

from reports.compose.columns import change, shown_columns
from reports.compose.period_words import period_labels
from reports.core import vi
from reports.core.children import clean_stale, temp_prefix
from reports.core.domain import FIELDS
from reports.core.errors import RenderError
from reports.core.files import atomic_output
from reports.core.model import FIGURE_INFO, Figures, RecordSheet, Report, UnitFigures
from reports.core.period_names import (
    period_label,
    period_short,
    period_subject,
    trend_label,
    trend_unit,
)
from reports.core.safe_text import for_cell
from reports.render.xlsx_cells import (
    BOLD,
    DATE,
    NUMBER,
    PERCENT,
    SIGNED,
    SIGNED_PERCENT,
    TEXT,
    TITLE,
    VI,
    cell,
    header,
    print_setup,
    style_id,
    widths_of,
)
from reports.render.xlsx_records import (
    SpilledDetails,
    detail_styles,
    records_sheet,
    spill_records,
)
from reports.render.xlsx_stream import SharedStrings, Spill, row_xml, stream_spills
from reports.render.xlsx_units import MAX_OUTLINE, SUBTOTAL, unit_rows
from reports.settings.load import Settings


def _change_ratio(cur: float | None, prev: float | None) -> float | None:
    if cur is None or prev in (None, 0):
        return None
    assert prev is not None
    return (cur - prev) / prev


def _summary_sheet(wb: Workbook, report: Report) -> None:
    ws = wb.create_sheet("Tổng hợp")
    fs = report.figures
    columns = period_labels(report.period)["ten_cot"]  # as section III of the Word report
    shown = shown_columns(report.period)  # no column that repeats another (issue 19)
    # a comparison that ended before the first record is empty, not a zero (as in Word)
    previous = fs.previous if fs.recorded(report.period.previous()) else None
    last_year = fs.last_year if fs.recorded(report.period.same_period_last_year()) else None
    heads: list[tuple[str, float]] = [
        ("Chỉ tiêu", 46),
        ("Đơn vị tính", 10),
        (columns["ky_nay"], 13),
        (columns["ky_truoc"], 13),
        ("Tăng/giảm", 12),
        ("Tăng/giảm (%)", 12),
    ]
    if shown.last_year:
        heads += [(columns["cung_ky"], 15), ("So với cùng kỳ (%)", 12)]
    if shown.year_to_date:
        heads.append((columns["luy_ke"], 15))
    widths_of(ws, [w for _, w in heads])
    ws.freeze_panes = "C6"
    print_setup(ws, landscape=True, title_rows="5:5")
    ws.append([cell(ws, f"{report.parent_body} - {report.issuing_body}", font=BOLD)])
    ws.append(
        [
            cell(
                ws,
                f"Kết quả chỉ đạo, điều hành nổi bật của {report.subject} "
                f"{period_subject(report.period)}",
                font=TITLE,
            )
        ]
    )
    ws.append(
        [
            cell(
                ws,
                f"Kỳ này: {period_short(report.period)}; "
                f"kỳ trước: {period_short(report.period.previous())}; cùng kỳ năm "
                f"trước: {period_short(report.period.same_period_last_year())}; lũy kế: "
                f"{period_short(report.period.year_to_date())}",
            )
        ]
    )
    # row 4: "Số liệu tạm tính: …" when the data is provisional (issue 15), else empty
    ws.append([cell(ws, report.provisional, font=BOLD)] if report.provisional else [])
    # "Cùng kỳ 6 tháng đầu năm 2020" wraps to three lines
    ws.append(header(ws, row=5, labels=[h for h, _ in heads], height=48))
    for info in FIGURE_INFO:
        fmt = PERCENT if info.unit == "%" else NUMBER
        cur = fs.current.value(info.name)
        prev = None if previous is None else previous.value(info.name)
        last = None if last_year is None else last_year.value(info.name)
        diff = None if cur is None or prev is None else cur - prev
        change_fmt = POINTS if info.unit == "%" else SIGNED
        ratio_fmt = POINTS if info.unit == "%" else SIGNED_PERCENT
        row = [
            cell(ws, info.label),
            cell(ws, info.unit),
            cell(ws, cur, fmt=fmt),
            cell(ws, prev, fmt=fmt),
            cell(ws, _points(diff)[0] if info.unit == "%" else diff, fmt=change_fmt),
            cell(ws, None if info.unit == "%" else _change_ratio(cur, prev), fmt=SIGNED_PERCENT),
        ]
        if shown.last_year:
            row += [cell(ws, last, fmt=fmt), cell(ws, change(cur, last, info.unit), fmt=ratio_fmt)]
        if shown.year_to_date:  # a stock has no year to date: an empty cell
            ytd = None if info.stock else fs.year_to_date.value(info.name)
            row.append(cell(ws, ytd, fmt=fmt))
        ws.append(row)
    ws.append([])
    for note in NOTES:
        ws.append([cell(ws, note, font=BOLD if note == NOTES[0] else TEXT)])


POINTS = VI + '+0.0" điểm %";-0.0" điểm %";0.0" điểm %"'
"""A change of a rate, in percentage points: "+1,3 điểm %" (not "+1,3%", a relative change)."""

NOTES = (
    "Ghi chú:",
    "- “Hồ sơ đã hoàn thành trong số tiếp nhận mới”: hồ sơ tiếp nhận trong kỳ đã trả kết quả "
    "trước cuối kỳ (bảng “Hồ sơ TTHC” liệt kê hồ sơ tiếp nhận trong kỳ).",
    "- “Hồ sơ trả kết quả trong kỳ: đúng hạn / quá hạn” và tỷ lệ đúng hạn: mọi hồ sơ có ngày "
    "trả kết quả trong kỳ, kể cả hồ sơ tiếp nhận từ các kỳ trước: bảng “Hồ sơ trả kết quả "
    "trong kỳ” liệt kê chúng (cột “Trả kết quả”: đúng hạn / quá hạn).",
    "- “Đơn thư”: đơn khiếu nại, tố cáo, kiến nghị, phản ánh (cột “Loại đơn” của bảng đơn thư).",
    "- Bảng “Theo đơn vị”: lọc cột “Loại dòng” là “Chi tiết” thì tổng mỗi cột bằng số của toàn "
    "đơn vị; dòng “Tổng” đã gồm các đơn vị trực thuộc.",
)


def _points(diff: float | None) -> tuple[float | None, str]:
    return (None if diff is None else round(diff * 100, 10)), POINTS


def _field_sheet(wb: Workbook, report: Report) -> None:
    ws = wb.create_sheet("Theo lĩnh vực")
    widths_of(ws, (28, 18, 18, 18))
    ws.freeze_panes = "A2"
    print_setup(ws, landscape=False, title_rows="1:1")
    ws.append(
        header(ws, ("Lĩnh vực", "Văn bản chỉ đạo", "Văn bản tiếp nhận", "Hồ sơ TTHC tiếp nhận"))
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
        ws.append([cell(ws, label.capitalize()), *(cell(ws, v, fmt=NUMBER) for v in values)])
    other = (
        cur.directives_approved - totals[0],
        cur.documents_received - totals[1],
        cur.dossiers_received - totals[2],
    )
    ws.append([cell(ws, "Chưa phân lĩnh vực"), *(cell(ws, v, fmt=NUMBER) for v in other)])
    ws.append(
        [
            cell(ws, "Tổng cộng", font=BOLD),
            cell(ws, cur.directives_approved, fmt=NUMBER, font=BOLD),
            cell(ws, cur.documents_received, fmt=NUMBER, font=BOLD),
            cell(ws, cur.dossiers_received, fmt=NUMBER, font=BOLD),
        ]
    )


_UNIT_HEAD = ("Cấp", "Loại dòng", "Mã đơn vị", "Tên đơn vị", "Đơn vị cấp trên")


def _unit_sheet(
    wb: Workbook, report: Report, units: Sequence[UnitFigures], spill_dir: Path
) -> Spill:
    """The unit tree (see :mod:`.xlsx_units`): filter "Loại dòng" on "Chi tiết" to sum."""
    ws = wb.create_sheet("Theo đơn vị")
    labels = [*_UNIT_HEAD, *(i.label for i in FIGURE_INFO)]
    widths_of(ws, (6, 10, 16, 42, 34, *([14] * len(FIGURE_INFO))))
    ws.freeze_panes = "E2"
    print_setup(ws, landscape=True, title_rows="1:1")
    ws.sheet_properties.outlinePr = Outline(summaryBelow=False, summaryRight=False)
    ws.append(header(ws, labels, height=64))
    text, number, percent = style_id(ws, None), style_id(ws, NUMBER), style_id(ws, PERCENT)
    bold_text, bold_number = style_id(ws, None, BOLD), style_id(ws, NUMBER, BOLD)
    bold_percent = style_id(ws, PERCENT, BOLD)
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
    indented = {  # the unit's name indented by its level: the tree at a glance
        (bold, level): style_id(ws, None, BOLD if bold else TEXT, Alignment(indent=level * 2))
        for bold in (False, True)
        for level in range(MAX_OUTLINE + 1)
    }
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
            styles = list(strong if r.kind == SUBTOTAL else plain)
            styles[3] = indented[(r.kind == SUBTOTAL, min(r.level, MAX_OUTLINE))]
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
    """The trend: each period by its label (``Tháng 3/2021``, ``Tuần 11``, as the Word report's
    chart) beside its real start and end dates, and two charts of it."""
    ws = wb.create_sheet("Xu hướng")
    # only the periods that have data: none before the unit's first record (issue 19)
    trend: Sequence[tuple[Any, Figures | None]] = report.figures.trend_with_data()
    widths_of(ws, (12, 12, 12, *([14] * len(_TREND))))
    ws.freeze_panes = "D2"
    print_setup(ws, landscape=True, title_rows="1:1")
    ws.append(header(ws, ("Kỳ", "Từ ngày", "Đến ngày", *(label for _, label in _TREND))))
    for period, figures in trend:
        ws.append(
            [
                cell(ws, trend_label(period)),
                cell(ws, period.start, fmt=DATE),
                cell(ws, period.end, fmt=DATE),
                *(
                    cell(ws, None if figures is None else figures.value(name), fmt=NUMBER)
                    for name, _ in _TREND
                ),
            ]
        )
    n = len(trend)
    if not n:
        return
    first = _TREND_FIRST_COLUMN
    cats = Reference(ws, min_col=1, min_row=2, max_row=n + 1)
    bar = BarChart()
    bar.type = "col"
    bar.title = "Văn bản tiếp nhận và văn bản chỉ đạo"
    bar.add_data(
        Reference(ws, min_col=first, max_col=first + 1, min_row=1, max_row=n + 1),
        titles_from_data=True,
    )
    line = LineChart()
    line.title = "Hồ sơ, tiếp công dân và đơn thư"
    line.add_data(
        Reference(ws, min_col=first + 2, max_col=first + len(_TREND) - 1, min_row=1, max_row=n + 1),
        titles_from_data=True,
    )
    for series in line.series:  # straight segments between the periods' values
        series.smooth = False
    for chart, unit, anchor in ((bar, "Số văn bản", n + 4), (line, "Số lượng", n + 24)):
        chart.set_categories(cats)
        chart.x_axis.title = vi.capitalised(trend_unit(report.period))  # "Tháng", "Tuần"…
        chart.y_axis.title = unit
        # openpyxl ≥ 3.1 leaves both axes deleted unless told: no labels on either axis
        chart.x_axis.delete = chart.y_axis.delete = False
        if chart.legend is not None:
            chart.legend.position = "b"
        chart.width, chart.height = 24, 9
        ws.add_chart(chart, f"A{anchor}")


_TREND_FIRST_COLUMN = 4
"""The trend sheet's first figure column (D): after the label and the two dates."""


def render_xlsx(
    report: Report,
    settings: Settings,
    path: Path,
    *,
    units: Sequence[UnitFigures] = (),
    records: Iterable[RecordSheet] = (),
    spilled: Callable[[], SpilledDetails | None] | None = None,
    generated_at: datetime | None = None,
) -> Path:
    """Write the workbook at ``path`` (complete or not at all); records are streamed.

    ``spilled``, when given, returns the detail sheets already written (by a child process,
    see :mod:`reports.produce.details`), or None: then ``records`` are written here.
    """
    wb = Workbook(write_only=True)
    styles = detail_styles(wb)  # first: the same ids as in a child's workbook
    stamp = (generated_at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    wb.properties.title = f"Báo cáo kết quả chỉ đạo, điều hành {period_label(report.period)}"
    wb.properties.creator = for_cell(f"{report.parent_body} - {report.issuing_body}")
    wb.properties.subject = "Kết quả chỉ đạo, điều hành nổi bật"
    wb.properties.created = wb.properties.modified = stamp  # when it was generated (UTC)
    wb.properties.lastModifiedBy = wb.properties.creator
    wb.properties.language = "vi-VN"
    _summary_sheet(wb, report)
    _field_sheet(wb, report)
    used = {"tổng hợp", "theo lĩnh vực", "theo đơn vị", "xu hướng"}
    clean_stale()  # spill folders of processes killed while writing
    with tempfile.TemporaryDirectory(prefix=temp_prefix("xlsx")) as work:
        spills = [_unit_sheet(wb, report, units, Path(work))]
        _trend_sheet(wb, report)
        details = spilled() if spilled is not None else None
        if details is not None and details.styles == styles:
            shared, sheets = SharedStrings(details.shared), details.sheets
        else:
            names = {u.code: u.name for u in units}
            shared = SharedStrings()
            sheets = [
                spill_records(sheet, Path(work) / f"details-{n}.xml", styles, names, shared)
                for n, sheet in enumerate(records)
            ]
        spills += [records_sheet(wb, sheet, used) for sheet in sheets]
        saved = Path(work) / "saved.xlsx"
        wb.save(saved)
        with atomic_output(path) as tmp:
            # checked well-formed on the way: never record or send a broken file (#13)
            if (broken := stream_spills(saved, tmp, wb.worksheets, spills, shared)) is not None:
                raise RenderError(
                    f"Tệp Excel {path.name} tạo ra bị hỏng ({broken}); không ghi tệp."
                )
    return path
