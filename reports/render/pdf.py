"""PDF through LibreOffice headless, with a time limit per document.

With ``python3-uno`` each process keeps one LibreOffice running
(:mod:`reports.render.office_worker`); without it, a conversion starts its own ``soffice``
with a private profile, and many documents (``--all-units``) are converted by one ``soffice``
a batch (:func:`convert_batch`), with a profile kept by the process from batch to batch.
Either way at most ``[pdf] max_parallel`` conversions (a batch is one) run at once in a
process (:mod:`reports.render.pdf_gate`).
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from reports.core.children import clean_stale, reap_with_parent, temp_prefix
from reports.core.errors import RenderError
from reports.core.files import atomic_output
from reports.render import office_worker, pdf_gate

log = logging.getLogger(__name__)

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
        infilter = INPUT_FILTERS[source.suffix.lower()]
        cmd = _command(binary, profile, infilter, work_dir, [str(source.resolve())])
        code, detail = _run(cmd, work, timeout_s)
        if code is None:
            raise RenderError(
                f"LibreOffice không chuyển xong {source.name} sang PDF sau {timeout_s:g} giây; "
                "đã dừng. Tăng pdf.timeout_s trong baocao.toml nếu máy chậm."
            )
        produced = work_dir / f"{source.stem}.pdf"
        if code != 0 or not produced.exists():
            raise RenderError(
                f"LibreOffice không chuyển được {source.name} sang PDF (mã {code}) {detail}"
            )
        with atomic_output(target) as tmp:
            shutil.copyfile(produced, tmp)
    return target


def _command(
    binary: str, profile: str, infilter: str, out_dir: Path, inputs: Sequence[str]
) -> list[str]:
    """``soffice --convert-to pdf`` of ``inputs`` into ``out_dir`` with the profile at the URI
    ``profile``."""
    return [
        binary,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--norestore",
        "--nologo",
        f"--infilter={infilter}",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out_dir),
        *inputs,
    ]


_profile: Path | None = None
_profile_lock = threading.Lock()


def _batch_profile() -> Path:
    """This process's LibreOffice profile for batches: made by the first batch (a second or
    two), reused by the next ones, removed at exit; never used by two conversions at once."""
    global _profile
    if _profile is None:
        clean_stale()
        _profile = Path(tempfile.mkdtemp(prefix=temp_prefix("lo-profile")))
        atexit.register(shutil.rmtree, _profile, True)
    return _profile


def _discard_profile() -> None:
    global _profile
    if _profile is not None:
        shutil.rmtree(_profile, ignore_errors=True)
        _profile = None


def convert_batch(
    sources: Sequence[Path], out_dirs: Sequence[Path], *, timeout_s: float = 120.0
) -> list[Path | RenderError]:
    """Convert each of ``sources`` (.docx or .xlsx) to ``<out_dir>/<stem>.pdf``: the PDF, or
    the error naming that document; one document failing does not stop the others.

    With ``python3-uno``, one by one in this process's office (already batch speed); without,
    one ``soffice --convert-to`` for all the documents of a type (the time limit is the
    documents' limits added up). Documents that a crashed or stopped batch left without a
    PDF are converted again one by one."""
    binary = soffice()
    results: list[Path | RenderError] = []
    if binary is None or office_worker.available() or len(sources) < 2:
        for source, out_dir in zip(sources, out_dirs, strict=True):
            try:
                results.append(convert_to_pdf(source, out_dir, timeout_s=timeout_s))
            except RenderError as exc:
                results.append(exc)
        return results
    done: dict[int, Path | RenderError] = {}
    for suffix, filt in INPUT_FILTERS.items():
        group = [i for i, s in enumerate(sources) if s.suffix.lower() == suffix]
        if group:
            done.update(_batch(binary, filt, group, sources, out_dirs, timeout_s))
    for i, source in enumerate(sources):
        if i not in done:
            done[i] = RenderError(
                f"Không chuyển được {source.name} sang PDF: chỉ nhận .docx và .xlsx."
            )
    return [done[i] for i in range(len(sources))]


def _batch(
    binary: str,
    infilter: str,
    group: Sequence[int],
    sources: Sequence[Path],
    out_dirs: Sequence[Path],
    timeout_s: float,
) -> dict[int, Path | RenderError]:
    """One ``soffice`` for the documents ``group`` (indexes into ``sources``) of one type."""
    done: dict[int, Path | RenderError] = {}
    with (
        pdf_gate.conversions.held(sources[group[0]].name),  # one LibreOffice, one place
        _profile_lock,
        tempfile.TemporaryDirectory(prefix=temp_prefix("lo")) as work,
    ):
        work_dir = Path(work)
        inputs = []
        for i in group:  # numbered copies: documents of different units may share a name
            copy = work_dir / f"{i}{sources[i].suffix.lower()}"
            shutil.copyfile(sources[i], copy)
            inputs.append(str(copy))
        out = work_dir / "pdf"
        profile = (_batch_profile() / "profile").as_uri()
        limit = timeout_s * len(group)
        code, _ = _run(_command(binary, profile, infilter, out, inputs), work, limit)
        stopped = (
            None
            if code == 0
            else f"no end after {limit:g} s"
            if code is None
            else f"exit code {code}"
        )
        if stopped is not None:  # a killed office may leave its profile locked: a new one
            _discard_profile()
        for i in group:
            produced = out / f"{i}.pdf"
            if produced.exists():
                target = out_dirs[i] / f"{sources[i].stem}.pdf"
                with atomic_output(target) as tmp:
                    shutil.move(produced, tmp)
                done[i] = target
            elif stopped is None:  # LibreOffice went through the batch: this one it refused
                done[i] = RenderError(
                    f"LibreOffice không chuyển được {sources[i].name} sang PDF: tệp không "
                    f"đọc được hoặc không đúng định dạng {sources[i].suffix}. Mở thử tệp "
                    "bằng Word hoặc LibreOffice, hoặc tạo lại tệp."
                )
    for i in group:
        if i not in done:  # the batch crashed or overran: alone, each with its own limit
            log.warning("lô chuyển PDF dừng (%s); chuyển riêng %s", stopped, sources[i].name)
            try:
                done[i] = convert_to_pdf(sources[i], out_dirs[i], timeout_s=timeout_s)
            except RenderError as exc:
                done[i] = exc
    return done


def _run(cmd: list[str], home: str, limit: float) -> tuple[int | None, str]:
    """Run ``soffice`` within ``limit`` seconds, dying with this process: its exit code (None
    when it was stopped at the limit) and the last line it wrote (stderr, else stdout)."""
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "HOME": home},
    )
    watcher = reap_with_parent(proc.pid)  # LibreOffice dies with us, even by kill -9
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None, ""
    finally:
        watcher.kill()
        watcher.wait()
    last = (err or out).decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    return proc.returncode, last[0]
