"""A report as it will print, for a page: each PDF page as a PNG (poppler's pdftoppm) with
its text (pdftotext) beside it, the text a screen reader reads and a test can check."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from reports.core.errors import RenderError

HINT = "Cài poppler-utils (apt-get install poppler-utils) để xem trước các trang."


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RenderError(f"Không tìm thấy {name}. {HINT}")
    return found


def page_images(pdf: Path, out_dir: Path, *, dpi: int = 70, timeout_s: float = 60.0) -> list[Path]:
    """Every page of ``pdf`` as ``out_dir/page-N.png``, in order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = out_dir / "page"
    try:
        subprocess.run(
            [_tool("pdftoppm"), "-png", "-r", str(dpi), str(pdf), str(prefix)],
            check=True,
            capture_output=True,
            timeout=timeout_s,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"Không tạo được ảnh xem trước của {pdf.name}: {exc}") from exc
    return sorted(out_dir.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def page_texts(pdf: Path, *, timeout_s: float = 60.0) -> list[str]:
    """The text of each page of ``pdf``, as laid out."""
    try:
        done = subprocess.run(
            [_tool("pdftotext"), "-layout", str(pdf), "-"],
            check=True,
            capture_output=True,
            timeout=timeout_s,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"Không đọc được chữ trong {pdf.name}: {exc}") from exc
    pages = done.stdout.decode("utf-8", "replace").split("\f")
    return [p.strip("\n") for p in pages if p.strip()]
