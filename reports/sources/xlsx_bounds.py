"""An .xlsx is checked against limits before python-calamine loads it.

calamine builds each sheet as one dense block from the top-left to the bottom-right cell it
finds: a 1.5 kB file with a cell at XFD1048576 asks for 512 GB and aborts the process (a Rust
allocation failure cannot be caught), and a zip bomb's parts are inflated in memory. So the
zip's directory is checked first (how many parts, how large once inflated, the declared sizes
verified as each part is streamed), then each sheet's XML is scanned, streaming, for the last
row and column it uses.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from reports.core.errors import FileFormatError

MAX_PARTS = 10_000
MAX_PART_BYTES = 1 << 30
"""A sheet (or the shared strings) inflated: 1 GiB holds several million rows."""
MAX_TOTAL_BYTES = 2 << 30
MAX_COLUMNS = 1_000
MAX_CELLS = 40_000_000
"""Rows × columns of a sheet's used block (calamine holds each cell in ~32 bytes)."""

_HINT = (
    "Xóa các ô, hàng, cột thừa ở xa vùng dữ liệu (Ctrl+End trong Excel cho biết ô cuối), "
    "hoặc xuất lại dạng CSV."
)
_ROW = re.compile(rb"<row\b[^>]*?\sr=\"(\d+)\"")
_WIDE_CELL = re.compile(rb"<c\b[^>]*?\sr=\"([A-Z]{2,})\d")
_CELL_REF = re.compile(rb"<c\b[^>]*?\sr=\"[A-Z]")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _mb(n: int) -> str:
    from reports.core.vi import number

    return f"{number(n // (1 << 20))} MB"


def check_xlsx(path: Path, file: str) -> None:
    """Raise :class:`FileFormatError` if loading ``path`` would take unbounded memory."""
    from reports.core.vi import number

    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise FileFormatError(
            file, f"không đọc được tệp Excel ({exc})", "Mở tệp trong Excel và lưu lại dạng .xlsx."
        ) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_PARTS:
            raise FileFormatError(file, f"tệp Excel có {number(len(infos))} phần, quá nhiều", _HINT)
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise FileFormatError(
                file,
                f"tệp Excel khi giải nén chiếm {_mb(total)}, quá giới hạn {_mb(MAX_TOTAL_BYTES)}",
                _HINT,
            )
        for info in infos:
            if info.file_size > MAX_PART_BYTES:
                raise FileFormatError(
                    file,
                    f"phần {info.filename} của tệp Excel khi giải nén chiếm {_mb(info.file_size)}, "
                    f"quá giới hạn {_mb(MAX_PART_BYTES)}",
                    _HINT,
                )
            name = info.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                _check_sheet(archive, info, file)
            elif name.endswith((".xml", ".rels")):
                _check_inflated(archive, info, file)


def _check_inflated(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: str) -> None:
    """Inflate a part, streaming, to verify it is no larger than its directory says (zipfile
    itself stops at the declared size, and checks the CRC)."""
    try:
        with archive.open(info) as fh:
            while fh.read(1 << 20):
                pass
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise FileFormatError(
            file, f"tệp Excel bị hỏng ({info.filename}: {exc})", "Mở trong Excel và lưu lại."
        ) from exc


def _check_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: str) -> None:
    from reports.core.vi import number

    last_row = 0
    last_column = 26  # a cell reference with one letter is at most column Z
    cells = referenced = 0
    carry = b""
    try:
        with archive.open(info) as fh:
            while True:
                chunk = fh.read(4 << 20)
                data = carry + chunk
                if chunk:
                    cut = data.rfind(b">") + 1  # no tag is split between two reads
                    data, carry = data[:cut], data[cut:]
                rows = _ROW.findall(data)
                if rows:
                    last_row = max(last_row, max(map(int, rows)))
                wide = set(_WIDE_CELL.findall(data))
                if wide:
                    last_column = max(last_column, *map(_column_number, wide))
                cells += data.count(b"<c ") + data.count(b"<c>") + data.count(b"<c/>")
                referenced += len(_CELL_REF.findall(data))
                if not chunk:
                    break
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise FileFormatError(
            file, f"tệp Excel bị hỏng ({info.filename}: {exc})", "Mở trong Excel và lưu lại."
        ) from exc
    if cells > referenced:
        # cells without a reference are placed one after another: a row may be that wide
        last_column = max(last_column, cells - referenced)
    sheet = info.filename.rsplit("/", 1)[-1]
    if last_column > MAX_COLUMNS:
        raise FileFormatError(
            file,
            f"trang tính {sheet} dùng tới cột thứ {number(last_column)}, "
            f"quá giới hạn {number(MAX_COLUMNS)} cột",
            _HINT,
        )
    if last_row * last_column > MAX_CELLS:
        raise FileFormatError(
            file,
            f"trang tính {sheet} trải trên {number(last_row)} hàng × {number(last_column)} cột, "
            f"quá giới hạn {number(MAX_CELLS)} ô",
            _HINT,
        )
