"""Plan an import and read it: which sheets of which kind each file holds, read and checked
here or, for a large import, by reading processes that stream the valid rows to the writer."""

from __future__ import annotations

import contextlib
import gc
import marshal
import multiprocessing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from multiprocessing.process import BaseProcess
from pathlib import Path
from queue import Empty

from reports.core.domain import KINDS, Kind
from reports.core.errors import BaocaoError, FileFormatError, Step
from reports.sources.headers import guess_kind, recognise
from reports.sources.mapping import Mapping, load_mapping
from reports.sources.readers import Sheet, csv_encoding, read_csv, read_xlsx
from reports.sources.split import ReadAgain, Span, spans
from reports.sources.unit_codes import first_unit_rows
from reports.sources.validate import SheetTable, Validator
from reports.store import counts_file, rollup

CHUNK_ROWS = 10_000
WORKER_BYTES = 32 << 20
"""Imports of more bytes than this are read and checked in other processes."""
SPLIT_BYTES: int | None = None
"""A CSV file of more bytes than this (None: :data:`WORKER_BYTES`), alone of its kind, is read
by all the reading processes."""
READERS = 2
"""Reading processes at most (files of one kind always go to the same one; a big CSV file,
the only one of its kind, is split among them by byte ranges)."""
IN_FLIGHT = 8
"""Chunks each reading process may be ahead of the writing one (bounds the memory)."""
COUNTS_EVERY = 5
"""A sheet's daily counts are sent after every so many chunks (:class:`CountsPiece`), so that
the writer stores them while the rows are still being read, not all at the end."""


def kind_from_name(path: Path) -> str | None:
    stem = path.stem.lower()
    for name in sorted(KINDS, key=len, reverse=True):
        if stem == name or stem.startswith((name + "-", name + "_", name + ".", name + " ")):
            return name
    return None


def kind_error(file: str) -> FileFormatError:
    return FileFormatError(
        file,
        "không biết tệp chứa loại bản ghi nào",
        "Đặt tên tệp theo loại (ví dụ dossiers.csv, dossiers-2020.xlsx).",
    ).leads_to(Step.NAME_BY_KIND, kinds=", ".join(KINDS))


def sheets_of(
    path: Path, file: str, kind: str | None, encoding: str | None
) -> list[tuple[Kind, Sheet, str]]:
    """(kind, sheet, name used in messages) for each table the file holds."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        chosen = kind or kind_from_name(path)
        sheet, _ = read_csv(path, file, encoding)
        if not chosen:  # the header dictionary may tell (reports.sources.headers)
            chosen, sheet = guess_kind(sheet, CHUNK_ROWS)
        if not chosen:
            sheet.close()
            raise kind_error(file)
        return [(KINDS[chosen], sheet, file)]
    if suffix in (".xlsx", ".xlsm", ".xls"):
        sheets = read_xlsx(path, file, legacy=suffix == ".xls")
        if not sheets:
            raise FileFormatError(file, "tệp Excel không có trang tính nào có dữ liệu")
        by_name = {s.name.strip().lower(): s for s in sheets}
        if kind:
            sheet = by_name.get(kind, sheets[0])
            return [(KINDS[kind], sheet, file)]
        named = [(KINDS[n], by_name[n]) for n in KINDS if n in by_name]
        if named:
            many = len(named) > 1
            return [(k, s, f"{file}[{s.name}]" if many else file) for k, s in named]
        chosen = kind_from_name(path)
        sheet = sheets[0]
        if not chosen:
            chosen, sheet = guess_kind(sheet, CHUNK_ROWS)
        if not chosen:
            raise kind_error(file)
        return [(KINDS[chosen], sheet, file)]
    raise FileFormatError(
        file,
        f"không nhập được tệp {suffix or 'không có phần mở rộng'}",
        "Dùng tệp .csv, .xlsx hoặc .xls.",
    )


def prepare(
    paths: Sequence[Path],
    kind: str | None,
    mapping: Path | None,
    encoding: str | None,
    skip_invalid: bool,
) -> ReadJob:
    """The import's job: ``--kind`` and the mapping checked, every file there."""
    if kind is not None and kind not in KINDS:
        raise FileFormatError(
            "--kind", f"không có loại {kind!r}", f"Chọn trong: {', '.join(KINDS)}."
        )
    mapping_obj = load_mapping(mapping) if mapping else None
    kind = kind or (mapping_obj.kind if mapping_obj else None)
    for path in paths:
        if not path.is_file():
            raise FileFormatError(str(path), "không tìm thấy tệp")
    every = COUNTS_EVERY if _one_counted_kind(paths, kind) else 0
    return ReadJob(tuple(enumerate(paths)), kind, mapping_obj, encoding, skip_invalid, every)


