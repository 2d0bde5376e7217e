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

Speed (``bench/xlsx_check.py``): one pass per sheet; references as Excel writes them are
measured in batches by patterns over the joined values (never over the XML).
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


def _parse(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: str, start: object) -> None:
    parser = expat.ParserCreate()
    parser.ordered_attributes = True
    parser.StartElementHandler = start  # type: ignore[assignment]
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
    relationship target that is text (not a picture or a macro project) is parsed for its
    extent as it is inflated (one pass); any other part that mentions ``sheetData`` is parsed
    once the mention is seen."""
    if target:
        try:
            with archive.open(info) as fh:
                head = fh.read(4)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise _broken(file, info.filename, str(exc)) from exc
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") or head[:2] in (
            b"\xff\xfe",
            b"\xfe\xff",
        ):
            _Extent(file, info.filename).scan(archive, info)
            return
    must_parse = False
    try:
        with archive.open(info) as fh:
            tail = b""
            while chunk := fh.read(_CHUNK):
                if any(m in (tail + chunk).lower() for m in _MARKS):
                    must_parse = True
                    break
                tail = chunk[-24:]
            while fh.read(_CHUNK):  # the rest still inflated: its size and CRC checked
                pass
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _broken(file, info.filename, str(exc)) from exc
    if must_parse:
        _Extent(file, info.filename).scan(archive, info)


_PLAIN = re.compile(r"(?:[A-Z]{1,3}[0-9]{1,7},)*")
"""A run of cell references as Excel writes them, joined by commas (our own joined text, not
the XML: the parse has already read every spelling of the attribute)."""
_LETTERS = re.compile(r"([A-Z]+)[0-9]+,")
_NUMBERS = re.compile(r"[A-Z]+([0-9]+),")
_BATCH = 4096


class _Extent:
    """The last row and column a part's cells reach, as calamine would place them.

    ``c`` and ``row`` elements count from the first ``sheetData`` on, prefixed or not (after
    it they only make the bound larger; before it, and in parts without one such as
    ``calcChain.xml``, calamine reads none). The handler is the hot loop: a cell whose first
    attribute is ``r`` only has its reference put aside; every few thousand, or before a cell
    placed one by one (no ``r``, or a reference not as Excel writes it), they are measured
    together."""

    def __init__(self, file: str, part: str) -> None:
        self.file, self.part = file, part
        self.row = 0
        self.column = 0
        self.last_row = 0
        self.last_column = 0
        self.pending: list[str] = []
        self.row_at = 0
        """How many of ``pending`` came before the current row started."""

    def scan(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        pending = self.pending
        put_aside = pending.append
        cell, row = self.cell, self.row_start
        in_data = False  # from the first sheetData on (calamine reads no cell before it)

        def start(name: str, attrs: list[str]) -> None:
            nonlocal in_data
            if name == "c":
                if not in_data:
                    return
                if attrs and attrs[0] == "r":
                    put_aside(attrs[1])
                    if len(pending) >= _BATCH:
                        self.flush()
                else:
                    cell(attrs)
            elif name == "row":
                if in_data:
                    row(attrs)
            elif name == "sheetData":
                in_data = True
            elif ":" in name:
                local = name.rpartition(":")[2]
                if local == "sheetData":
                    in_data = True
                elif not in_data:
                    return
                elif local == "c":
                    cell(attrs)
                elif local == "row":
                    row(attrs)

        _parse(archive, info, self.file, start)
        self.flush()

    def flush(self) -> None:
        """Measure the references put aside."""
        pending = self.pending
        if not pending:
            return
        joined = ",".join(pending) + ","
        if _PLAIN.fullmatch(joined):
            for letters in set(_LETTERS.findall(joined)):
                column = _column(letters)
                if column > self.last_column:
                    self.last_column = column
            last_row = max(map(int, _NUMBERS.findall(joined)))
            if last_row > self.last_row:
                self.last_row = last_row
            if len(pending) > self.row_at:  # else the row started after them: column 0
                self.column = _column(pending[-1].rstrip("0123456789"))
            pending.clear()
            self.row_at = 0
            self._check_cells()
        else:
            refs, row_at, column = list(pending), self.row_at, self.column
            pending.clear()
            self.row_at = 0
            for ref in refs:
                self._place(ref)
            if len(refs) <= row_at:
                self.column = column

    def cell(self, attrs: list[str]) -> None:
        """A cell placed one by one: at its r, else one after the previous cell of the row."""
        self.flush()
        ref = _attribute_r(attrs)
        if ref:
            self._place(ref)
        else:
            self.column += 1
            if self.column > self.last_column:
                self.last_column = self.column
            self._check_cells()

    def _place(self, ref: str) -> None:
        column, row = _cell_ref(ref, self.file, self.part)
        self.column = column
        if row > self.last_row:
            self.last_row = row
        if column > self.last_column:
            self.last_column = column
        self._check_cells()

    def _check_cells(self) -> None:
        if self.row > self.last_row:
            self.last_row = self.row
        if (
            self.last_column > MAX_COLUMNS
            or self.last_row > MAX_ROWS
            or self.last_row * self.last_column > MAX_CELLS
        ):
            self._refuse()

    def row_start(self, attrs: list[str]) -> None:
        """A row: at its r, else one after the previous row (the references put aside stay
        aside: their places do not depend on the row)."""
        self.row_at = len(self.pending)
        ref = attrs[1] if attrs and attrs[0] == "r" else _attribute_r(attrs)
        if not ref:
            row = self.row + 1
        elif ref.isdigit() and ref.isascii():
            row = int(ref[:12])
        else:
            row = _row_number(ref, self.file, self.part)
        self.row = row
        self.column = 0
        if row > self.last_row:
            self.last_row = row
            if row > MAX_ROWS or row * (self.last_column or 1) > MAX_CELLS:
                self._refuse()

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
        if self.last_row > MAX_ROWS:
            raise FileFormatError(
                self.file,
                f"trang tính {sheet} dùng tới hàng thứ {number(self.last_row)}, quá hàng cuối "
                f"của Excel ({number(MAX_ROWS)})",
                _HINT,
            )
        raise FileFormatError(
            self.file,
            f"trang tính {sheet} trải trên {number(self.last_row)} hàng × "
            f"{number(max(self.last_column, 1))} cột, quá giới hạn {number(MAX_CELLS)} ô",
            _HINT,
        )


def _column(letters: str) -> int:
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    return column


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
