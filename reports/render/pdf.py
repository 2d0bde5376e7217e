"""PDF through LibreOffice headless, with a time limit per document.

With ``python3-uno`` each process keeps one LibreOffice running
(:mod:`reports.render.office_worker`); without it, each conversion starts its own ``soffice``
with a private profile. Either way at most ``[pdf] max_parallel`` conversions run at once in a
process (:mod:`reports.render.pdf_gate`).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from reports.core.children import clean_stale, reap_with_parent, temp_prefix
from reports.core.errors import RenderError
from reports.core.files import atomic_output
from reports.render import office_worker, pdf_gate

INSTALL_HINT = (
    "Cài LibreOffice để xuất PDF: apt-get install libreoffice-writer libreoffice-calc "
    "fonts-liberation2 (Liberation Serif 2 có cùng kích thước chữ với Times New Roman và đủ "
    "chữ tiếng Việt; bản fonts-liberation 1.07 cũ thiếu ơ, ư)."
)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


INPUT_FILTERS = {".docx": "MS Word 2007 XML", ".xlsx": "Calc MS Excel 2007 XML"}
"""Named so that a file that is not really .docx/.xlsx is an error, not a PDF of its bytes."""


def warm_up() -> None:
    """Start this process's LibreOffice now, while the caller renders (no-op without one)."""
    binary = soffice()
    if binary is not None and office_worker.available():
        office_worker.warm_up(binary)


def convert_to_pdf(source: Path, out_dir: Path, *, timeout_s: float = 120.0) -> Path:
    """Convert ``source`` (.docx or .xlsx) to ``out_dir/<stem>.pdf``; complete or not at all."""
    binary = soffice()
    if binary is None:
        raise RenderError(f"Không tìm thấy LibreOffice (soffice). {INSTALL_HINT}")
    target = out_dir / f"{source.stem}.pdf"
    if source.suffix.lower() not in INPUT_FILTERS:
        raise RenderError(f"Không chuyển được {source.name} sang PDF: chỉ nhận .docx và .xlsx.")
    with pdf_gate.conversions.held(source.name):  # never more at once than [pdf] max_parallel
        if office_worker.available():
            return office_worker.convert(binary, source, target, timeout_s=timeout_s)
        return _convert_alone(binary, source, target, timeout_s)


def _convert_alone(binary: str, source: Path, target: Path, timeout_s: float) -> Path:
    """One ``soffice --convert-to`` for this document alone (no ``python3-uno``)."""
    clean_stale()
    with tempfile.TemporaryDirectory(prefix=temp_prefix("lo")) as work:
        work_dir = Path(work)
        # A private profile: concurrent conversions never share (and lock) one.
        profile = (work_dir / "profile").as_uri()
        cmd = [
            binary,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nologo",
            f"--infilter={INPUT_FILTERS[source.suffix.lower()]}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work_dir),
            str(source.resolve()),
        ]
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env={**os.environ, "HOME": work},
        )
        watcher = reap_with_parent(proc.pid)  # LibreOffice dies with us, even by kill -9
        try:
            out, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise RenderError(
                f"LibreOffice không chuyển xong {source.name} sang PDF sau {timeout_s:g} giây; "
                "đã dừng. Tăng pdf.timeout_s trong baocao.toml nếu máy chậm."
            ) from None
        finally:
            watcher.kill()
            watcher.wait()
        produced = work_dir / f"{source.stem}.pdf"
        if proc.returncode != 0 or not produced.exists():
            detail = (err or out).decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise RenderError(
                f"LibreOffice không chuyển được {source.name} sang PDF "
                f"(mã {proc.returncode}) {detail[0]}"
            )
        with atomic_output(target) as tmp:
            shutil.copyfile(produced, tmp)
    return target
