"""The files of an approved draft: the numbered report rendered again, checked against what
was approved, and its PDF (made in its turn, however busy the conversions are)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from reports.approval import register
from reports.approval.core import Draft, FileRecord
from reports.core.errors import ApprovalError
from reports.core.files import DRAFT_PREFIX, atomic_output
from reports.core.model import Report
from reports.settings.load import Settings


def final_files(
    settings: Settings,
    report: Report,
    numbered: Report,
    d: Draft,
    folder: Path,
    copy: bool = False,
) -> list[Path]:
    """The numbered files: the Word report rendered again from the draft's own report with the
    number and date; the workbook as approved (it carries neither); the PDF from the new .docx.
    ``copy``: every file as approved (an official form carries no number)."""
    from reports.render.docx import render_docx

    out: list[Path] = []
    docx: Path | None = None
    for f in d.files:
        target = folder / f.path.name.removeprefix(DRAFT_PREFIX)  # no longer a draft
        if copy:
            with atomic_output(target) as tmp_path:
                shutil.copyfile(f.path, tmp_path)
            out.append(target)
        elif f.path.suffix == ".docx":
            docx = render_docx(numbered, settings, target)
            out.append(docx)
        elif f.path.suffix == ".pdf":
            from reports.render import pdf_gate
            from reports.render.pdf import convert_to_pdf

            # numbered already: wait for a free conversion however long, never "busy" half-way
            with tempfile.TemporaryDirectory(prefix="baocao-") as tmp, pdf_gate.patient():
                source = docx or render_docx(
                    numbered, settings, Path(tmp) / target.with_suffix(".docx").name
                )
                out.append(convert_to_pdf(source, folder, timeout_s=settings.pdf_timeout_s))
        else:
            with atomic_output(target) as tmp_path:
                shutil.copyfile(f.path, tmp_path)
            out.append(target)
    return out


def same_as_approved(settings: Settings, report: Report, d: Draft, f: FileRecord) -> None:
    """The numbered report differs from the approved draft by its number and date only: the
    draft rendered again now (rendering is deterministic) must be the approved file."""
    from reports.render.docx import render_docx
    from reports.render.docx_layout import generated_at_of

    with tempfile.TemporaryDirectory(prefix="baocao-") as tmp:
        again = render_docx(
            report, settings, Path(tmp) / f.path.name, generated_at=generated_at_of(f.path)
        )
        if register.sha256(again.read_bytes()) != f.sha256:
            raise ApprovalError(
                f"Mẫu báo cáo đã thay đổi sau khi gửi duyệt lần chạy #{d.run_id}: bản có số sẽ "
                "khác bản đã duyệt; không duyệt. Chạy lại công việc để gửi duyệt bản mới."
            )