def _one_counted_kind(paths: Sequence[Path], kind: str | None) -> bool:
    """Whether the import is CSV files whose kinds are known, only one of them counted: then
    its counts may be stored while reading (:class:`CountsPiece`, counts files). Kinds counted
    together share their (unit, day) rows: their counts are added up first, stored once."""
    if any(p.suffix.lower() not in (".csv", ".txt") for p in paths):
        return False
    kinds = {kind or kind_from_name(p) for p in paths}
    return None not in kinds and len(kinds & rollup.COUNTED_KINDS) == 1


@dataclass(frozen=True)
class ReadJob:
    paths: tuple[tuple[int, Path], ...]
    """(position in the import, path) of the files to read."""
    kind: str | None
    mapping: Mapping | None
    encoding: str | None
    skip_invalid: bool
    counts_every: int = 0
    """:data:`COUNTS_EVERY` as the planning process has it (the reading ones follow it), or 0:
    each sheet's counts all at its end, never in a file."""
    counts_dir: str | None = None
    """Where a reading process writes each sheet's counts, in a file (no pieces then)."""
    pieces: tuple[Span | None, ...] = ()
    """For each of ``paths``: the byte range of the file to read, or None for all of it."""


@dataclass(frozen=True)
class SheetStart:
    kind: str
    order: tuple[int, int] = (0, 0)
    pieces: int = 1
    """How many processes read parts of this sheet (each part has its start and end)."""


@dataclass(frozen=True)
class SheetEnd:
    path: Path
    sheet_name: str
    """'' for a CSV, or for the only sheet of a workbook that is read."""
    order: tuple[int, int]
    """(file's position in the import, sheet's in the file): results keep this order."""
    table: SheetTable
    counts: rollup.Counts
    """The units' own counts of the valid rows, taken as they were read, since the sheet's last
    :class:`CountsPiece` (the writer uses them when the rows went into an empty table, and
    otherwise counts only the rows that change)."""
    pieces: int = 1
    counts_files: tuple[str, ...] = ()
    """The same counts in files of :mod:`reports.store.counts_file`, when the job asks so."""


@dataclass(frozen=True)
class CountsPiece:
    """The units' own counts of the valid rows read since the sheet's previous piece (or its
    start), sent while reading goes on; the rest come with its :class:`SheetEnd`."""

    counts: rollup.Counts


Part = SheetStart | list[tuple[object, ...]] | CountsPiece | SheetEnd


@dataclass(frozen=True)
class _Marshalled:
    data: bytes


def read_sheets(job: ReadJob) -> Iterator[Part]:
    """Read and check every sheet of the job: for each, its start, chunks of valid rows (none
    once a row is bad, unless ``skip_invalid``), and its end with the problems found.

    A part of a split file raises :class:`ReadAgain` at its first problem of any kind: the
    import then reads the file whole, for exactly the problems one reader reports."""
    for index, (position, path) in enumerate(job.paths):
        span = job.pieces[index] if job.pieces else None
        if span is None:
            yield from _read_file(job, position, path, None)
            continue
        try:
            yield from _read_file(job, position, path, span)
        except BaocaoError as exc:
            raise ReadAgain(str(exc)) from exc


