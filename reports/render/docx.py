"""Render the Word report from a .docx template with Jinja tags (docxtpl's dialect).

The template is prepared once per process: docxtpl's XML patching (which joins tags Word split
across runs and handles ``{%p %}``/``{%tr %}``) runs at load, the result is compiled in Jinja2's
sandbox with StrictUndefined and checked for unknown variables. Rendering a report is then one
Jinja render per XML part plus writing the zip, the floor of what a .docx costs.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from reports.compose.period_words import period_words, trend_series, written_words
from reports.core import period_names, vi
from reports.core.errors import RenderError, TemplateError
from reports.core.files import atomic_output
from reports.core.model import FIGURE_INFO, Report
from reports.core.safe_text import malformed_part, safe_context
from reports.render.docx_chart import chart_xml, fill_chart
from reports.render.docx_layout import (
    HEADER_PART,
    core_properties,
    date_words_or_blank,
    draft_mark,
    size_rules,
)
from reports.render.docx_names import (
    CONTEXT_VARIABLES,
    ITEM_FIELDS,
    RECORD_FIELDS,
    RECORDED_KINDS,
)
from reports.render.docx_sections import (
    expand_placeholders,
    muc,
    written_context,
)
from reports.render.docx_tables import size_grid_tables
from reports.render.sandbox import LimitedSandbox, run_limited
from reports.render.template_check import SECTION_FUNCTION, TemplateChecker
from reports.render.template_errors import (
    all_errors,
    in_vietnamese,
    line_text,
    runtime_place,
    tags_naming,
)
from reports.settings.load import Settings

CHART_PART = "word/charts/chart1.xml"
DOCUMENT_PART = "word/document.xml"
CORE_PART = "docProps/core.xml"
_RENDERED_PARTS = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")


def _value(value: float | None, unit: str) -> str:
    return vi.percent(value) if unit == "%" else vi.number(value)


def _change(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "%":  # a change of a rate is in percentage points: "+1,3 điểm %"
        text = vi.percent(abs(value)).removesuffix("%")
        return (
            "+" if value > 0 else "-" if value < 0 else ""
        ) + f"{text} điểm\u00a0%"  # "%" never alone on a line
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
    "in_hoa": str.upper,
}


FIGURE_KINDS = {
    info.name: "receptions"
    if info.name.startswith("reception")
    else "dossiers"
    if info.name == "on_time_rate"
    else info.name.split("_")[0]
    for info in FIGURE_INFO
}
"""Each figure's record kind: a unit that never had records of that kind has no row for it."""


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
        rows.append(
            {
                "chi_tieu": info.label,
                "don_vi": info.unit,
                "ky_nay": cur,
                "ky_truoc": prev,
                "thay_doi": _diff(cur, prev),
                "cung_ky": fs.last_year.value(info.name) if last_year_known else None,
                "luy_ke": fs.year_to_date.value(info.name),
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
        "so_lieu_luy_ke": fs.year_to_date.as_dict(),
        "linh_vuc": [{"ten": line.label, "noi_dung": line.text} for line in report.field_lines],
        "noi_bat": [{"tieu_de": h.title, "doan": list(h.paragraphs)} for h in report.highlights],
        "hien_so_lieu": report.show_figures_section,
        "bang_so_lieu": rows,
        "so_ky_xu_huong": len(fs.trend),
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
    }


ChartData = tuple[list[str], dict[str, list[int | None]], dict[str, list[int | None]]]


def trend_chart(report: Report) -> ChartData:
    """The trend chart's categories, bar series and line series (gaps are None)."""
    return trend_series(report)


def _environment() -> SandboxedEnvironment:
    env = LimitedSandbox(  # reports.render.sandbox: immutable, bounded
        undefined=jinja2.StrictUndefined, autoescape=True
    )
    env.filters.update(FILTERS)
    env.globals[SECTION_FUNCTION] = muc
    return env


@dataclass
class CompiledTemplate:
    path: Path
    members: list[tuple[zipfile.ZipInfo, bytes]]
    templates: dict[str, jinja2.Template]
    sources: dict[str, str]
    has_chart: bool
    sections: tuple[str, ...] = ()
    """The written sections the template declares (``muc("…")``), in its order."""
    numbers_sections: bool = True
    """It numbers highlights and figures as sections of their own (``muc_noi_bat``,
    ``muc_so_lieu``): the written sections come after them, else after I."""

    def render(
        self, context: dict[str, Any], chart: ChartData | None, core: bytes | None = None
    ) -> bytes:
        rendered: dict[str, bytes] = {}
        for name, template in self.templates.items():
            try:
                xml = template.render(context)
            except SecurityError as exc:
                where = runtime_place(exc, self.sources[name])
                raise TemplateError(
                    self.path,
                    f"thẻ không an toàn, không được phép: {where} ({in_vietnamese(exc)})",
                ) from exc
            except jinja2.UndefinedError as exc:
                where = runtime_place(exc, self.sources[name])
                raise TemplateError(
                    self.path, f"biến không tồn tại: {where} ({in_vietnamese(exc)})"
                ) from exc
            except jinja2.TemplateError as exc:
                where = runtime_place(exc, self.sources[name])
                raise TemplateError(
                    self.path, f"lỗi khi điền thẻ {where} ({in_vietnamese(exc)})"
                ) from exc
            except (TypeError, ValueError, AttributeError) as exc:
                where = runtime_place(exc, self.sources[name])
                raise TemplateError(
                    self.path, f"thẻ dùng sai giá trị: {where} ({in_vietnamese(exc)})"
                ) from exc
            rendered[name] = _unpatch(xml).encode("utf-8")
        if chart is not None and self.has_chart:
            own = next(d for i, d in self.members if i.filename == CHART_PART)
            rendered[CHART_PART] = fill_chart(own, *chart) or chart_xml(*chart)
        document = rendered.get(DOCUMENT_PART)
        if document is None:
            document = next((d for i, d in self.members if i.filename == DOCUMENT_PART), None)
        if document is not None:
            rendered[DOCUMENT_PART] = size_grid_tables(size_rules(document))
        if core is not None:
            rendered[CORE_PART] = core
        if context.get("du_thao"):  # "DỰ THẢO" at the top of every page: in every header
            for info, data in self.members:
                if HEADER_PART.match(info.filename):
                    rendered[info.filename] = draft_mark(rendered.get(info.filename, data))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for info, data in self.members:
                out.writestr(info, rendered.get(info.filename, data))
        return buffer.getvalue()


def _unpatch(xml: str) -> str:
    xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
    return xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")


def _compile(path: Path) -> CompiledTemplate:
    from docxtpl import DocxTemplate

    try:
        with zipfile.ZipFile(path) as archive:
            members = [(info, archive.read(info)) for info in archive.infolist()]
    except (OSError, zipfile.BadZipFile) as exc:
        raise TemplateError(path, f"không mở được tệp mẫu .docx ({exc})") from exc
    patcher = DocxTemplate.__new__(DocxTemplate)  # only its XML patching is used
    env = _environment()
    templates: dict[str, jinja2.Template] = {}
    sources: dict[str, str] = {}
    known = set(CONTEXT_VARIABLES) | {SECTION_FUNCTION}
    checker = TemplateChecker(env, CONTEXT_VARIABLES, list(FILTERS), RECORD_FIELDS, ITEM_FIELDS)
    for info, data in members:
        if _RENDERED_PARTS.match(info.filename) and b"{" in data:
            checker.check_part(info.filename, data)
    if checker.errors:
        raise TemplateError(path, all_errors(checker.errors))
    for info, data in members:
        if not _RENDERED_PARTS.match(info.filename):
            continue
        xml = data.decode("utf-8")
        if "{" not in xml:
            continue
        if info.filename == DOCUMENT_PART:
            xml = expand_placeholders(data).decode("utf-8")
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", patcher.patch_xml(xml))
        try:
            parsed = env.parse(source)
            compiled = env.from_string(parsed)
        except jinja2.TemplateAssertionError as exc:  # e.g. a filter that does not exist
            line = line_text(source, exc.lineno, limit=len(source))
            missing = re.fullmatch(r"No filter named '([^']+)'\.?", exc.message or "")
            if missing is None:
                raise TemplateError(
                    path, f"thẻ sai: {tags_naming(line, [])} ({in_vietnamese(exc)})"
                ) from exc
            raise TemplateError(
                path,
                f"bộ lọc không tồn tại: {missing.group(1)} "
                f"(thẻ {tags_naming(line, [missing.group(1)])}); "
                f"các bộ lọc dùng được: {', '.join(FILTERS)}",
            ) from exc
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                path,
                f"thẻ sai cú pháp tại: {line_text(source, exc.lineno)}",
            ) from exc
        unknown = sorted(jinja2.meta.find_undeclared_variables(parsed) - known)
        if unknown:
            raise TemplateError(
                path,
                f"biến không tồn tại: {', '.join(unknown)} "
                f"(thẻ {tags_naming(re.sub(r'<[^>]+>', '', source), unknown)}); "
                f"các biến dùng được: {', '.join(CONTEXT_VARIABLES)}",
            )
        templates[info.filename] = compiled
        sources[info.filename] = source
    has_chart = any(info.filename == CHART_PART for info, _ in members)
    numbered = bool(checker.used & {"muc_noi_bat", "muc_so_lieu"})
    return CompiledTemplate(
        path, members, templates, sources, has_chart, tuple(checker.sections), numbered
    )


