"""Files appear only complete: write to a temporary name beside the target, then rename."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path

from reports.core.children import clean_stale
from reports.core.errors import RenderError, UsageError
from reports.core.period_names import KIND_CODES
from reports.core.period_pick import parse_period
from reports.core.periods import ReportPeriod


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; on success it is renamed to ``path``.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(path.parent)  # .part files of processes killed while writing
        # the process id in the name tells a later run whether its writer is still alive
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.stem}.{os.getpid()}.", suffix=path.suffix + ".part", dir=path.parent
        )
    except OSError as exc:
        raise _unwritable(path, exc) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp makes the file private (0600); a report is an ordinary file: the mode of
        # the one it replaces, else what the umask gives any new file.
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.filename not in (None, str(tmp), str(path)) and exc.errno not in _FULL:
            raise
        raise _unwritable(path, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS)


def _unwritable(path: Path, exc: OSError) -> RenderError:
    """A user's folder that cannot take the file: a full disk, no permission, not a folder."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = "đĩa đầy"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = "không có quyền ghi"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST):
        reason = "đường dẫn không phải là thư mục"
    return RenderError(
        f"Không ghi được tệp {path} ({reason}). Chọn thư mục mà tài khoản này được ghi "
        "(--out, paths.output hoặc paths.data trong baocao.toml) và kiểm tra dung lượng đĩa."
    )


def _umask() -> int:
    """The process's umask, read without changing it (os.umask would, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str) -> str:
    """ASCII, Windows-safe: ``UBND quận Ba Đình`` → ``UBND-quan-Ba-Dinh``."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _UNSAFE.sub("-", text).strip("-.") or "bao-cao"


_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}


def unit_file_key(code: str) -> str:
    """A unit code as a file or folder name, distinct for distinct codes.

    A code that is already a safe, ASCII name is used as it is; any other (``A/B``, ``ĐA``,
    ``..``, ``CON``) gets its readable form plus 8 hex digits of its SHA-256, so that ``A/B``
    and ``A-B``, or ``ĐA`` and ``DA``, never share a folder. Callers still check the keys of
    a batch against each other, ignoring case (Windows shares do).
    """
    readable = safe_name(code)
    if readable == code and readable.upper() not in _RESERVED:
        return code
    digest = hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{readable[:48]}-{digest}"


DRAFT_PREFIX = "DU-THAO-"
"""A draft's file name starts with this: it says it is one wherever it is saved or sent."""


def report_file_name(
    period: ReportPeriod, extension: str, unit: str | None = None, *, draft: bool = False
) -> str:
    """The kind and the period: ``BC-tuan-2020-09-21_2020-09-28.docx``, ``BC-thang-2021-03``,
    ``BC-quy-2021-Q1``, ``BC-6thang-2021-H1``, ``BC-nam-2021`` (``_UNIT`` for one unit);
    a draft's with :data:`DRAFT_PREFIX` before it."""
    unit_part = f"_{unit_file_key(unit)}" if unit else ""
    code = period.code().replace("..", "_")
    name = f"BC-{KIND_CODES[period.kind]}-{code}{unit_part}.{extension.lstrip('.')}"
    return DRAFT_PREFIX + name if draft else name


_REPORT_FILE = re.compile(
    r"^BC-([0-9a-z]+)-([0-9A-Za-z-]+?)(?:_(\d{4}-\d{2}-\d{2}))?(?:_[^.]*)?\.\w+$"
)


def period_of_file_name(
    name: str, cutoffs: Mapping[str, bool], convention: str
) -> ReportPeriod | None:
    """The period a name made by :func:`report_file_name` is for (given the office's
    conventions, as the name does not say whether a month is cut off); None for another name."""
    m = _REPORT_FILE.match(name)
    kind = next((k for k, stem in KIND_CODES.items() if m and stem == m[1]), None)
    if m is None or kind is None:
        return None
    code = f"{m[2]}..{m[3]}" if m[3] else m[2]
    try:
        period = parse_period(code, cutoffs, convention)
    except UsageError:
        return None
    return period if period.kind == kind else None


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in 1 MiB blocks (hashlib lets go of the GIL)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
