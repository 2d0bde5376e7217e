"""An .xlsx is checked against limits before python-calamine loads it.

calamine builds each sheet as one dense block from the top-left to the bottom-right cell it
finds: a 1.5 kB file with a cell at XFD1048576 asks for 512 GB and aborts the process (a Rust
allocation failure cannot be caught), and a zip bomb's parts are inflated in memory. So the
zip's directory is checked first (how many parts, how large once inflated, the declared sizes
verified as each part is streamed), then every part a reader could take for a sheet is parsed
as XML (expat, streaming) for the last row and column it uses.

The parse is a real one, not a pattern over bytes: quotes of either kind, spaces around ``=``,
namespace prefixes (``<x:c>``), rows and cells without ``r`` (placed one after the previous,
as calamine places them) all count. The parts parsed are the worksheets the workbook's
relationships name, wherever they are in the zip, and any other part that holds a
``sheetData``; such a part that is not well-formed XML, or declares a DOCTYPE (entities), is
refused, since calamine's more lenient reader would still take cells from it.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.parsers import expat

from reports.core.errors import FileFormatError

MAX_PARTS = 10_000
MAX_PART_BYTES = 1 << 30
"""A sheet (or the shared strings) inflated: 1 GiB holds several million rows."""
MAX_TOTAL_BYTES = 2 << 30
MAX_COLUMNS = 1_000
MAX_CELLS = 40_000_000
"""Rows × columns of a sheet's used block (calamine holds each cell in ~32 bytes)."""
MAX_ROWS = 1_048_576
"""Excel's own last row; a reference beyond it is refused whatever its width."""

_HINT = (
    "Xóa các ô, hàng, cột thừa ở xa vùng dữ liệu (Ctrl+End trong Excel cho biết ô cuối), "
    "hoặc xuất lại dạng CSV."
)
_BROKEN_HINT = "Mở tệp trong Excel và lưu lại dạng .xlsx."
_CHUNK = 1 << 20
_MARKS = (b"sheetdata", "sheetdata".encode("utf-16-le"), "sheetdata".encode("utf-16-be"))


def _mb(n: int) -> str:
    from reports.core.vi import number

    return f"{number(n // (1 << 20))} MB"


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _broken(file: str, part: str, why: str) -> FileFormatError:
    return FileFormatError(file, f"tệp Excel bị hỏng ({part}: {why})", _BROKEN_HINT)


def check_xlsx(path: Path, file: str) -> None:
    """Raise :class:`FileFormatError` if loading ``path`` would take unbounded memory."""
    from reports.core.vi import number

    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise FileFormatError(file, f"không đọc được tệp Excel ({exc})", _BROKEN_HINT) from exc
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
        sheets = _sheet_parts(archive, file)
        for info in infos:
            if info.is_dir():
                continue
            _check_part(archive, info, file, _normal(info.filename) in sheets)


def _normal(name: str) -> str:
    return posixpath.normpath(name.replace("\\", "/")).lstrip("/").lower()


def _sheet_parts(archive: zipfile.ZipFile, file: str) -> set[str]:
    """The parts the workbook's relationships point at (worksheets and any other target), as
    normalised names; the workbook is found through the package's own relationships."""
    names = {_normal(i.filename): i for i in archive.infolist()}
    workbooks = set(_targets(archive, names, "_rels/.rels", "", file)) | {"xl/workbook.xml"}
    found: set[str] = set(workbooks)
    for workbook in workbooks:
        folder, _, base = workbook.rpartition("/")
        rels = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        found.update(_targets(archive, names, rels, folder, file))
    return found


def _targets(
    archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], rels: str, folder: str, file: str
) -> list[str]:
    info = names.get(rels.lower())
    if info is None:
        return []
    out: list[str] = []

    def start(name: str, ordered: list[str]) -> None:
        attrs = dict(zip(ordered[::2], ordered[1::2], strict=False))
        if _local(name) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            joined = target if target.startswith("/") else posixpath.join(folder, target)
            out.append(_normal(joined))

    _parse(archive, info, file, start)
    return out


def _refuse_doctype(*_: object) -> None:
    raise ValueError("có khai báo DOCTYPE")


def _parse(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    file: str,
    start: object,
    end: object = None,
) -> None:
    parser = expat.ParserCreate()
    parser.ordered_attributes = True
    parser.StartElementHandler = start  # type: ignore[assignment]
    if end is not None:
        parser.EndElementHandler = end  # type: ignore[assignment]
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    try:
        with archive.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _broken(file, info.filename, str(exc)) from exc
    except expat.ExpatError as exc:
        raise _broken(
            file, info.filename, f"XML sai ở dòng {exc.lineno}, cột {exc.offset}"
        ) from exc
    except ValueError as exc:
        raise _broken(file, info.filename, str(exc)) from exc


def _check_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: str, target: bool) -> None:
    """Inflate a part, streaming (zipfile stops at the declared size and checks the CRC). A
    part that mentions ``sheetData``, or a relationship target that is text (not a picture or a
    macro project), is parsed for its extent."""
    must_parse = False
    first = True
    try:
        with archive.open(info) as fh:
            tail = b""
            while chunk := fh.read(_CHUNK):
                if first and target:
                    must_parse = chunk.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") or chunk[
                        :2
                    ] in (b"\xff\xfe", b"\xfe\xff")
                    first = False
                if not must_parse and any(m in (tail + chunk).lower() for m in _MARKS):
                    must_parse = True
                tail = chunk[-24:]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _broken(file, info.filename, str(exc)) from exc
    if must_parse:
        _Extent(file, info.filename).scan(archive, info)


