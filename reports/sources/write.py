"""Write an import's valid rows: straight into an empty table, else staged and upserted by id;
the import recorded; rejected rows written beside the file."""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reports.core.files import atomic_output
from reports.sources.validate import SheetTable
from reports.store import rollup
from reports.store.schema import RECORD_TABLES, imports

log = logging.getLogger(__name__)


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
    notes: tuple[str, ...] = ()
    """What else the import says: columns matched and ignored, lĩnh vực without a field."""
    unknown_units: tuple[str, ...] = ()
    """Unit codes not in the units table, imported with ``--accept-unknown-units``."""


def write_rejects(path: Path, table: SheetTable, sheet_name: str) -> Path:
    suffix = f".{sheet_name}" if sheet_name else ""
    target = path.with_name(f"{path.stem}{suffix}.rejected.csv")
    with atomic_output(target) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["dong", *table.header, "loi"])
        writer.writerows(table.rejected)  # rendered safe as spilled (reports.sources.rejects)
    table.rejected.release()  # the spill file; the count stays for the import log
    return target


def record_import(
    conn: Connection,
    table: SheetTable,
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
    log.info(
        "đã nhập %s (%s): thêm %d, thay %d, không đổi %d", table.file, table.kind.name, *counts
    )
    return ImportResult(
        table.file,
        table.kind.name,
        table.sha256,
        added,
        replaced,
        unchanged,
        len(table.rejected),
        table.rejects_path,
        _notes(table),
    )


def _notes(table: SheetTable) -> tuple[str, ...]:
    unknown = sorted(table.unmapped_fields)
    if not unknown:
        return tuple(table.notes)
    return (
        *table.notes,
        "lĩnh vực TTHC chưa có trong bảng lĩnh vực báo cáo (procedure_fields.toml), hồ sơ để "
        "trống lĩnh vực báo cáo: " + ", ".join(unknown),
    )


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


class Writer:
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
