"""Files appear only complete: write to a temporary name beside the target, then rename."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from reports.periods import ReportPeriod


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; on success it is renamed to ``path``.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=path.suffix + ".part", dir=path.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str) -> str:
    """ASCII, Windows-safe: ``UBND quận Ba Đình`` → ``UBND-quan-Ba-Dinh``."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _UNSAFE.sub("-", text).strip("-.") or "bao-cao"


def report_file_name(period: ReportPeriod, extension: str, unit: str | None = None) -> str:
    """``BC-tuan-2020-09-21_2020-09-28.docx`` (with ``_UNIT`` when for one unit)."""
    unit_part = f"_{safe_name(unit)}" if unit else ""
    return f"BC-tuan-{period.slug()}{unit_part}.{extension.lstrip('.')}"
