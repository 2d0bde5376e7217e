"""The workbook's detail sheets, written by a child process while this one does the rest.

A week at 10M records has ~80k detail rows: reading and writing them is a third of
``generate``, and needs nothing the figures, the Word report or the other sheets compute
(only the period, the unit and the units' names). On a machine with two cores they are
written by a forked child, on its own connection, while this process counts the figures and
fills the rest; the workbook then takes the spilled rows as they are (see
:func:`reports.render.xlsx.render_xlsx`).

Only where forking is safe (Linux, no other thread that could hold a lock) and more than one
core is there; anything that goes wrong in the child (an error, a kill) makes the caller
write the rows itself, as it does otherwise: the child only ever saves time.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import threading
from multiprocessing import get_context
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from reports.core.children import clean_stale, die_with_parent, temp_prefix
from reports.core.domain import RECORD_KINDS
from reports.core.model import RecordSheet
from reports.core.periods import ReportPeriod
from reports.figures import indicators
from reports.figures.unit_queries import list_units
from reports.settings.load import Settings

log = logging.getLogger(__name__)

RETURNED_LABEL = "hồ sơ trả kết quả trong kỳ"
CHILD_ENV = "BAOCAO_DETAILS_CHILD"
"""``0`` writes the detail sheets in the process itself (diagnosis, comparison)."""


def record_sheets(conn: Connection, period: ReportPeriod, unit: str | None) -> list[RecordSheet]:
    """The workbook's detail sheets, streamed from ``conn`` when read."""
    return [
        *(indicators.period_records(conn, k, period, unit) for k in RECORD_KINDS),
        # the dossiers behind "trả kết quả trong kỳ (đúng hạn / quá hạn)"
        indicators.period_records(
            conn, "dossiers", period, unit, by="returned_on", label=RETURNED_LABEL
        ),
    ]


def _fork_is_safe() -> bool:
    others = [
        t
        for t in threading.enumerate()
        if t is not threading.main_thread() and t.name != "die-with-parent"
    ]
    return sys.platform == "linux" and not others


class Details:
    """The child writing the detail sheets; call it for them (None: write them yourself),
    :meth:`close` it in every case."""

    def __init__(self, settings: Settings, period: ReportPeriod, unit: str | None) -> None:
        clean_stale()
        self.work = Path(tempfile.mkdtemp(prefix=temp_prefix("details")))
        receive, send = get_context("fork").Pipe(duplex=False)
        self.receive = receive
        self.process = get_context("fork").Process(
            target=_child,
            args=(send, settings, period, unit, self.work),
            name="baocao-details",
            daemon=True,
        )
        self.process.start()
        send.close()  # the child's end: EOF here when the child is gone

    def __call__(self) -> Any:
        """The child's :class:`~reports.render.xlsx_records.SpilledDetails`, or None."""
        try:
            result = self.receive.recv()
        except (EOFError, OSError):
            self.process.join(5)
            result = f"exit code {self.process.exitcode}"
        if isinstance(result, str):
            log.warning(
                "tiến trình con không viết được các trang chi tiết (%s): viết lại ở đây", result
            )
            return None
        return result

    def close(self) -> None:
        """Stop the child if it still runs and remove what it wrote. Never raises."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.receive.close()
        shutil.rmtree(self.work, ignore_errors=True)


def start_details(
    settings: Settings, period: ReportPeriod, unit: str | None, formats: tuple[str, ...]
) -> Details | None:
    """A child writing the detail sheets of ``unit``'s workbook for ``period``, when it helps
    and is safe (None: the workbook writes them itself)."""
    if "xlsx" not in formats or os.environ.get(CHILD_ENV, "").strip() == "0":
        return None
    if (os.cpu_count() or 1) < 2 or not _fork_is_safe():
        return None
    # imported before the fork: the workbook needs them here too, and a child importing them
    # again would spend ~0.1 s of the time it is meant to save
    import reports.render.xlsx  # noqa: F401
    from reports.store.db import open_store  # noqa: F401

    try:
        return Details(settings, period, unit)
    except OSError as exc:  # no process or pipe to be had: nothing lost
        log.warning("không khởi động được tiến trình con viết trang chi tiết (%s)", exc)
        return None


def _child(
    send: Pipe, settings: Settings, period: ReportPeriod, unit: str | None, work: Path
) -> None:
    """In the child: spill every detail sheet into ``work`` and send what the workbook needs,
    or a text saying why not."""
    die_with_parent()
    try:
        from openpyxl import Workbook

        from reports.render.xlsx_records import SpilledDetails, detail_styles, spill_records
        from reports.render.xlsx_stream import SharedStrings
        from reports.store.db import open_store

        engine = open_store(
            settings.database_url, migrate=False, busy_timeout_s=settings.database_busy_timeout_s
        )
        styles = detail_styles(Workbook(write_only=True))
        shared = SharedStrings()
        with engine.connect() as conn:
            names = {code: name for code, name, _ in list_units(conn, unit)}
            sheets = [
                spill_records(sheet, work / f"details-{n}.xml", styles, names, shared)
                for n, sheet in enumerate(record_sheets(conn, period, unit))
            ]
        engine.dispose()
        send.send(SpilledDetails(sheets, list(shared.numbers), styles))
    except BaseException as exc:  # noqa: BLE001 - told to the parent, which does the work
        send.send(f"{exc.__class__.__name__}: {exc}")
    finally:
        send.close()
