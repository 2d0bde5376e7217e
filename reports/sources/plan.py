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
from reports.core.errors import BaocaoError, FileFormatError
from reports.sources.mapping import Mapping, load_mapping
from reports.sources.readers import Sheet, read_csv, read_xlsx
from reports.sources.unit_codes import first_unit_rows
from reports.sources.validate import SheetTable, Validator
from reports.store import rollup

CHUNK_ROWS = 10_000
WORKER_BYTES = 32 << 20
"""Imports of more bytes than this are read and checked in other processes."""
READERS = 2
"""Reading processes at most (files of one kind always go to the same one)."""
IN_FLIGHT = 8
"""Chunks each reading process may be ahead of the writing one (bounds the memory)."""


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
        f"Đặt tên tệp theo loại (ví dụ dossiers.csv, dossiers-2020.xlsx) hoặc dùng --kind "
        f"({', '.join(KINDS)}).",
    )


def sheets_of(
    path: Path, file: str, kind: str | None, encoding: str | None
) -> list[tuple[Kind, Sheet, str]]:
    """(kind, sheet, name used in messages) for each table the file holds."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        chosen = kind or kind_from_name(path)
        if not chosen:
            raise kind_error(file)
        sheet, _ = read_csv(path, file, encoding)
        return [(KINDS[chosen], sheet, file)]
    if suffix in (".xlsx", ".xlsm"):
        sheets = read_xlsx(path, file)
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
        if not chosen:
            raise kind_error(file)
        return [(KINDS[chosen], sheets[0], file)]
    if suffix == ".xls":
        raise FileFormatError(
            file,
            "định dạng .xls (Excel 97-2003) không được hỗ trợ",
            "Mở trong Excel và lưu lại dạng .xlsx.",
        )
    raise FileFormatError(
        file,
        f"không nhập được tệp {suffix or 'không có phần mở rộng'}",
        "Dùng tệp .csv hoặc .xlsx.",
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
    return ReadJob(tuple(enumerate(paths)), kind, mapping_obj, encoding, skip_invalid)


@dataclass(frozen=True)
class ReadJob:
    paths: tuple[tuple[int, Path], ...]
    """(position in the import, path) of the files to read."""
    kind: str | None
    mapping: Mapping | None
    encoding: str | None
    skip_invalid: bool


@dataclass(frozen=True)
class SheetStart:
    kind: str


@dataclass(frozen=True)
class SheetEnd:
    path: Path
    sheet_name: str
    """'' for a CSV, or for the only sheet of a workbook that is read."""
    order: tuple[int, int]
    """(file's position in the import, sheet's in the file): results keep this order."""
    table: SheetTable
    counts: rollup.Counts
    """The units' own counts of the valid rows, taken as they were read (the writer uses them
    when the rows went into an empty table, and otherwise counts only the rows that change)."""


Part = SheetStart | list[tuple[object, ...]] | SheetEnd


@dataclass(frozen=True)
class _Marshalled:
    data: bytes


def read_sheets(job: ReadJob) -> Iterator[Part]:
    """Read and check every sheet of the job: for each, its start, chunks of valid rows (none
    once a row is bad, unless ``skip_invalid``), and its end with the problems found."""
    for position, path in job.paths:
        file = str(path)
        for number, (kind, sheet, shown) in enumerate(
            sheets_of(path, file, job.kind, job.encoding)
        ):
            try:
                validator = Validator(kind, sheet.header, shown, job.mapping)
                table = SheetTable(shown, kind, "", header=sheet.header)
                counts: rollup.Counts = {}
                counted = kind.name in rollup.COUNTED_KINDS
                yield SheetStart(kind.name)
                for numbers, chunk in sheet.chunks(CHUNK_ROWS):
                    table.total += len(chunk)
                    valid = validator.validate(numbers, chunk, table)
                    if table.problems and not job.skip_invalid:
                        table.rejected.clear()  # kept only to be written out with --skip-invalid
                        continue  # keep reading to report every bad row; nothing is written
                    if counted:
                        rollup.tally(kind.name, valid, counts)
                    first_unit_rows(kind, numbers, valid, table)
                    yield valid
            finally:
                sheet.close()
            sheet_name = sheet.name if shown != file else ""
            yield SheetEnd(path, sheet_name, (position, number), table, counts)


def _split(job: ReadJob, sizes: Sequence[int]) -> list[ReadJob]:
    """The job shared among reading processes by kind, so that no two of them ever write the
    same table, balanced by bytes (``sizes``: each file's). A workbook, or a file whose kind
    its name does not say, may hold any kind: then one process reads everything."""
    by_kind: dict[str, list[tuple[int, Path]]] = {}
    weight: dict[str, int] = {}
    for (position, path), size in zip(job.paths, sizes, strict=True):
        kind = job.kind or kind_from_name(path)
        if path.suffix.lower() not in (".csv", ".txt") or kind is None:
            return [job]
        by_kind.setdefault(kind, []).append((position, path))
        weight[kind] = weight.get(kind, 0) + size
    groups: list[list[tuple[int, Path]]] = [[] for _ in range(min(READERS, len(by_kind)))]
    loads = [0] * len(groups)
    for kind in sorted(by_kind, key=lambda k: -weight[k]):
        lightest = loads.index(min(loads))
        groups[lightest].extend(by_kind[kind])
        loads[lightest] += weight[kind]
    return [replace(job, paths=tuple(sorted(group))) for group in groups]


@contextlib.contextmanager
def read_in_parallel(job: ReadJob) -> Iterator[Iterator[tuple[int, Part]]]:
    """(stream, part) of every sheet: from this process for a small import, else from
    reading processes, each a stream of its own."""
    sizes = [path.stat().st_size for _, path in job.paths]
    if sum(sizes) <= WORKER_BYTES:
        yield ((0, part) for part in read_sheets(job))
        return
    context = multiprocessing.get_context("spawn")
    jobs = _split(job, sizes)
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
            elif isinstance(part, SheetEnd):
                # the counts travel marshalled too; _received restores them
                sent = replace(part, counts=_Marshalled(marshal.dumps(part.counts)))  # type: ignore[arg-type]
            queue.put((stream, sent))
        queue.put((stream, None))
    except BaocaoError as exc:
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
        elif isinstance(part, SheetEnd) and isinstance(part.counts, _Marshalled):
            yield stream, replace(part, counts=marshal.loads(part.counts.data))
        else:
            yield stream, part  # type: ignore[misc]