def _read_file(job: ReadJob, position: int, path: Path, span: Span | None) -> Iterator[Part]:
    file = str(path)
    if span is not None:
        kind_name = job.kind or kind_from_name(path)
        assert kind_name is not None
        sheets = [(KINDS[kind_name], read_csv(path, file, span=span)[0], file)]
    else:
        sheets = sheets_of(path, file, job.kind, job.encoding)
    pieces = span.count if span else 1
    for number, (kind, sheet, shown) in enumerate(sheets):
        try:
            # no mapping file: the shipped header dictionary, below any title block
            first_row = sheet.header
            sheet, found = recognise(kind, sheet, shown, job.mapping, CHUNK_ROWS)
            if span is not None and sheet.header != first_row:
                raise ReadAgain(f"{file}: có khối tiêu đề trên dòng tên cột")  # only part 0 has it
            validator = Validator(kind, sheet.header, shown, found.mapping)
            table = SheetTable(shown, kind, "", header=sheet.header, notes=found.notes)
            counts: rollup.Counts = {}
            counted = kind.name in rollup.COUNTED_KINDS
            tallied = 0
            yield SheetStart(kind.name, (position, number), pieces)
            for numbers, chunk in sheet.chunks(CHUNK_ROWS):
                table.total += len(chunk)
                valid = validator.validate(numbers, chunk, table)
                if table.problems and span is not None:
                    raise ReadAgain(f"{file}: một đoạn có dòng lỗi")
                if table.problems and not job.skip_invalid:
                    table.rejected.clear()  # kept only to be written out with --skip-invalid
                    continue  # keep reading to report every bad row; nothing is written
                if counted:
                    rollup.tally(kind.name, valid, counts)
                    tallied += 1
                first_unit_rows(kind, numbers, valid, table)
                yield valid
                if not job.counts_dir and 0 < job.counts_every <= tallied and counts:
                    yield CountsPiece(counts)
                    counts, tallied = {}, 0
        finally:
            sheet.close()
        sheet_name = sheet.name if shown != file else ""
        files: tuple[str, ...] = ()
        if job.counts_dir and counts and (job.skip_invalid or not table.problems):
            target = Path(job.counts_dir) / f"{position}-{number}-{span.index if span else 0}.db"
            counts_file.write(target, counts)
            files = (str(target),)
        yield SheetEnd(path, sheet_name, (position, number), table, counts, pieces, files)


def _pieces(job: ReadJob, path: Path, size: int) -> list[Span] | None:
    """Byte ranges of a big CSV file for the reading processes, or None to read it whole."""
    threshold = WORKER_BYTES if SPLIT_BYTES is None else SPLIT_BYTES
    if READERS < 2 or size <= threshold or job.skip_invalid:
        return None
    try:
        encoding = csv_encoding(path, str(path), job.encoding)
    except BaocaoError:
        return None  # reported by the reader, at the file's turn
    return spans(path, READERS, encoding)


def split_job(job: ReadJob, sizes: Sequence[int], *, ranges: bool = True) -> list[ReadJob]:
    """The job shared among reading processes by kind, so that no two of them ever write the
    same table, balanced by bytes (``sizes``: each file's). A workbook, or a file whose kind
    its name does not say, may hold any kind: then one process reads everything. A big CSV
    file alone of its kind is cut in byte ranges (``ranges``), read side by side: its one
    sheet is then written by one writer, from all of them."""
    by_kind: dict[str, list[tuple[int, Path]]] = {}
    weight: dict[str, int] = {}
    size_of: dict[int, int] = {}
    for (position, path), size in zip(job.paths, sizes, strict=True):
        kind = job.kind or kind_from_name(path)
        if path.suffix.lower() not in (".csv", ".txt") or kind is None:
            return [job]
        by_kind.setdefault(kind, []).append((position, path))
        weight[kind] = weight.get(kind, 0) + size
        size_of[position] = size
    items: list[tuple[int, list[tuple[int, Path]], Span | None]] = []
    for kind, files in by_kind.items():
        cut = None
        if ranges and len(files) == 1:
            cut = _pieces(job, files[0][1], size_of[files[0][0]])
        if cut:
            ends = [s.end if s.end is not None else size_of[files[0][0]] for s in cut]
            items.extend((end - s.start, files, s) for s, end in zip(cut, ends, strict=True))
        else:
            items.append((weight[kind], files, None))
    groups: list[list[tuple[int, Path, Span | None]]] = [
        [] for _ in range(min(READERS, len(items)))
    ]
    loads = [0] * len(groups)
    for load, files, span in sorted(items, key=lambda item: -item[0]):
        lightest = loads.index(min(loads))
        groups[lightest].extend((position, path, span) for position, path in files)
        loads[lightest] += load
    jobs = []
    for group in groups:
        group.sort(key=lambda g: (g[0], g[2].index if g[2] else 0))
        jobs.append(
            replace(
                job,
                paths=tuple((position, path) for position, path, _ in group),
                pieces=tuple(span for _, _, span in group),
            )
        )
    return jobs