@lru_cache(maxsize=16)
def _cached(path: Path, mtime_ns: int, size: int) -> CompiledTemplate:
    return _compile(path)


def load_template(path: Path) -> CompiledTemplate:
    """The compiled template at ``path``, checked; cached until the file changes."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise TemplateError(
            path,
            "không tìm thấy tệp mẫu; kiểm tra paths.templates và report.template_docx "
            "(tuần), template_month, template_quarter, template_half, template_year",
        ) from exc
    return _cached(path.resolve(), stat.st_mtime_ns, stat.st_size)


def report_core_properties(report: Report, generated_at: datetime) -> bytes:
    """The report's own title, subject, creator (the office) and generation time."""
    return core_properties(
        title=f"Báo cáo kết quả chỉ đạo, điều hành nổi bật của {report.subject} "
        f"{period_names.period_long(report.period)}",
        subject=f"Kết quả chỉ đạo, điều hành nổi bật {period_names.period_short(report.period)}",
        creator=f"{report.parent_body} - {report.issuing_body}",
        generated_at=generated_at,
    )


def template_path(settings: Settings, kind: str) -> Path:
    """The Word template of a period kind (``report.template_month``, …; a week and a plain
    range: ``report.template_docx``)."""
    return settings.templates_dir / settings.report.template_for(kind)