class _Extent:
    """The last row and column of a part's ``sheetData``, as calamine would place its cells."""

    def __init__(self, file: str, part: str) -> None:
        self.file, self.part = file, part
        self.depth_in_data = 0
        self.in_data = False
        self.row = 0
        self.column = 0
        self.last_row = 0
        self.last_column = 0

    def scan(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        _parse(archive, info, self.file, self.start, self.end)

    def start(self, name: str, attrs: list[str]) -> None:
        # called for every element of the part: kept lean (ordered attributes, no imports,
        # the element's local name looked up once per distinct name)
        local = _LOCAL.get(name)
        if local is None:
            local = _local_kind(name)
        if local is _OTHER:
            return
        if local is _CELL:
            if not self.in_data:
                return
            ref = attrs[1] if attrs and attrs[0] == "r" else _attribute_r(attrs)
            if ref:
                simple = _SIMPLE_REF(ref)
                if simple is not None:
                    column, row = _COLUMN[simple[1]], int(simple[2])
                else:
                    column, row = _cell_ref(ref, self.file, self.part)
                self.column = column
                if row > self.last_row:
                    self.last_row = row
            else:
                self.column += 1
            if self.column > self.last_column:
                self.last_column = self.column
            if self.row > self.last_row:
                self.last_row = self.row
            if self.last_column > MAX_COLUMNS or self.last_row * self.last_column > MAX_CELLS:
                self._refuse()
        elif local is _ROW:
            if not self.in_data:
                return
            ref = _attribute_r(attrs)
            self.row = _row_number(ref, self.file, self.part) if ref else self.row + 1
            self.column = 0
            if self.row > self.last_row:
                self.last_row = self.row
            if self.last_row > MAX_ROWS or self.last_row * max(self.last_column, 1) > MAX_CELLS:
                self._refuse()
        else:  # sheetData
            self.in_data = True

    def end(self, name: str) -> None:
        local = _LOCAL.get(name)
        if local is None:
            local = _local_kind(name)
        if local is _DATA:
            self.in_data = False

    def _refuse(self) -> None:
        from reports.core.vi import number

        sheet = self.part.rsplit("/", 1)[-1]
        if self.last_column > MAX_COLUMNS:
            raise FileFormatError(
                self.file,
                f"trang tính {sheet} dùng tới cột thứ {number(self.last_column)}, "
                f"quá giới hạn {number(MAX_COLUMNS)} cột",
                _HINT,
            )
        raise FileFormatError(
            self.file,
            f"trang tính {sheet} trải trên {number(self.last_row)} hàng × "
            f"{number(max(self.last_column, 1))} cột, quá giới hạn {number(MAX_CELLS)} ô",
            _HINT,
        )


_CELL, _ROW, _DATA, _OTHER = "c", "row", "sheetData", ""
_LOCAL: dict[str, str] = {}
"""Element name → what :class:`_Extent` makes of it (one of the four above)."""


def _local_kind(name: str) -> str:
    if name == "c" or name.endswith(":c"):
        kind = _CELL
    elif name == "row" or name.endswith(":row"):
        kind = _ROW
    elif name == "sheetData" or name.endswith(":sheetData"):
        kind = _DATA
    else:
        kind = _OTHER
    if len(_LOCAL) < 10_000:  # a hostile part may use any number of names
        _LOCAL[name] = kind
    return kind


_SIMPLE_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})").fullmatch
"""A plain reference (``B12``) read in C; anything else goes through :func:`_cell_ref`."""


class _Columns(dict[str, int]):
    """Column letters → number, worked out once per distinct letters."""

    def __missing__(self, letters: str) -> int:
        column = 0
        for ch in letters:
            column = column * 26 + ord(ch) - 64
        self[letters] = column
        return column


_COLUMN = _Columns()


def _attribute_r(attrs: list[str]) -> str | None:
    """The ``r`` attribute, with or without a namespace prefix (``ordered_attributes``)."""
    for i in range(0, len(attrs), 2):
        key = attrs[i]
        if key == "r" or key.endswith(":r"):
            return attrs[i + 1]
    return None


def _row_number(ref: str, file: str, part: str) -> int:
    text = ref.strip()
    if not text.isdigit() or not text.isascii():
        raise _broken(file, part, f"số hàng không hợp lệ: {text[:20]!r}")
    return int(text[:12])


def _cell_ref(ref: str, file: str, part: str) -> tuple[int, int]:
    """(column, row) of ``B12``; the row is 0 when the reference names only a column."""
    text = ref.strip().upper().replace("$", "")
    letters = 0
    while letters < len(text) and "A" <= text[letters] <= "Z":
        letters += 1
    digits = text[letters:]
    if not letters or not text.isascii() or (digits and not digits.isdigit()):
        raise _broken(file, part, f"địa chỉ ô không hợp lệ: {ref[:20]!r}")
    column = 0
    for ch in text[: min(letters, 8)]:
        column = column * 26 + ord(ch) - 64
    return column, int(digits[:12]) if digits else 0
