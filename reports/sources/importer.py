"""Import export files into the store: every row checked, all files in one transaction.

A file with any invalid row imports nothing (unless ``skip_invalid``), and the error lists
every bad cell as ``file:row:column: problem (value)``. Into an empty table rows are written
as they are validated; otherwise through a staging table and one set-based upsert by id, counted
as added / replaced / unchanged by comparing the stored values. The daily counts change by the
counts of the rows added or changed minus those of the rows replaced, in the same transaction.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import replace
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from reports.core import vi
from reports.core.errors import FileFormatError, InvalidRowsError, UsageError
from reports.core.files import sha256_file
from reports.sources.limits import check_tree, lock_imports
from reports.sources.plan import (
    CountsPiece,
    SheetEnd,
    SheetStart,
    prepare,
    read_in_parallel,
    read_sheets,
)
from reports.sources.plan import kind_from_name as kind_from_name
from reports.sources.split import ReadAgain
from reports.sources.unit_codes import refuse_unknown, unknown_units
from reports.sources.validate import SheetTable
from reports.sources.write import ImportResult, Writer, record_import, write_rejects
from reports.store import counts_file, rollup
from reports.store.schema import day_counts

log = logging.getLogger(__name__)

OFFICE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
"""The zone an import's --as-of is checked in when the caller gives none."""

__all__ = ["ImportResult", "check_sheets", "counts_coverage", "import_files", "kind_from_name"]


def counts_coverage(counts: dict[str, dict[str, list[int]]]) -> tuple[date | None, str | None]:
    """From an import's daily counts (unit → ISO day → …): its latest day, and its one unit
    when every row belongs to the same one."""
    return _Coverage().add(counts).result()


class _Coverage:
    """:func:`counts_coverage` of a sheet whose counts come in pieces."""

    def __init__(self) -> None:
        self.latest = ""
        self.units: set[str] = set()

    def add(self, counts: dict[str, dict[str, list[int]]]) -> _Coverage:
        self.latest = max((max(days) for days in counts.values() if days), default=self.latest)
        if len(self.units) < 2:
            self.units.update(counts)
        return self

    def result(self) -> tuple[date | None, str | None]:
        latest = date.fromisoformat(self.latest) if self.latest else None
        return latest, (next(iter(self.units)) or None) if len(self.units) == 1 else None


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
    tz: tzinfo = OFFICE_TZ,
    accept_unknown_units: bool = False,
) -> list[ImportResult]:
    """Import ``paths``; all of them or, if any row of any file is invalid, none.

    ``as_of``: the exports' cut-off day, recorded as the day their data covers (otherwise the
    latest day of their rows; the completeness gate reads it). A day after today in ``tz``
    (the office's zone) is refused: data cannot cover a day that has not come, and a period
    it seemed to complete would be sent before its end.
    """
    if as_of is not None:
        today = (now or datetime.now(UTC)).astimezone(tz).date()
        if as_of > today:
            raise UsageError(
                f"--as-of: ngày {vi.numeric_date(as_of)} chưa đến (hôm nay "
                f"{vi.numeric_date(today)}); số liệu không thể tính đến một ngày chưa đến. "
                "Ghi ngày chốt số liệu của tệp xuất, không muộn hơn hôm nay."
            )
    args = (engine, paths, kind, mapping, encoding, skip_invalid, now, as_of, accept_unknown_units)
    with _no_gc():
        try:
            return _import_files(*args)
        except ReadAgain as exc:
            # A big file read in parts had a problem, or a part did not end on a whole row:
            # nothing was kept (one transaction); read it whole, for one reader's exact answer.
            log.info("đọc lại, không chia tệp: %s", exc)
            return _import_files(*args, ranges=False)


def check_sheets(
    paths: Sequence[Path],
    *,
    kind: str | None = None,
    mapping: Path | None = None,
    encoding: str | None = None,
) -> Iterator[SheetTable]:
    """Read and check every sheet exactly as :func:`import_files` would, storing nothing:
    each sheet's table (file, kind, rows read, problems), in the import's order."""
    job = prepare(paths, kind, mapping, encoding, skip_invalid=False)
    for part in read_sheets(job):
        if isinstance(part, SheetEnd):
            yield part.table


