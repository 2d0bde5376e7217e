"""Read an export into (header, numbered rows): CSV in UTF-8 or Windows-1258, or .xlsx.

Row numbers are those a spreadsheet shows: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from reports.core.errors import FileFormatError, Step
from reports.sources.split import SENTINEL, ReadAgain, Span, open_range, with_sentinel

ENCODING_HINT = "Lưu lại tệp dạng 'CSV UTF-8' trong Excel (Save As → CSV UTF-8)."
"""Door-neutral; the CLI adds its --encoding (:data:`reports.core.errors.Step.ENCODING`)."""


Batches = Callable[[int], Iterator[tuple[list[int], list[list[object]]]]]
"""Given a size, the rows in lists of up to that many: (row numbers, cells of each row)."""


@dataclass
class Sheet:
    """One table of an export: a CSV file, or one sheet of a workbook."""

    name: str
    """The sheet's name ('' for CSV)."""
    header: list[str]
    chunks: Batches
    """Every non-empty row after the header, numbered as a spreadsheet shows it, in lists."""
    close: Callable[[], None] = lambda: None
    """Release the file; the importer calls it whatever happens."""


def _batched(rows: Iterator[tuple[int, list[object]]]) -> Batches:
    """:attr:`Sheet.chunks` for a reader that gives (row number, cells) one row at a time."""

    def chunks(size: int) -> Iterator[tuple[list[int], list[list[object]]]]:
        while batch := list(itertools.islice(rows, size)):
            yield [n for n, _ in batch], [cells for _, cells in batch]

    return chunks


_CHUNK = 1 << 20


