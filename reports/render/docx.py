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

from reports.compose.period_words import trend_series
from reports.core import period_names
from reports.core.errors import RenderError, TemplateError
from reports.core.files import atomic_output
from reports.core.model import Report
from reports.core.safe_text import Part, malformed_part, malformed_xml, part_key, safe_context
from reports.render.docx_chart import chart_xml, fill_chart
from reports.render.docx_context import (
    CONTEXT_VARIABLES,
    FILTERS,
    ITEM_FIELDS,
    RECORD_FIELDS,
    template_context,
)
from reports.render.docx_errors import (
    all_errors,
    in_vietnamese,
    line_text,
    runtime_place,
    tags_naming,
)
from reports.render.docx_figtable import shape_figure_tables
from reports.render.docx_layout import (
    HEADER_PART,
    core_properties,
    draft_mark,
    size_rules,
)
from reports.render.docx_sections import expand_placeholders, muc, written_context
from reports.render.docx_tables import size_grid_tables
from reports.render.sandbox import LimitedSandbox, start_limited
from reports.render.template_check import SECTION_FUNCTION, TemplateChecker
from reports.settings.load import Settings

CHART_PART = "word/charts/chart1.xml"
DOCUMENT_PART = "word/document.xml"
CORE_PART = "docProps/core.xml"
_RENDERED_PARTS = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
__all__ = [  # the context's names, for the callers that know them from here
    "CONTEXT_VARIABLES",
    "FILTERS",
    "template_context",
]


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
    good_parts: frozenset[Part] = frozenset()
    """Its XML parts, all well-formed: those a filled report copies unchanged are not parsed
    again (:func:`malformed_part`)."""

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
    good: set[Part] = set()
    for info, data in members:
        if info.filename.endswith((".xml", ".rels")):
            if (problem := malformed_xml((data,))) is not None:
                raise TemplateError(
                    path,
                    f"phần {info.filename} của tệp không phải XML hợp lệ ({problem}); mở tệp "
                    "mẫu bằng Word rồi lưu lại",
                )
            good.add(part_key(info.filename, data))
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
        if info.filename == DOCUMENT_PART:  # {{ muc("…") }} paragraphs: whole sections
            xml = expand_placeholders(data).decode("utf-8")
        patched = shape_figure_tables(patcher.patch_xml(xml))  # the figures table's columns
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)
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
        path,
        members,
        templates,
        sources,
        has_chart,
        tuple(checker.sections),
        numbered,
        frozenset(good),
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
    return start_docx(report, settings, path, template, generated_at=generated_at)()


def start_docx(
    report: Report,
    settings: Settings,
    path: Path,
    template: Path | None = None,
    *,
    generated_at: datetime | None = None,
) -> Callable[[], Path]:
    """:func:`render_docx` started: the template is filled in the template child while the
    caller goes on; the function returned waits for it and writes the file. Call it in every
    case (it frees the child), even when the caller's own work failed."""
    source = template or template_path(settings, report.period.kind)
    compiled = load_template(source)
    pending = start_limited(  # in a child process, under time and memory limits
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

    def finish() -> Path:
        data = pending.result()
        # never record or send a corrupt file
        if (broken := malformed_part(data, known_good=compiled.good_parts)) is not None:
            raise RenderError(f"Tệp Word {path.name} tạo ra bị hỏng ({broken}); không ghi tệp.")
        with atomic_output(path) as tmp:
            tmp.write_bytes(data)
        return path

    return finish


def fill_docx(
    template: str, context: dict[str, Any], chart: Any | None, core: bytes | None = None
) -> bytes:
    """In the template child (:func:`reports.render.sandbox.run_limited`): the filled .docx's
    bytes (the template is compiled once per child, then cached); ``chart`` the trend chart's
    data, ``core`` the package's core properties."""
    return load_template(Path(template)).render(context, chart, core)