def _import_files(
    engine: Engine,
    paths: Sequence[Path],
    kind: str | None,
    mapping: Path | None,
    encoding: str | None,
    skip_invalid: bool,
    now: datetime | None,
    as_of: date | None = None,
    accept_unknown_units: bool = False,
    *,
    ranges: bool = True,
) -> list[ImportResult]:
    job = prepare(paths, kind, mapping, encoding, skip_invalid)
    stamp = now or datetime.now(UTC)
    results: list[tuple[tuple[int, int], ImportResult]] = []
    bad: list[tuple[tuple[int, int], SheetTable]] = []
    pending: rollup.Counts = {}
    """The units' own counts not stored yet: all of them go in at the end."""
    stored: rollup.Counts = {}
    """The units' own counts stored while reading (rows into an empty table): only the units
    above them get theirs at the end, under the final tree."""
    covered: dict[tuple[int, int], _Coverage] = {}
    writers: dict[tuple[int, int], Writer | None] = {}
    """By sheet (its order): a big file read by several processes has one writer."""
    sheet_of: dict[int, tuple[int, int]] = {}
    """The sheet each stream is reading now."""
    parts_ended: dict[tuple[int, int], SheetEnd] = {}
    """The parts of a split sheet read so far, merged."""
    tree_changed = False
    written: list[tuple[tuple[int, int], SheetTable]] = []
    # One transaction for every file: rows are written as they are validated, chunk by chunk,
    # and an invalid row anywhere rolls all of it back. Large imports are read and checked by
    # other processes while this one writes; the files' SHA-256 are taken by a thread (hashlib
    # lets go of the GIL) meanwhile.
    attached: list[str] = []
    """Files of counts (reports.store.counts_file) attached to the transaction."""
    sqlite = engine.dialect.name == "sqlite"
    with (
        ThreadPoolExecutor(1, thread_name_prefix="sha256") as hasher,
        tempfile.TemporaryDirectory(prefix="baocao-counts-")
        if sqlite and job.counts_every
        else nullcontext() as tmp,
        engine.connect() as conn,
        counts_file.detached(conn, attached),
        conn.begin(),
        read_in_parallel(job, ranges=ranges, counts_dir=tmp) as parts,
    ):
        digests = [hasher.submit(sha256_file, path) for path in paths]
        lock_imports(conn)
        counted_before = conn.execute(sa.select(day_counts.c.unit).limit(1)).first() is not None
        for stream, part in parts:
            if isinstance(part, SheetStart):
                sheet_of[stream] = part.order
                if part.order not in writers:
                    writers[part.order] = None if bad else Writer(conn, part.kind, pending)
            elif isinstance(part, list):
                if (writer := writers.get(sheet_of[stream])) is not None:
                    writer.add(part)
            elif isinstance(part, CountsPiece):
                covered.setdefault(sheet_of[stream], _Coverage()).add(part.counts)
                if (writer := writers.get(sheet_of[stream])) is not None and writer.bulk:
                    # these rows went into an empty table: their counts are final already
                    rollup.add_own(conn, part.counts)
                    rollup.merge(stored, part.counts)
            else:
                if part.pieces > 1:
                    merged = _merge_part(parts_ended, part)
                    if merged is None:
                        continue  # other parts of this sheet are still being read
                    part = merged
                table = part.table
                if table.problems and not skip_invalid:
                    bad.append((part.order, table))
                    writers.clear()  # nothing will be kept: stop writing
                    continue
                if skip_invalid and table.rejected:
                    table.rejects_path = write_rejects(part.path, table, part.sheet_name)
                if bad or (writer := writers.get(part.order)) is None:
                    continue
                table.sha256 = _digest(digests[part.order[0]], part.path)
                until, unit = covered.pop(part.order, _Coverage()).add(part.counts).result()
                counts = writer.finish(_counts_taken(conn, writer, part, stored, attached))
                covers = (as_of or until, unit)
                results.append((part.order, record_import(conn, table, counts, stamp, covers)))
                written.append((part.order, table))
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
        if unknown := unknown_units(conn, [t for _, t in written]):
            if not accept_unknown_units:
                files = {p.file for p in unknown}
                raise refuse_unknown(unknown, sum(t.total for _, t in written if t.file in files))
            codes = {
                p.file: tuple(sorted({str(x.value) for x in unknown if x.file == p.file}))
                for p in unknown
            }
            results = [
                (order, replace(r, unknown_units=tuple(sorted(codes.get(r.file, ())))))
                for order, r in results
            ]
        # The counts pending are the units' own; they are spread to the units above them at
        # the end, under the final tree. Counts stored before, under another tree, are not:
        # then everything is recounted from the records (which hold this import's rows too).
        if tree_changed:
            check_tree(conn, ", ".join(r.file for _, r in results if r.kind == "units"))
        if tree_changed and counted_before:
            rollup.rebuild_scope(conn)
        else:
            if tree_changed:
                rollup.rescope(conn, [*pending, *stored])
            rollup.add_counts(conn, pending)
            rollup.add_above(conn, stored)
    return [r for _, r in sorted(results, key=lambda r: r[0])]


def _counts_taken(
    conn: Connection, writer: Writer, part: SheetEnd, stored: rollup.Counts, attached: list[str]
) -> rollup.Counts:
    """The counts of ``part`` left to ``writer``: none when they came in files and the rows
    went into an empty table (the files are added to the units' own rows now, in C, and the
    units above get theirs at the end), else all of them."""
    files = part.counts_files
    if not writer.bulk or not files or len(attached) + len(files) > counts_file.MAX_ATTACHED:
        return part.counts
    for path in files:
        attached.append(f"counts{len(attached)}")
        counts_file.add(conn, path, attached[-1])
    rollup.merge(stored, part.counts)
    return {}


def _merge_part(ended: dict[tuple[int, int], SheetEnd], part: SheetEnd) -> SheetEnd | None:
    """The whole sheet once its last part has ended, else None. Parts have no problems (one
    would have made the import read the file again whole): only totals and counts add up."""
    seen = ended.get(part.order)
    if seen is None:
        ended[part.order] = replace(part, pieces=part.pieces - 1)
        return None
    seen = replace(seen, counts_files=seen.counts_files + part.counts_files)
    seen.table.total += part.table.total
    rollup.merge(seen.counts, part.counts)
    for code, row in part.table.unit_rows.items():  # each code's first row in the file
        seen.table.unit_rows[code] = min(row, seen.table.unit_rows.get(code, row))
    if seen.pieces > 1:
        ended[part.order] = replace(seen, pieces=seen.pieces - 1)
        return None
    del ended[part.order]
    return replace(seen, pieces=1)


def _digest(future: Future[str], path: Path) -> str:
    try:
        return future.result()
    except OSError as exc:
        raise FileFormatError(str(path), f"không đọc được tệp ({exc.strerror})") from exc