def _utf8_error_line(path: Path) -> int | None:
    """The line of the first byte that is not UTF-8, or None if the file is valid UTF-8.

    Checked by streaming the file through an incremental decoder: nothing is kept in memory.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 1
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return lines + chunk[: exc.start].count(b"\n")
            lines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return lines
    return None


def _is_utf8_start(head: bytes) -> bool:
    """Whether the file's first bytes are UTF-8 (the last character may be cut off)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _choose_encoding(path: Path, file: str, encoding: str | None) -> str:
    """The encoding to read ``path`` with. Never one that would store garbled text."""
    with path.open("rb") as fh:
        head = fh.read(200_000)
    if head.startswith(b"\xef\xbb\xbf"):
        return (
            "utf-8-sig" if not encoding or encoding.lower().replace("-", "") == "utf8" else encoding
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise FileFormatError(
                file, f"không có bảng mã {encoding!r}", "Dùng utf-8 hoặc cp1258."
            ) from exc
        if codecs.lookup(encoding).name == "cp1258":
            _refuse_mixed(path, file)
        return encoding
    if not head.isascii() and _is_utf8_start(head):
        # Letters beyond ASCII that are valid UTF-8: Windows-1258 text is not (its accented
        # letters are single bytes that UTF-8 rejects). A bad byte further on is still caught,
        # strictly, as the file is read: the import then stops and names its line.
        return "utf-8"
    bad_line = _utf8_error_line(path)
    if bad_line is None:
        return "utf-8"
    # Excel on a Vietnamese Windows saves "CSV (Comma delimited)" in Windows-1258.
    sample = head.decode("cp1258", errors="replace")
    if "\ufffd" in sample or not _plausible_vietnamese(sample):
        raise FileFormatError(
            file,
            f"không phải UTF-8 (byte lỗi ở dòng {bad_line}) và cũng không giống Windows-1258; "
            "không nhập để tránh lưu chữ bị lỗi phông",
            ENCODING_HINT,
        ).leads_to(Step.ENCODING)
    _refuse_mixed(path, file)
    return "cp1258"


def csv_encoding(path: Path, file: str, encoding: str | None) -> str:
    """The encoding :func:`read_csv` reads ``path`` with (a reading plan decides it once)."""
    return _choose_encoding(path, file, encoding)


def _utf8_line(path: Path) -> int | None:
    """The first line with letters beyond ASCII that is valid UTF-8 (Windows-1258 text never
    is: its tone marks are bytes UTF-8 cannot have after a letter), or None."""
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                continue
            return number
    return None


def _refuse_mixed(path: Path, file: str) -> None:
    line = _utf8_line(path)
    if line is not None:
        raise FileFormatError(
            file,
            f"tệp trộn hai bảng mã: có dòng Windows-1258 nhưng dòng {line} là UTF-8; "
            "không nhập để tránh lưu chữ bị lỗi phông",
            "Mở tệp, lưu lại toàn bộ dạng 'CSV UTF-8' (Save As → CSV UTF-8) rồi nhập lại.",
        )


_VIETNAMESE = set("ăâđêôơưĂÂĐÊÔƠƯ\u0300\u0301\u0303\u0309\u0323")


def _plausible_vietnamese(text: str) -> bool:
    """Windows-1258 decodes any byte; real Vietnamese uses its letters and tone marks, while
    text in another legacy encoding (TCVN3, VNI) shows as symbols such as ¸ µ ¶ ·."""
    sample = text[:200_000]
    viet = sum(1 for ch in sample if ch in _VIETNAMESE)
    odd = sum(1 for ch in sample if "\u00a0" <= ch <= "\u00bf" or ch in "ƒ„…†‡‰‹Œ‘’“”•–—˜™›œŸ")
    return viet > 0 and odd <= viet


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(
    path: Path, file: str, encoding: str | None = None, span: Span | None = None
) -> tuple[Sheet, str]:
    """Stream a CSV file: rows are read as the importer asks for them, never all at once.

    With ``span``, only that byte range's rows (the header still read from the file's start),
    numbered as in the whole file; a range that did not end on a whole row raises
    :class:`ReadAgain` after its last row."""
    try:
        used = span.file_encoding if span else _choose_encoding(path, file, encoding)
        fh = path.open(encoding=used, newline="")
    except OSError as exc:
        raise FileFormatError(file, f"không mở được tệp ({exc.strerror})") from exc

    def lines() -> Iterator[str]:
        return nfc_lines(fh)

    source = lines()
    try:
        first = next(source)
    except StopIteration:
        fh.close()
        raise FileFormatError(file, "tệp rỗng, không có dòng tiêu đề") from None
    except UnicodeDecodeError as exc:
        fh.close()
        raise _decode_error(file, used) from exc
    reader = csv.reader(itertools.chain([first], source), delimiter=_sniff_delimiter(first))
    header = next(reader)
    offset = 0
    if span is not None and span.index > 0:
        fh.close()
        try:
            fh = open_range(path, span)
        except OSError as exc:
            raise FileFormatError(file, f"không mở được tệp ({exc.strerror})") from exc
        reader = csv.reader(with_sentinel(lines(), span), delimiter=_sniff_delimiter(first))
        offset = span.lines_before
    elif span is not None and not span.last:
        fh.close()  # the first range: read again from its start, the header included
        fh = open_range(path, span)
        reader = csv.reader(with_sentinel(lines(), span), delimiter=_sniff_delimiter(first))
        next(reader)
    proving = span is not None and not span.last

    @contextlib.contextmanager
    def reading() -> Iterator[None]:
        try:
            yield
        except csv.Error as exc:
            raise FileFormatError(
                file, f"dòng {reader.line_num}: CSV không hợp lệ ({exc})"
            ) from exc
        except UnicodeDecodeError as exc:
            # The text layer decodes ahead of the CSV reader: find the bad byte's own line.
            utf8 = used.lower().replace("-", "").startswith("utf8")
            line = _utf8_error_line(path) if utf8 else None
            raise _decode_error(file, used, line or reader.line_num + 1) from exc
        finally:
            fh.close()

    # line_num counts physical lines; records with line breaks inside quotes are numbered by
    # the line they end on, which is where a spreadsheet shows them after import too.
    def batches(size: int) -> Iterator[tuple[list[int], list[list[object]]]]:
        # Rows are taken by the C reader a batch at a time; their line numbers follow from
        # where the batch ends, and from the line breaks inside quoted cells when it has any.
        proved = False
        with reading():
            start = reader.line_num + offset
            while batch := list(itertools.islice(reader, size)):
                if proving and batch[-1] == [SENTINEL]:
                    batch.pop()  # the range ended on a whole row
                    proved = True
                    if not batch:
                        break
                elif proving and any(SENTINEL in cell for cell in batch[-1]):
                    break  # swallowed into a cell: the range ended inside quotes
                end = reader.line_num + offset - proved
                if end - start == len(batch):
                    numbers = list(range(start + 1, end + 1))
                else:
                    numbers = _end_lines(batch, start)
                start = end
                if not all(map(any, batch)):  # blank lines, or only separators: skipped
                    kept = [i for i, row in enumerate(batch) if any(row)]
                    numbers = [numbers[i] for i in kept]
                    batch = [batch[i] for i in kept]
                if batch:
                    yield numbers, batch  # type: ignore[misc]
        if proving and not proved:
            raise ReadAgain(f"{file}: một đoạn không kết thúc ở cuối dòng")

    return Sheet("", [h.strip() for h in header], batches, fh.close), used


_TEXT_BLOCK = 1 << 15
"""Characters read at a time: lines are cut from blocks, not read one by one in Python."""


def nfc_lines(fh: TextIO) -> Iterator[str]:
    """The lines of ``fh`` (opened with ``newline=""``: ends kept as they are, for csv), in NFC.

    cp1258 writes tone marks as combining characters: NFC composes them ("Quyết"). Text is
    checked and composed a block of whole lines at a time (NFC never joins across a line
    break), and the lines are cut from the block in C: no Python frame per line."""
    return itertools.chain(
        _first_line(fh), itertools.chain.from_iterable(map(_block_lines, _line_blocks(fh)))
    )


def _first_line(fh: TextIO) -> Iterator[str]:
    """The first line alone (a header's decoding error is met there, as line by line)."""
    if line := fh.readline():
        yield unicodedata.normalize("NFC", line)


def _block_lines(block: str) -> io.StringIO:
    return io.StringIO(block, newline="")


def _line_blocks(fh: TextIO) -> Iterator[str]:
    """The text of ``fh`` in blocks of whole lines, each in NFC."""
    carry = ""
    while True:
        more = fh.read(_TEXT_BLOCK)
        block = carry + more if carry else more
        if not more:
            break
        cut = block.rfind("\n") + 1
        if not cut:  # a file with bare CR line ends; never cut between CR and LF
            cut = block.rfind("\r", 0, len(block) - 1) + 1
        if not cut:
            carry = block
            continue
        block, carry = block[:cut], block[cut:]
        yield (
            block
            if unicodedata.is_normalized("NFC", block)
            else unicodedata.normalize("NFC", block)
        )
    if block:
        yield (
            block
            if unicodedata.is_normalized("NFC", block)
            else unicodedata.normalize("NFC", block)
        )


def _end_lines(rows: list[list[str]], start: int) -> list[int]:
    """The physical line each row ends on, the line before the first being ``start``."""
    out = []
    line = start
    for row in rows:
        line += 1
        for cell in row:
            if "\n" in cell or "\r" in cell:
                line += cell.count("\n") + cell.count("\r") - cell.count("\r\n")
        out.append(line)
    return out


def _decode_error(file: str, encoding: str, line: int | None = None) -> FileFormatError:
    where = f" (byte lỗi ở dòng {line})" if line else ""
    utf8 = encoding.lower().replace("-", "").startswith("utf8")
    error = FileFormatError(
        file,
        f"không đọc được theo bảng mã {encoding}{where}",
        ENCODING_HINT if utf8 else "Kiểm tra lại bảng mã của tệp (thường là utf-8 hoặc cp1258).",
    )
    return error.leads_to(Step.ENCODING) if utf8 else error


def read_xlsx(path: Path, file: str, legacy: bool = False) -> list[Sheet]:
    """The sheets of an .xlsx, or of an .xls (``legacy``: Excel 97-2003, whose format bounds a
    sheet to 65.536 rows × 256 columns, so it needs no size check before calamine reads it)."""
    from python_calamine import CalamineWorkbook

    from reports.sources.xlsx_bounds import check_xlsx

    if not legacy:
        check_xlsx(path, file)  # calamine aborts the process on a sheet too large to hold
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
        raise FileFormatError(
            file, f"không đọc được tệp Excel ({exc})", "Mở tệp trong Excel và lưu lại dạng .xlsx."
        ) from exc
    sheets = []
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        start_row = sheet.start[0] if sheet.start else 0
        it: Iterator[list[object]] = iter(sheet.iter_rows())  # type: ignore[arg-type]
        header_cells = next(it, None)
        if header_cells is None:
            continue
        header = [str(c).strip() if c is not None else "" for c in header_cells]

        def rows(
            it: Iterator[list[object]] = it, first: int = start_row + 2
        ) -> Iterator[tuple[int, list[object]]]:
            for n, cells in enumerate(it, start=first):
                if any(
                    c not in (None, "") and not (isinstance(c, str) and not c.strip())
                    for c in cells
                ):
                    yield (
                        n,
                        [
                            unicodedata.normalize("NFC", c) if isinstance(c, str) else c
                            for c in cells
                        ],
                    )

        sheets.append(Sheet(name, header, _batched(rows())))
    return sheets
