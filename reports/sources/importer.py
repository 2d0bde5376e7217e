"""Import export files into the store: every row checked, all files in one transaction.

A file with any invalid row imports nothing (unless ``skip_invalid``), and the error lists
every bad cell as ``file:row:column: problem (value)``. Into an empty table rows are written
as they are validated; otherwise through a staging table and one set-based upsert by id, counted
as added / replaced / unchanged by comparing the stored values. The daily counts change by the
counts of the rows added or changed minus those of the rows replaced, in the same transaction.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import logging
import marshal
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from multiprocessing.process import BaseProcess
from pathlib import Path
from queue import Empty
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from reports.core.domain import KINDS, Kind
from reports.core.errors import BaocaoError, FileFormatError, InvalidRowsError, RowProblem
from reports.core.files import atomic_output
from reports.core.safe_text import for_csv, has_bad, text_problem
from reports.figures.completeness import counts_coverage
from reports.sources import values as v
from reports.sources.limits import check_tree, lock_imports, text_rules
from reports.sources.mapping import Mapping, load_mapping
from reports.sources.readers import Sheet, read_csv, read_xlsx
from reports.store import rollup
from reports.store.schema import RECORD_TABLES, day_counts, imports

log = logging.getLogger(__name__)

_PARSERS: dict[str, Callable[[object], object]] = {
    "text": v.parse_text,
    "multiline": v.parse_text,
    "date": v.parse_date,
    "int": v.parse_positive_int,
    "bool": v.parse_bool,
    "field": lambda x: v.parse_field(str(x)),
    "petition_kind": lambda x: v.parse_petition_kind(str(x)),
}
_ORDER_CHECKS = {
    # kind: [(later column, earlier column, message)]
    "dossiers": [
        ("due_on", "received_on", "ngày hẹn trả trước ngày tiếp nhận"),
        ("returned_on", "received_on", "ngày trả kết quả trước ngày tiếp nhận"),
    ],
    "petitions": [("resolved_on", "received_on", "ngày xử lý trước ngày tiếp nhận")],
}


@dataclass(frozen=True)
class ImportResult:
    file: str
    kind: str
    sha256: str
    added: int
    replaced: int
    unchanged: int
    rejected: int = 0
    rejects_path: Path | None = None


@dataclass
class _Table:
    """One sheet's validated rows, ready to store."""

    file: str
    kind: Kind
    sha256: str
    total: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    """The first :data:`MAX_PROBLEMS` problems (a message lists no more)."""
    more_problems: int = 0
    """Problems found beyond those kept."""
    bad_rows: int = 0
    rejected: list[tuple[int, list[object], str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rejects_path: Path | None = None


def kind_from_name(path: Path) -> str | None:
    stem = path.stem.lower()
    for name in sorted(KINDS, key=len, reverse=True):
        if stem == name or stem.startswith((name + "-", name + "_", name + ".", name + " ")):
            return name
    return None


def _kind_error(file: str) -> FileFormatError:
    return FileFormatError(
        file,
        "không biết tệp chứa loại bản ghi nào",
        f"Đặt tên tệp theo loại (ví dụ dossiers.csv, dossiers-2020.xlsx) hoặc dùng --kind "
        f"({', '.join(KINDS)}).",
    )


def _sheets(
    path: Path, file: str, kind: str | None, encoding: str | None
) -> list[tuple[Kind, Sheet, str]]:
    """(kind, sheet, name used in messages) for each table the file holds."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        chosen = kind or kind_from_name(path)
        if not chosen:
            raise _kind_error(file)
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
            raise _kind_error(file)
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


class _Validator:
    """Checks the rows of one sheet, chunk by chunk; ids are remembered across chunks."""

    def __init__(self, kind: Kind, header: list[str], file: str, mapping: Mapping | None) -> None:
        positions: dict[str, int] = {}
        shown: dict[str, str] = {}
        for i, heading in enumerate(header):
            column = mapping.column_for(heading) if mapping else heading.strip()
            column = column.lower() if column.lower() in kind.column_names else column
            if column in kind.column_names and column in positions:
                raise FileFormatError(
                    file,
                    f"cột {column} có hai lần trong dòng tiêu đề (cột {positions[column] + 1} "
                    f"“{header[positions[column]].strip()}” và cột {i + 1} “{heading.strip()}”)",
                    "Xóa hoặc đổi tên một trong hai cột rồi nhập lại.",
                )
            if column in kind.column_names:
                positions[column] = i
                shown[column] = heading.strip() or column
        missing = [c.name for c in kind.columns if c.required and c.name not in positions]
        if missing:
            raise FileFormatError(
                file,
                f"thiếu cột bắt buộc: {', '.join(missing)} (loại {kind.name}); "
                f"các cột có trong tệp: {', '.join(h for h in header if h) or '(không có)'}",
                "Sửa dòng tiêu đề, hoặc dùng --mapping để ánh xạ tên cột của hệ thống xuất ra.",
            )
        self.kind = kind
        self.file = file
        self.shown = shown
        self.plan: _Plan = [
            (positions.get(c.name), c.name, c.type, c.required) for c in kind.columns
        ]
        self.texts = text_rules(kind)
        self.checks = [
            (kind.column_names.index(a), kind.column_names.index(b), msg)
            for a, b, msg in _ORDER_CHECKS.get(kind.name, [])
        ]
        self.value_map = mapping.value_for if mapping and mapping.values else None
        self.seen = _Seen()
        self.units: dict[object, object] = {}
        """One object per unit code: a code repeated on every row is sent and stored once."""

    def validate(
        self, numbers: list[int], rows: list[list[object]], table: _Table
    ) -> list[tuple[object, ...]]:
        """The valid records of ``rows`` (numbered ``numbers``); problems and rejected rows
        are added to ``table``."""
        fast = _validate_columns(
            numbers, rows, self.plan, self.texts, self.checks, self.value_map, self.seen, self.units
        )
        if fast is not None:
            return fast
        out: list[tuple[object, ...]] = []
        file, shown, seen = self.file, self.shown, self.seen
        for rownum, cells in zip(numbers, rows, strict=True):
            record: list[object] = []
            row_problems: list[RowProblem] = []
            for pos, name, type_, required in self.plan:
                parse, is_bool = _PARSERS[type_], type_ == "bool"
                raw = cells[pos] if pos is not None and pos < len(cells) else None
                if self.value_map is not None:
                    raw = self.value_map(name, raw)
                if raw is None or (isinstance(raw, str) and not raw.strip()):
                    if required:
                        row_problems.append(
                            RowProblem(
                                file, rownum, shown.get(name, name), "thiếu giá trị bắt buộc"
                            )
                        )
                    record.append(False if is_bool else None)
                    continue
                try:
                    parsed = parse(raw)
                    if isinstance(parsed, str) and (rule := self.texts.get(name)):
                        problem = text_problem(parsed, identifier=rule[0], limit=rule[1])
                        if problem:
                            raise v.BadValue(problem)
                    record.append(parsed)
                except v.BadValue as exc:
                    row_problems.append(
                        RowProblem(file, rownum, shown[name], str(exc), str(raw).strip())
                    )
                    record.append(None)
            if not row_problems:
                for later, earlier, msg in self.checks:
                    a, b = record[later], record[earlier]
                    if isinstance(a, date) and isinstance(b, date) and a < b:
                        name = self.kind.column_names[later]
                        row_problems.append(
                            RowProblem(file, rownum, shown[name], msg, a.isoformat())
                        )
                record_id = record[0]
                if record_id in seen:
                    row_problems.append(
                        RowProblem(
                            file,
                            rownum,
                            shown["id" if self.kind.name != "units" else "code"],
                            f"trùng mã với dòng {seen.first_row(record_id)}",
                            str(record_id),
                        )
                    )
                else:
                    seen.add(record_id, rownum)
            if row_problems:
                table.bad_rows += 1
                room = MAX_PROBLEMS - len(table.problems)
                table.problems.extend(row_problems[: max(room, 0)])
                table.more_problems += max(len(row_problems) - max(room, 0), 0)
                table.rejected.append(
                    (rownum, cells, "; ".join(f"{p.column}: {p.problem}" for p in row_problems))
                )
                continue
            out.append(tuple(record))
        return out


class _Slow(Exception):
    """The column-wise fast path met something only the row-wise path reports properly."""


_Plan = list[tuple[int | None, str, str, bool]]
"""(position in the sheet, column, type, required) of each column of the kind."""


class _Seen:
    """The ids of a sheet so far (duplicates are errors), and the rows they came from."""

    def __init__(self) -> None:
        self.ids: set[object] = set()
        self.rows: list[tuple[Sequence[object], Sequence[int]]] = []
        """(ids, row numbers) of each chunk, searched only to name a duplicate's first row."""

    def __contains__(self, record_id: object) -> bool:
        return record_id in self.ids

    def add(self, record_id: object, rownum: int) -> None:
        self.ids.add(record_id)
        self.rows.append(((record_id,), (rownum,)))

    def add_chunk(self, ids: Sequence[object], rownums: Sequence[int]) -> bool:
        """Add the ids of a chunk; False (and nothing added) if any is a duplicate."""
        chunk = set(ids)
        if len(chunk) != len(ids) or not self.ids.isdisjoint(chunk):
            return False
        self.ids |= chunk
        self.rows.append((ids, rownums))
        return True

    def first_row(self, record_id: object) -> int:
        for ids, rownums in self.rows:
            if record_id in ids:
                return rownums[list(ids).index(record_id)]
        raise KeyError(record_id)


_BOOL_WORDS: dict[object, bool] = {"": False, "0": False, "1": True, "x": True, "X": True}


def _parse_column(col: Sequence[object], type_: str, required: bool) -> list[object]:
    """The column's values, text cells going through cached parsers (an export repeats the
    same dates and words on thousands of rows). Dates of text cells come out as ISO text, as
    the stores keep them (the driver would otherwise format every ``date`` again)."""
    if type_ in ("text", "multiline"):
        out: list[object] = [
            (x.strip() or None) if x.__class__ is str else (None if x is None else v.parse_text(x))
            for x in col
        ]
    elif type_ == "bool":
        words, parse_bool = _BOOL_WORDS, v.parse_bool
        out = [
            words[x] if x in words else False if x is None else parse_bool(x)  # type: ignore[index]
            for x in col
        ]
    else:
        on_text = _TEXT_PARSERS[type_]
        parse = _iso_date if type_ == "date" else _PARSERS[type_]
        out = [
            None if x is None or x == "" else on_text(x) if x.__class__ is str else parse(x)
            for x in col
        ]
    if required and None in out:
        raise _Slow
    return out


def _iso_date(value: object) -> str:
    """An Excel date cell's day as ISO text, like the text cells' (one type per column)."""
    return v.parse_date(value).isoformat()


_TEXT_PARSERS: dict[str, Callable[[Any], object]] = {
    "date": v.parse_date_iso,
    "int": v.parse_positive_int,
    "field": v.parse_field,
    "petition_kind": v.parse_petition_kind,
}


def _sheet_columns(cells: list[list[object]], plan: _Plan) -> list[Sequence[object]]:
    """The cells of the planned columns, column by column (``None`` where a row is short)."""
    needed = max((pos for pos, *_ in plan if pos is not None), default=-1) + 1
    if cells and min(map(len, cells)) >= needed:
        transposed = list(zip(*cells, strict=False))  # in C; rows are at least ``needed`` long
        return [transposed[pos] if pos is not None else (None,) * len(cells) for pos, *_ in plan]
    return [
        [c[pos] if pos is not None and pos < len(c) else None for c in cells] for pos, *_ in plan
    ]


def _validate_columns(
    numbers: list[int],
    rows: list[list[object]],
    plan: _Plan,
    texts: dict[str, tuple[bool, int]],
    checks: list[tuple[int, int, str]],
    value_map: Callable[[str, object], object] | None,
    seen: _Seen,
    units: dict[object, object],
) -> list[tuple[object, ...]] | None:
    """Validate column by column (fast); ``None`` when any cell is bad, so that the row-wise
    path, which is the reference, reports every problem."""
    columns: list[list[object]] = []
    try:
        for col, (_, name, type_, required) in zip(_sheet_columns(rows, plan), plan, strict=True):
            if value_map is not None:
                col = [value_map(name, x) for x in col]
            parsed = _parse_column(col, type_, required)
            if (rule := texts.get(name)) is not None and has_bad(
                list(filter(None, parsed)),  # type: ignore[arg-type]  # text or None
                identifier=rule[0],
                limit=rule[1],
            ):
                return None
            if name == "unit":
                parsed = [units.setdefault(x, x) for x in parsed]
            columns.append(parsed)
    except (_Slow, v.BadValue):
        return None
    for later, earlier, _ in checks:
        pairs = zip(columns[later], columns[earlier], strict=True)
        # dates are ISO text here (text cells and Excel cells alike): they compare as days
        if any(a is not None and b is not None and a < b for a, b in pairs):  # type: ignore[operator]
            return None
    if not seen.add_chunk(columns[0], numbers):
        return None
    return list(zip(*columns, strict=True))


def _write_rejects(path: Path, table: _Table, sheet_name: str) -> Path:
    suffix = f".{sheet_name}" if sheet_name else ""
    target = path.with_name(f"{path.stem}{suffix}.rejected.csv")
    with atomic_output(target) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["dong", *table.header, "loi"])
        for rownum, cells, reason in table.rejected:
            # never a live formula when the file is opened in a spreadsheet (reports.core.safe_text)
            writer.writerow([rownum, *("" if c is None else for_csv(c) for c in cells), reason])
    return target


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Millions of small lists and tuples, no reference cycles: the cyclic collector would
    only rescan them again and again (it more than doubles the time of a large import)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_files(
    engine: Engine,
    paths: Sequence[Path],
    *,
    kind: str | None = None,
    mapping: Path | None = None,
    encoding: str | None = None,
    skip_invalid: bool = False,
    now: datetime | None = None,
    as_of: date | None = None,
) -> list[ImportResult]:
    """Import ``paths``; all of them or, if any row of any file is invalid, none.

    ``as_of``: the exports' cut-off day, recorded as the day their data covers (otherwise the
    latest day of their rows; the completeness gate reads it).
    """
    with _no_gc():
        return _import_files(engine, paths, kind, mapping, encoding, skip_invalid, now, as_of)


def check_sheets(
    paths: Sequence[Path],
    *,
    kind: str | None = None,
    mapping: Path | None = None,
    encoding: str | None = None,
) -> Iterator[_Table]:
    """Read and check every sheet exactly as :func:`import_files` would, storing nothing:
    each sheet's table (file, kind, rows read, problems), in the import's order."""
    job = _prepare(paths, kind, mapping, encoding, skip_invalid=False)
    for part in _validate(job):
        if isinstance(part, _SheetEnd):
            yield part.table


def _prepare(
    paths: Sequence[Path],
    kind: str | None,
    mapping: Path | None,
    encoding: str | None,
    skip_invalid: bool,
) -> _Job:
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
    return _Job(tuple(enumerate(paths)), kind, mapping_obj, encoding, skip_invalid)


def _import_files(
    engine: Engine,
    paths: Sequence[Path],
    kind: str | None,
    mapping: Path | None,
    encoding: str | None,
    skip_invalid: bool,
    now: datetime | None,
    as_of: date | None = None,
) -> list[ImportResult]:
    job = _prepare(paths, kind, mapping, encoding, skip_invalid)
    stamp = now or datetime.now(UTC)
    results: list[tuple[tuple[int, int], ImportResult]] = []
    bad: list[tuple[tuple[int, int], _Table]] = []
    pending: rollup.Counts = {}
    writers: dict[int, _Writer | None] = {}
    tree_changed = False
    # One transaction for every file: rows are written as they are validated, chunk by chunk,
    # and an invalid row anywhere rolls all of it back. Large imports are read and checked by
    # other processes while this one writes; the files' SHA-256 are taken by a thread (hashlib
    # lets go of the GIL) meanwhile.
    with (
        ThreadPoolExecutor(1, thread_name_prefix="sha256") as hasher,
        engine.begin() as conn,
        _validated(job) as parts,
    ):
        digests = [hasher.submit(_sha256, path) for path in paths]
        lock_imports(conn)
        counted_before = conn.execute(sa.select(day_counts.c.unit).limit(1)).first() is not None
        for stream, part in parts:
            if isinstance(part, _SheetStart):
                writers[stream] = None if bad else _Writer(conn, part.kind, pending)
            elif isinstance(part, list):
                if (writer := writers.get(stream)) is not None:
                    writer.add(part)
            else:
                table = part.table
                if table.problems and not skip_invalid:
                    bad.append((part.order, table))
                    writers.clear()  # nothing will be kept: stop writing
                    continue
                if skip_invalid and table.rejected:
                    table.rejects_path = _write_rejects(part.path, table, part.sheet_name)
                if bad or (writer := writers.get(stream)) is None:
                    continue
                table.sha256 = _digest(digests[part.order[0]], part.path)
                until, unit = counts_coverage(part.counts)
                counts = writer.finish(part.counts)
                covers = (as_of or until, unit)
                results.append((part.order, _record_import(conn, table, counts, stamp, covers)))
                tree_changed |= table.kind.name == "units" and counts[0] + counts[1] > 0
        if bad:
            tables = [t for _, t in sorted(bad, key=lambda b: b[0])]
            raise InvalidRowsError(
                ", ".join(t.file for t in tables),
                [p for t in tables for p in t.problems],
                sum(t.total for t in tables),
                more=sum(t.more_problems for t in tables),
                bad_rows=sum(t.bad_rows for t in tables),
            )
        # The counts pending are the units' own; they are spread to the units above them at
        # the end, under the final tree. Counts stored before, under another tree, are not:
        # then everything is recounted from the records (which hold this import's rows too).
        if tree_changed:
            check_tree(conn, ", ".join(r.file for _, r in results if r.kind == "units"))
        if tree_changed and counted_before:
            rollup.rebuild_scope(conn)
        else:
            if tree_changed:
                rollup.rescope(conn, pending)
            rollup.add_counts(conn, pending)
    return [r for _, r in sorted(results, key=lambda r: r[0])]


_CHUNK_ROWS = 10_000
MAX_PROBLEMS = 1_000
"""Problems listed at most per table; the rest are counted ("… và 1.999.899 lỗi khác")."""
_WORKER_BYTES = 32 << 20
"""Imports of more bytes than this are read and checked in other processes."""
_READERS = 2
"""Reading processes at most (files of one kind always go to the same one)."""
_IN_FLIGHT = 8
"""Chunks each reading process may be ahead of the writing one (bounds the memory)."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _digest(future: Future[str], path: Path) -> str:
    try:
        return future.result()
    except OSError as exc:
        raise FileFormatError(str(path), f"không đọc được tệp ({exc.strerror})") from exc


@dataclass(frozen=True)
class _Job:
    paths: tuple[tuple[int, Path], ...]
    """(position in the import, path) of the files to read."""
    kind: str | None
    mapping: Mapping | None
    encoding: str | None
    skip_invalid: bool


@dataclass(frozen=True)
class _SheetStart:
    kind: str


@dataclass(frozen=True)
class _SheetEnd:
    path: Path
    sheet_name: str
    """'' for a CSV, or for the only sheet of a workbook that is read."""
    order: tuple[int, int]
    """(file's position in the import, sheet's in the file): results keep this order."""
    table: _Table
    counts: rollup.Counts
    """The units' own counts of the valid rows, taken as they were read (the writer uses them
    when the rows went into an empty table, and otherwise counts only the rows that change)."""


_Part = _SheetStart | list[tuple[object, ...]] | _SheetEnd


@dataclass(frozen=True)
class _Marshalled:
    data: bytes


def _validate(job: _Job) -> Iterator[_Part]:
    """Read and check every sheet of the job: for each, its start, chunks of valid rows (none
    once a row is bad, unless ``skip_invalid``), and its end with the problems found."""
    for position, path in job.paths:
        file = str(path)
        for number, (kind, sheet, shown) in enumerate(_sheets(path, file, job.kind, job.encoding)):
            try:
                validator = _Validator(kind, sheet.header, shown, job.mapping)
                table = _Table(shown, kind, "", header=sheet.header)
                counts: rollup.Counts = {}
                counted = kind.name in rollup.COUNTED_KINDS
                yield _SheetStart(kind.name)
                for numbers, chunk in sheet.chunks(_CHUNK_ROWS):
                    table.total += len(chunk)
                    valid = validator.validate(numbers, chunk, table)
                    if table.problems and not job.skip_invalid:
                        table.rejected.clear()  # kept only to be written out with --skip-invalid
                        continue  # keep reading to report every bad row; nothing is written
                    if counted:
                        rollup.tally(kind.name, valid, counts)
                    yield valid
            finally:
                sheet.close()
            sheet_name = sheet.name if shown != file else ""
            yield _SheetEnd(path, sheet_name, (position, number), table, counts)


def _split(job: _Job, sizes: Sequence[int]) -> list[_Job]:
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
    groups: list[list[tuple[int, Path]]] = [[] for _ in range(min(_READERS, len(by_kind)))]
    loads = [0] * len(groups)
    for kind in sorted(by_kind, key=lambda k: -weight[k]):
        lightest = loads.index(min(loads))
        groups[lightest].extend(by_kind[kind])
        loads[lightest] += weight[kind]
    return [replace(job, paths=tuple(sorted(group))) for group in groups]


@contextlib.contextmanager
def _validated(job: _Job) -> Iterator[Iterator[tuple[int, _Part]]]:
    """(stream, part) of every sheet: from this process for a small import, else from
    reading processes, each a stream of its own."""
    sizes = [path.stat().st_size for _, path in job.paths]
    if sum(sizes) <= _WORKER_BYTES:
        yield ((0, part) for part in _validate(job))
        return
    context = multiprocessing.get_context("spawn")
    jobs = _split(job, sizes)
    queue: multiprocessing.Queue[object] = context.Queue(maxsize=_IN_FLIGHT * len(jobs))
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


def _validate_into(job: _Job, stream: int, queue: multiprocessing.Queue[object]) -> None:
    """A reading process: every part into ``queue``, then ``None``, or the error."""
    from reports.core.children import die_with_parent

    die_with_parent()
    gc.disable()  # as in import_files: millions of small objects, no cycles
    try:
        for part in _validate(job):
            sent: object = part
            if isinstance(part, list):
                # Rows of text, numbers and None: marshal is 7x faster than pickle at this.
                with contextlib.suppress(ValueError):  # a date object from the row-wise check
                    sent = _Marshalled(marshal.dumps(part))
            elif isinstance(part, _SheetEnd):
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
) -> Iterator[tuple[int, _Part]]:
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
        elif isinstance(part, _SheetEnd) and isinstance(part.counts, _Marshalled):
            yield stream, replace(part, counts=marshal.loads(part.counts.data))
        else:
            yield stream, part  # type: ignore[misc]


def _record_import(
    conn: Connection,
    table: _Table,
    counts: tuple[int, int, int],
    stamp: datetime,
    covers: tuple[date | None, str | None] = (None, None),
) -> ImportResult:
    added, replaced, unchanged = counts
    conn.execute(
        sa.insert(imports).values(
            file_name=table.file,
            sha256=table.sha256,
            kind=table.kind.name,
            rows_added=added,
            rows_replaced=replaced,
            rows_unchanged=unchanged,
            rows_rejected=len(table.rejected),
            imported_at=stamp,
            data_until=covers[0],
            unit=covers[1],
        )
    )
    log.info("imported %s (%s): +%d ~%d =%d", table.file, table.kind.name, *counts)
    return ImportResult(
        table.file,
        table.kind.name,
        table.sha256,
        added,
        replaced,
        unchanged,
        len(table.rejected),
        table.rejects_path,
    )


# --- the set-based upsert ----------------------------------------------------------------


def _copy_rows(
    conn: Connection, target: str, columns: list[str], rows: list[tuple[object, ...]]
) -> None:
    """Bulk-load rows: COPY on PostgreSQL, one executemany on SQLite."""
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {target} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join("?" for _ in columns)
    conn.connection.driver_connection.executemany(  # type: ignore[union-attr]
        f"INSERT INTO {target} ({', '.join(columns)}) VALUES ({placeholders})", rows
    )


class _Writer:
    """Writes one kind's validated rows, chunk by chunk, then settles the daily counts.

    Into an empty table rows go straight in, its secondary indexes built once at the end (a
    sort, not row-by-row updates), and the counts taken where they were read are used.
    Otherwise they go to a staging table and are upserted by id in one statement, rows
    compared column by column; only the rows that change are counted.
    """

    def __init__(self, conn: Connection, kind: str, counts: rollup.Counts) -> None:
        self.conn = conn
        self.kind = kind
        self.table = RECORD_TABLES[kind]
        self.columns = [c.name for c in self.table.columns]
        self.rows = 0
        self.counted = kind in rollup.COUNTED_KINDS
        self.counts = counts
        """The units' own counts of the rows written (bulk) or changed (upsert), shared by
        the import's writers and added to ``day_counts`` once, at the end of the import."""
        self.bulk = conn.exec_driver_sql(f"SELECT 1 FROM {kind} LIMIT 1").first() is None
        self.indexes = list(self.table.indexes) if self.bulk else []
        if self.bulk:
            self.target = kind
            for index in self.indexes:
                index.drop(conn)
            return
        self.target = f"stage_{kind}"
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"CREATE TEMP TABLE {self.target} (LIKE {kind}) ON COMMIT DROP")
        else:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{self.target}")
            conn.exec_driver_sql(
                f"CREATE TEMP TABLE {self.target} AS "
                f"SELECT {', '.join(self.columns)} FROM {kind} WHERE 0"
            )

    def add(self, rows: list[tuple[object, ...]]) -> None:
        if rows:
            _copy_rows(self.conn, self.target, self.columns, rows)
            self.rows += len(rows)

    def finish(self, counts: rollup.Counts) -> tuple[int, int, int]:
        """(added, replaced, unchanged), with the daily counts brought up to date; ``counts``
        are those of every row given, used when they all went into an empty table."""
        conn, kind, columns = self.conn, self.kind, self.columns
        key, col_list = columns[0], ", ".join(columns)
        if self.bulk:
            for index in self.indexes:
                index.create(conn)
            added, replaced, unchanged = self.rows, 0, 0
            rollup.merge(self.counts, counts)
        else:
            source = self.target
            same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM s.{c}" for c in columns[1:])
            differs = f"NOT ({same})"
            added, replaced, unchanged = (
                int(x or 0)
                for x in conn.exec_driver_sql(
                    f"SELECT SUM(CASE WHEN t.{key} IS NULL THEN 1 ELSE 0 END), "
                    f"SUM(CASE WHEN t.{key} IS NOT NULL AND {differs} THEN 1 ELSE 0 END), "
                    f"SUM(CASE WHEN t.{key} IS NOT NULL AND {same} THEN 1 ELSE 0 END) "
                    f"FROM {source} s LEFT JOIN {kind} t ON t.{key} = s.{key}"
                ).one()
            )
            if added + replaced == 0:
                conn.exec_driver_sql(f"DROP TABLE {source}")
                return added, replaced, unchanged
            if self.counted:
                # Counts change by the new rows' counts minus those of the rows they replace.
                join = f"FROM {source} s LEFT JOIN {kind} t ON t.{key} = s.{key}"
                self._tally(
                    f"SELECT {', '.join('s.' + c for c in columns)} {join} "
                    f"WHERE t.{key} IS NULL OR {differs}",
                    1,
                )
                if replaced:
                    self._tally(
                        f"SELECT {', '.join('t.' + c for c in columns)} {join} "
                        f"WHERE t.{key} IS NOT NULL AND {differs}",
                        -1,
                    )
            updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
            changed = " OR ".join(f"{kind}.{c} IS DISTINCT FROM excluded.{c}" for c in columns[1:])
            conn.exec_driver_sql(
                f"INSERT INTO {kind} ({col_list}) SELECT {col_list} FROM {source} WHERE true "
                f"ON CONFLICT ({key}) DO UPDATE SET {updates} WHERE {changed}"
            )
        if not self.counted and kind != "units" and "unit" in columns:
            codes = conn.exec_driver_sql(f"SELECT DISTINCT unit FROM {self.target}").scalars()
            rollup.ensure_units(conn, {u for u in codes if u})
        if not self.bulk:
            conn.exec_driver_sql(f"DROP TABLE {self.target}")
        return added, replaced, unchanged

    def _tally(self, sql: str, sign: int) -> None:
        result = self.conn.exec_driver_sql(sql)
        while part := result.fetchmany(_TALLY_ROWS):
            rollup.tally(self.kind, part, self.counts, sign)


_TALLY_ROWS = 50_000