def render_docx(
    report: Report,
    settings: Settings,
    path: Path,
    template: Path | None = None,
    *,
    generated_at: datetime | None = None,
) -> Path:
    """Write the report as .docx at ``path`` (complete or not at all)."""
    source = template or template_path(settings, report.period.kind)
    compiled = load_template(source)
    data = run_limited(  # in a child process, under time and memory limits
        compiled.path,
        fill_docx,
        str(compiled.path),
        safe_context(
            template_context(report)
            | written_context(report, compiled.sections, compiled.numbers_sections)
        ),
        trend_chart(report) if report.show_figures_section else None,
        report_core_properties(report, generated_at or datetime.now(UTC)),
        timeout_s=settings.template_timeout_s,
        memory_mb=settings.template_memory_mb,
    )
    if (broken := malformed_part(data)) is not None:  # never record or send a corrupt file
        raise RenderError(f"Tệp Word {path.name} tạo ra bị hỏng ({broken}); không ghi tệp.")
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return path


def fill_docx(
    template: str, context: dict[str, Any], chart: Any | None, core: bytes | None = None
) -> bytes:
    """In the template child (:func:`reports.render.sandbox.run_limited`): the filled .docx's
    bytes (the template is compiled once per child, then cached); ``chart`` the trend chart's
    data, ``core`` the package's core properties."""
    return load_template(Path(template)).render(context, chart, core)
