"""A draft's pages as images, for the approver to read before approving: made once per draft
from its PDF, or from its Word file through LibreOffice, and kept beside the page's files."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from reports.core.errors import RenderError
from reports.produce.keep import files_dir
from reports.settings.load import Settings


def draft_preview_dir(settings: Settings, draft_id: int) -> Path:
    return files_dir(settings) / "drafts" / str(draft_id)


def draft_pages(settings: Settings, draft_id: int) -> list[Path]:
    """The page images made so far, in order (pdftoppm pads the numbers of long documents)."""
    folder = draft_preview_dir(settings, draft_id)
    return sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def draft_preview(
    settings: Settings, draft_id: int, files: Sequence[Path]
) -> tuple[list[Path], str | None]:
    """The pages of the draft (its PDF, else its Word file) as images, made once per draft;
    or none, and why (in Vietnamese, for the page)."""
    from reports.render.pdf import convert_to_pdf, soffice
    from reports.render.preview import page_images

    done = draft_pages(settings, draft_id)
    if done:
        return done, None
    folder = draft_preview_dir(settings, draft_id)
    pdf = next((f for f in files if f.suffix == ".pdf" and f.is_file()), None)
    docx = next((f for f in files if f.suffix == ".docx" and f.is_file()), None)
    try:
        if pdf is not None:
            return page_images(pdf, folder), None
        if docx is None:
            return [], "Bản dự thảo không có tệp Word để xem trước."
        if soffice() is None:
            return [], "Chưa cài LibreOffice trên máy chủ nên chưa xem trước được các trang."
        with tempfile.TemporaryDirectory(prefix="baocao-web-") as tmp:
            made = convert_to_pdf(docx, Path(tmp), timeout_s=settings.pdf_timeout_s)
            return page_images(made, folder), None
    except RenderError as exc:
        return [], str(exc)
