"""Data coming in: import the files, then let the runs held for that data go on.

The one thing ``baocao import`` and the page's "Nhập" button both do (issue 24: the doors
only parse the request and show the outcome).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from reports.schedule.held import retry_held
from reports.settings.load import Settings
from reports.sources.importer import import_files
from reports.sources.write import ImportResult


@dataclass(frozen=True)
class Intake:
    """What an import did: one result per file, and one line per held run tried again."""

    results: list[ImportResult]
    held: list[str]


def import_and_go_on(
    engine: Engine,
    settings: Settings,
    paths: Sequence[Path],
    *,
    kind: str | None = None,
    mapping: Path | None = None,
    encoding: str | None = None,
    skip_invalid: bool = False,
    as_of: date | None = None,
) -> Intake:
    """Import ``paths`` (all or nothing, see :func:`~reports.sources.importer.import_files`),
    then try the held runs again: those whose data is now complete are sent."""
    results = import_files(
        engine,
        paths,
        kind=kind,
        mapping=mapping,
        encoding=encoding,
        skip_invalid=skip_invalid,
        as_of=as_of,
    )
    return Intake(results, retry_held(engine, settings))