@contextlib.contextmanager
def read_in_parallel(
    job: ReadJob, *, ranges: bool = True, counts_dir: str | None = None
) -> Iterator[Iterator[tuple[int, Part]]]:
    """(stream, part) of every sheet: from this process for a small import, else from
    reading processes, each a stream of its own. Without ``ranges`` no file is cut. With
    ``counts_dir`` the processes hand each sheet's counts in a file there, too."""
    sizes = [path.stat().st_size for _, path in job.paths]
    if sum(sizes) <= WORKER_BYTES:
        yield ((0, part) for part in read_sheets(job))
        return
    context = multiprocessing.get_context("spawn")
    jobs = [replace(j, counts_dir=counts_dir) for j in split_job(job, sizes, ranges=ranges)]
    queue: multiprocessing.Queue[object] = context.Queue(maxsize=IN_FLIGHT * len(jobs))
    workers = [
        context.Process(target=_validate_into, args=(part, stream, queue), daemon=True)
        for stream, part in enumerate(jobs)
    ]
    for worker in workers:
        worker.start()
    try:
        yield _received(queue, workers)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        queue.close()


def _validate_into(job: ReadJob, stream: int, queue: multiprocessing.Queue[object]) -> None:
    """A reading process: every part into ``queue``, then ``None``, or the error."""
    from reports.core.children import die_with_parent

    die_with_parent()
    gc.disable()  # as in import_files: millions of small objects, no cycles
    try:
        for part in read_sheets(job):
            sent: object = part
            if isinstance(part, list):
                # Rows of text, numbers and None: marshal is 7x faster than pickle at this.
                with contextlib.suppress(ValueError):  # a date object from the row-wise check
                    sent = _Marshalled(marshal.dumps(part))
            elif isinstance(part, SheetEnd | CountsPiece):
                # the counts travel marshalled too; _received restores them
                sent = replace(part, counts=_Marshalled(marshal.dumps(part.counts)))  # type: ignore[arg-type]
            queue.put((stream, sent))
        queue.put((stream, None))
    except (BaocaoError, ReadAgain) as exc:
        queue.put((stream, exc))
    except BaseException as exc:  # noqa: BLE001 - reported to, and raised by, the writer
        queue.put((stream, RuntimeError(f"import reader failed: {exc!r}")))
    queue.close()
    queue.join_thread()


def _received(
    queue: multiprocessing.Queue[object], workers: Sequence[BaseProcess]
) -> Iterator[tuple[int, Part]]:
    running = set(range(len(workers)))
    while running:
        try:
            message: tuple[int, object] = queue.get(timeout=1.0)  # type: ignore[assignment]
        except Empty:
            for stream in running:
                if not workers[stream].is_alive():
                    code = workers[stream].exitcode
                    raise RuntimeError(f"import reader exited with code {code}") from None
            continue
        stream, part = message
        if part is None:
            running.discard(stream)
        elif isinstance(part, BaseException):
            raise part
        elif isinstance(part, _Marshalled):
            yield stream, marshal.loads(part.data)
        elif isinstance(part, SheetEnd | CountsPiece) and isinstance(part.counts, _Marshalled):
            yield stream, replace(part, counts=marshal.loads(part.counts.data))
        else:
            yield stream, part  # type: ignore[misc]
