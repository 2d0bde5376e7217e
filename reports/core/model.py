"""The data that flows between the stages: figures, the items of a report, the report itself.

Pure values: the counting stage produces them, the compose stage assembles them, the renderers
read them. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date

from reports.core.periods import ReportPeriod
from reports.core.sections import WrittenSection


@dataclass(frozen=True)
class FigureInfo:
    name: str
    label: str
    """Vietnamese name, as a row header of the workbook."""
    unit: str
    """What is counted: "văn bản", "hồ sơ", "lượt", "người", "đơn", "%"."""
    stock: bool = False
    """A state at the period's end (dossiers still in progress, overdue and open), not a
    flow over the period: it has no year to date (the period's own end is the year's)."""


FIGURE_INFO: tuple[FigureInfo, ...] = (
    FigureInfo("documents_received", "Văn bản hành chính tiếp nhận, xử lý", "văn bản"),
    FigureInfo("dossiers_received", "Hồ sơ TTHC tiếp nhận mới", "hồ sơ"),
    FigureInfo("dossiers_completed", "Hồ sơ đã hoàn thành trong số tiếp nhận mới", "hồ sơ"),
    FigureInfo("dossiers_in_progress", "Hồ sơ đang giải quyết", "hồ sơ", stock=True),
    FigureInfo("dossiers_on_time", "Hồ sơ trả kết quả trong kỳ: đúng hạn", "hồ sơ"),
    FigureInfo("dossiers_late", "Hồ sơ trả kết quả trong kỳ: quá hạn", "hồ sơ"),
    FigureInfo("dossiers_overdue_open", "Hồ sơ chưa trả, đã quá hạn", "hồ sơ", stock=True),
    FigureInfo("on_time_rate", "Tỷ lệ đúng hạn (hồ sơ trả kết quả trong kỳ)", "%"),
    FigureInfo("dossiers_online", "Hồ sơ tiếp nhận trực tuyến", "hồ sơ"),
    FigureInfo("receptions", "Lượt tiếp công dân", "lượt"),
    FigureInfo("reception_persons", "Người được tiếp", "người"),
    FigureInfo(
        "petitions_received", "Đơn thư tiếp nhận (khiếu nại, tố cáo, kiến nghị, phản ánh)", "đơn"
    ),
    FigureInfo("petitions_resolved", "Đơn thư đã xử lý", "đơn"),
    FigureInfo("directives_approved", "Văn bản chỉ đạo, điều hành được phê duyệt", "văn bản"),
)
"""Every figure of data.md §3, in report order."""


@dataclass(frozen=True)
class Figures:
    """All figures of data.md §3 for one period and one unit (with its sub-units)."""

    documents_received: int = 0
    dossiers_received: int = 0
    dossiers_completed: int = 0
    dossiers_on_time: int = 0
    dossiers_late: int = 0
    dossiers_overdue_open: int = 0
    dossiers_online: int = 0
    receptions: int = 0
    reception_persons: int = 0
    petitions_received: int = 0
    petitions_resolved: int = 0
    directives_approved: int = 0
    directives_by_field: Mapping[str, int] = field(default_factory=dict)
    documents_by_field: Mapping[str, int] = field(default_factory=dict)
    dossiers_by_field: Mapping[str, int] = field(default_factory=dict)

    @property
    def dossiers_in_progress(self) -> int:
        """Received in the period and not returned by its end: received − completed."""
        return self.dossiers_received - self.dossiers_completed

    @property
    def on_time_rate(self) -> float | None:
        """on_time ÷ (on_time + late); ``None`` when nothing was returned."""
        returned = self.dossiers_on_time + self.dossiers_late
        return self.dossiers_on_time / returned if returned else None

    def value(self, name: str) -> int | float | None:
        """A figure by its name in :data:`FIGURE_INFO`."""
        value: int | float | None = getattr(self, name)
        return value

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {info.name: self.value(info.name) for info in FIGURE_INFO}
        for f in fields(self):
            if f.name.endswith("_by_field"):
                out[f.name] = dict(getattr(self, f.name))
        return out


def add_figures(a: Figures, b: Figures) -> Figures:
    """The figures of two units together (a merged unit and one it absorbed)."""
    values: dict[str, object] = {}
    for f in fields(Figures):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name.endswith("_by_field"):
            values[f.name] = {k: x.get(k, 0) + y.get(k, 0) for k in {*x, *y}}
        else:
            values[f.name] = x + y
    return Figures(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class FigureSet:
    """The figures of a period with the comparisons the report shows beside them."""

    period: ReportPeriod
    unit: str | None
    current: Figures
    previous: Figures
    last_year: Figures
    year_to_date: Figures
    trend: tuple[tuple[ReportPeriod, Figures], ...] = ()
    first_day: date | None = None
    """The unit's first recorded day: trend points that end before it are gaps, not zeros
    (``None``: no gaps; ``date.max``: nothing recorded yet, every point a gap)."""
    record_kinds: tuple[str, ...] | None = None
    """The record kinds the unit has ever had (a unit's report leaves out the sentences and
    rows of the others); ``None``: every kind (the office's report)."""

    def records(self, kind: str) -> bool:
        """Whether the report speaks of ``kind`` (documents, dossiers, receptions, …)."""
        return self.record_kinds is None or kind in self.record_kinds

    def recorded(self, period: ReportPeriod) -> bool:
        """Whether ``period`` ends on or after the first record (else its zeros mean nothing)."""
        return self.first_day is None or period.end >= self.first_day

    def trend_with_data(self) -> tuple[tuple[ReportPeriod, Figures], ...]:
        """The trend without the periods that ended before the first record: a chart shows
        only periods that have data (issue 19)."""
        return tuple((p, f) for p, f in self.trend if self.recorded(p))

    def trend_points(self) -> tuple[tuple[ReportPeriod, Figures | None], ...]:
        """The trend with ``None`` for the periods before the first record (nothing known)."""
        return tuple((p, f if self.recorded(p) else None) for p, f in self.trend)

    @property
    def comparisons(self) -> dict[str, Figures]:
        return {
            "current": self.current,
            "previous": self.previous,
            "last_year": self.last_year,
            "year_to_date": self.year_to_date,
        }


@dataclass(frozen=True)
class Directive:
    id: str
    approved_on: date
    field: str
    summary: str
    number: str | None = None
    highlight: bool = False


@dataclass(frozen=True)
class Highlight:
    id: str
    date: date
    title: str
    paragraphs: tuple[str, ...]
    field: str | None = None
    position: int | None = None


@dataclass(frozen=True)
class FieldLine:
    """One "- Lĩnh vực …: …" line of section I."""

    field: str
    label: str
    text: str
    directives: int


@dataclass(frozen=True)
class Report:
    """Everything a renderer needs; built by :func:`reports.compose.assemble.compose_report`."""

    period: ReportPeriod
    issued_on: date
    unit_code: str | None
    unit_name: str | None
    parent_body: str
    """Cơ quan chủ quản, e.g. "UBND THÀNH PHỐ HÀ NỘI"."""
    issuing_body: str
    """Cơ quan ban hành, e.g. "VĂN PHÒNG"."""
    subject: str
    """How the text names the committee: "UBND Thành phố"."""
    place: str
    number: str
    reference_prefix: str
    signer_authority: str
    signer_title: str
    signer_name: str
    recipients: tuple[str, ...]
    figures: FigureSet
    field_lines: tuple[FieldLine, ...]
    highlights: tuple[Highlight, ...]
    show_figures_section: bool = True
    provisional: str = ""
    """"Số liệu tạm tính: …" when an expected source does not cover the period; else empty."""
    replaces: str = ""
    """"Văn bản này thay thế …" when the report corrects one already released; else empty."""
    addressee: str = ""
    """"Kính gửi: …" when the report goes to a higher body (a unit's report); else empty."""
    written: tuple[WrittenSection, ...] = ()
    """The sections a person writes (:mod:`reports.core.sections`), in the template's order;
    an empty one is left out of the document."""
    draft: bool = False
    """A draft waiting for approval: marked "DỰ THẢO" on every page and in its file name, with
    no number and no date of issue (both are written on approval)."""


@dataclass(frozen=True)
class UnitRow:
    """A unit as the ``units`` table holds it (the columns after ``parent`` are optional)."""

    code: str
    name: str
    parent: str | None = None
    unit_type: str | None = None
    place: str | None = None
    absorbed: str | None = None
    """Codes of the units merged into this one, separated by ";" or ","."""
    dissolved_on: date | None = None
    """The day the unit ceased to exist: no report of its own for a period starting after."""
    signer_name: str | None = None
    """Who signs the unit's own report (``[units.CODE] signer_name`` overrides it)."""


@dataclass(frozen=True)
class UnitFigures:
    """One row of the workbook's "Theo đơn vị" sheet."""

    code: str
    name: str
    parent: str | None
    figures: Figures


@dataclass(frozen=True)
class RecordSheet:
    """The period's records of one kind, streamed to the workbook's detail sheet.

    ``rows`` is an iterable of tuples in ``columns`` order; dates are ``datetime.date``.
    It may be a generator over a database cursor: read it once.
    """

    kind: str
    label: str
    columns: tuple[str, ...]
    rows: Iterable[tuple[object, ...]]
