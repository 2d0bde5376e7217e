"""The words around a form's table: header block, period line, signer; shared by the .xlsx and
the .docx so that both say the same."""

from __future__ import annotations

from dataclasses import dataclass

from reports.core.period_names import period_name
from reports.core.periods import ReportPeriod
from reports.core.vi import capitalised, numeric_date
from reports.forms.catalog import FormSpec
from reports.settings.load import Settings


@dataclass(frozen=True)
class FormWords:
    form_line: str
    legal_basis: str
    reporting_body: str
    receiving_body: str
    title: str
    period_line: str
    unit_of_count: str
    place_date: str
    signer_authority: str
    signer_title: str
    signer_name: str


def form_words(
    settings: Settings, spec: FormSpec, period: ReportPeriod, unit_name: str | None
) -> FormWords:
    """``unit_name``: the unit reporting on itself (``--unit``), else the office's body."""
    return FormWords(
        form_line=f"Biểu số {spec.code}",
        legal_basis=spec.legal_basis,
        reporting_body=f"Đơn vị báo cáo: {unit_name or settings.office.parent}",
        receiving_body="Đơn vị nhận báo cáo: "
        + (settings.office.parent if unit_name else settings.forms.receiver),
        title=spec.title,
        period_line=(
            f"Kỳ báo cáo: {capitalised(period_name(period))} (Từ ngày "
            f"{numeric_date(period.start)} đến ngày {numeric_date(period.end)})"
        ),
        unit_of_count=spec.unit_of_count,
        place_date=f"{settings.office.place}, ngày … tháng … năm {period.end.year}",
        signer_authority=settings.signer.authority,
        signer_title=settings.signer.title,
        signer_name=settings.signer.name,
    )


def file_name(spec: FormSpec, period: ReportPeriod, unit: str | None, extension: str) -> str:
    """``Bieu-06-VPCP-KSTT-2021-01-01_2021-03-31.xlsx`` (``…-SO-YT.xlsx`` for a unit)."""
    from reports.core.files import safe_name

    tail = f"-{safe_name(unit)}" if unit else ""
    return f"{spec.file_stem}-{period.slug()}{tail}.{extension}"
