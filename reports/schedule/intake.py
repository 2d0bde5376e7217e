"""Data coming in: import the files, then let the runs held for that data go on.

The one thing ``baocao import`` and the page's "Nhập" button both do (issue 24: the doors
only parse the request and show the outcome).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from reports.accounts.audit import audit
from reports.forms.generate import import_warnings
from reports.produce import keep
from reports.produce.keep import StoredFile
from reports.schedule.held import retry_held
from reports.settings.load import Settings
from reports.sources.check import import_line, office_mappings
from reports.sources.importer import import_files
from reports.sources.write import ImportResult


@dataclass(frozen=True)
class Intake:
    """What an import did: one result per file, and one line per held run tried again."""

    results: list[ImportResult]
    held: list[str]
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Official forms whose identities the imported dossiers break (Biểu 06/VPCP/KSTT)."""
    """One line per file, as the page shows it (:func:`import_upload`)."""


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
    accept_unknown_units: bool = False,
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
        tz=settings.tz,  # a day after today in the office's zone is refused
        accept_unknown_units=accept_unknown_units,
    )
    warnings = (
        import_warnings(engine, settings) if any(r.kind == "dossiers" for r in results) else []
    )
    return Intake(results, retry_held(engine, settings), warnings=warnings)


def import_upload(
    engine: Engine,
    settings: Settings,
    stored: StoredFile,
    *,
    skip_invalid: bool,
    by: str,
    accept_unknown_units: bool = False,
) -> Intake:
    """Import a file uploaded on the page (kept by :mod:`reports.produce.keep`) with the kind
    and mapping chosen at upload, then go on with the held runs. Its rejected rows are kept
    beside it, what was imported is recorded on it and in the audit log; ``lines`` name the
    file as it was uploaded. A refused import raises, as :func:`import_and_go_on` does;
    ``accept_unknown_units`` imports unit codes missing from the units table and lists them."""
    meta = dict(stored.meta)
    mapping = office_mappings(settings.base_dir).get(meta.get("mapping", ""))
    intake = import_and_go_on(
        engine,
        settings,
        [stored.path],
        kind=meta.get("kind") or None,
        mapping=mapping,
        skip_invalid=skip_invalid,
        accept_unknown_units=accept_unknown_units,
    )
    lines = []
    for r in intake.results:
        if r.rejects_path is not None and r.rejects_path.is_file():
            keep.keep_file(
                engine,
                settings,
                r.rejects_path,
                keep.REJECTED,
                name=f"{Path(stored.name).stem}.rejected.csv",
                by=by,
                parent_id=stored.id,
            )
        lines.append(import_line(r, stored.name))
    meta["imported"] = lines
    meta.pop("unknown_units", None)
    keep.update_meta(engine, stored.id, meta)
    audit(engine, by, "import", "; ".join(lines))
    return Intake(intake.results, intake.held, lines, intake.warnings)
