"""Fill a form and write its files; check its identities. The CLI, the web page, jobs and
approval all call these."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from reports.core.errors import UsageError
from reports.core.periods import ReportPeriod, classify
from reports.figures.unit_queries import unit_name
from reports.forms.build import form_table
from reports.forms.catalog import FORMS, FormSpec, find_form
from reports.forms.table import FormTable, identity_problems
from reports.forms.words import file_name, form_words
from reports.settings.load import Settings

FORMATS = ("xlsx", "docx", "pdf")


@dataclass(frozen=True)
class FilledForm:
    spec: FormSpec
    period: ReportPeriod
    unit: str | None
    table: FormTable

    def problems(self) -> Sequence[str]:
        return identity_problems(self.table)

    def as_json(self) -> dict[str, object]:
        """The form's rows for ``baocao figures --json``."""
        first = self.table.first_column
        return {
            "form": self.spec.code,
            "columns": [f"({c})" for c in range(1, self.spec.columns + 1)],
            "rows": [
                {
                    "kind": r.kind,
                    "stt": r.stt,
                    "label": r.label,
                    **{f"({first + i})": n for i, n in enumerate(r.numbers)},
                }
                for r in self.table.rows
            ],
            "identities": [i.text() for i in self.table.identities],
            "problems": list(self.problems()),
            "notes": list(self.table.notes),
        }


def fill_form(
    engine: Engine, settings: Settings, code: str, period: ReportPeriod, unit: str | None = None
) -> FilledForm:
    spec = find_form(code)
    # a period rebuilt from its days (a run's, a draft's) gets its kind back, cut-off or not
    period = classify(
        period.start, period.end, settings.periods.cutoffs, settings.report.week_convention
    )
    with engine.connect() as conn:
        table = form_table(conn, settings, spec, period, unit)
    return FilledForm(spec, period, unit, table)


def forms_for_period(period: ReportPeriod) -> list[FormSpec]:
    """The forms that can be built for ``period`` (``figures --json`` adds them)."""
    return [f for f in FORMS.values() if period.kind in f.periods]


def parse_form_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    items = text.split(",") if isinstance(text, str) else list(text)
    out = tuple(dict.fromkeys(i.strip().lower() for i in items if i.strip()))
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise UsageError(
            f"--format: không có định dạng {', '.join(bad) or '(trống)'}; dùng "
            f"{', '.join(FORMATS)} (ví dụ xlsx,docx,pdf)"
        )
    return out


def write_form(
    engine: Engine,
    settings: Settings,
    filled: FilledForm,
    formats: Sequence[str],
    out_dir: Path,
) -> list[Path]:
    """Write ``filled`` in each format into ``out_dir``; each file appears only complete."""
    from reports.forms.docx import render_form_docx
    from reports.forms.xlsx import render_form_xlsx

    name = None
    if filled.unit:
        with engine.connect() as conn:
            name = unit_name(conn, filled.unit)
    words = form_words(settings, filled.spec, filled.period, name)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    docx_path: Path | None = None
    for fmt in formats:
        target = out_dir / file_name(filled.spec, filled.period, filled.unit, fmt)
        if fmt == "xlsx":
            written.append(render_form_xlsx(filled.spec, filled.table, words, target))
        elif fmt == "docx":
            docx_path = render_form_docx(filled.spec, filled.table, words, target)
            written.append(docx_path)
    if "pdf" in formats:
        from reports.render.pdf import convert_to_pdf

        if docx_path is not None:
            written.append(convert_to_pdf(docx_path, out_dir, timeout_s=settings.pdf_timeout_s))
        else:
            with tempfile.TemporaryDirectory(prefix="baocao-") as tmp:
                source = render_form_docx(
                    filled.spec,
                    filled.table,
                    words,
                    Path(tmp) / file_name(filled.spec, filled.period, filled.unit, "docx"),
                )
                written.append(convert_to_pdf(source, out_dir, timeout_s=settings.pdf_timeout_s))
    return written


def identity_check(
    engine: Engine, settings: Settings, code: str, period: ReportPeriod, unit: str | None
) -> list[str]:
    """The broken identities of form ``code`` for ``period`` and ``unit`` (empty: none)."""
    return list(fill_form(engine, settings, code, period, unit).problems())


def write_form_files(
    engine: Engine,
    settings: Settings,
    code: str,
    period: ReportPeriod,
    unit: str | None,
    formats: Sequence[str],
    out_dir: Path,
) -> list[Path]:
    """A job's files when the job files a form (``form = "06/VPCP/KSTT"``) instead of the
    report."""
    return write_form(
        engine, settings, fill_form(engine, settings, code, period, unit), formats, out_dir
    )


def approval_problem(
    engine: Engine, settings: Settings, code: str, period: ReportPeriod, unit: str | None
) -> str | None:
    """Why form ``code`` cannot be approved (its broken identities), or None."""
    problems = identity_check(engine, settings, code, period, unit)
    if not problems:
        return None
    return (
        f"Biểu {find_form(code).code} có số liệu không khớp: "
        + "; ".join(problems)
        + ". Sửa dữ liệu gốc, nhập lại rồi chạy lại công việc."
    )


def forms_json(
    engine: Engine, settings: Settings, period: ReportPeriod, unit: str | None
) -> list[dict[str, object]]:
    """The rows of every form filed for ``period``'s kind (none for a week or a month)."""
    period = classify(
        period.start, period.end, settings.periods.cutoffs, settings.report.week_convention
    )
    return [
        fill_form(engine, settings, spec.code, period, unit).as_json()
        for spec in forms_for_period(period)
    ]


def import_warnings(engine: Engine, settings: Settings) -> list[str]:
    """After an import of dossiers: the identities of Biểu 06 for the quarter of the latest
    dossier received and the quarter before it (the one being reported), one warning per
    broken one (empty when they hold)."""
    import sqlalchemy as sa

    from reports.core.period_pick import parse_period
    from reports.store.schema import dossiers

    with engine.connect() as conn:
        latest = conn.execute(sa.select(sa.func.max(dossiers.c.received_on))).scalar()
    if latest is None:
        return []
    if isinstance(latest, str):  # SQLite gives an aggregate of dates as text
        from datetime import date

        latest = date.fromisoformat(latest)
    current = parse_period(
        f"{latest.year}-Q{(latest.month - 1) // 3 + 1}",
        settings.periods.cutoffs,
        settings.report.week_convention,
    )
    out: list[str] = []
    for quarter in (current.previous(), current):
        filled = fill_form(engine, settings, "06/VPCP/KSTT", quarter)
        out += [f"Cảnh báo: Biểu 06/VPCP/KSTT kỳ {quarter.code()}: {p}" for p in filled.problems()]
    return out
