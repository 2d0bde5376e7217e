"""Check export files without storing anything: the validation report a user reads first.

The same reading and the same row checks as :func:`reports.sources.importer.import_files`
(it is the importer's own reading stage, run without its writer), so a file that passes here
imports, and every problem listed here is one the import would refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reports.core import vi
from reports.core.errors import DataImportError, FileFormatError, RowProblem
from reports.sources import importer
from reports.sources.importer import ImportResult


@dataclass(frozen=True)
class SheetCheck:
    file: str
    """The name the user knows the file by (and ``[sheet]`` for one sheet of several)."""
    kind: str
    rows: int
    problems: tuple[RowProblem, ...]

    @property
    def bad_rows(self) -> int:
        return len({p.row for p in self.problems})


def check_files(
    paths: Sequence[Path],
    *,
    names: Sequence[str] | None = None,
    kind: str | None = None,
    mapping: Path | None = None,
    encoding: str | None = None,
) -> list[SheetCheck]:
    """Every sheet of ``paths``, checked row by row; nothing is written anywhere.

    ``names`` are the names shown in the report instead of the paths (an upload is stored
    under a generated name). A file that cannot be read at all raises
    :class:`~reports.core.errors.FileFormatError`, as the import would.
    """
    shown = {str(p): n for p, n in zip(paths, names or [str(p) for p in paths], strict=True)}
    out: list[SheetCheck] = []
    try:
        for table in importer.check_sheets(paths, kind=kind, mapping=mapping, encoding=encoding):
            out.append(
                SheetCheck(
                    _rename(table.file, shown),
                    table.kind.name,
                    table.total,
                    tuple(replace(p, file=_rename(p.file, shown)) for p in table.problems),
                )
            )
    except FileFormatError as exc:
        renamed = FileFormatError(_rename(exc.file, shown), exc.problem, exc.hint)
        if exc.step is not None:
            renamed.leads_to(exc.step, **exc.step_args)
        raise renamed from exc
    return out


def _rename(file: str, shown: dict[str, str]) -> str:
    for path, name in shown.items():
        if file.startswith(path):
            return name + file[len(path) :]
    return file


def office_mappings(base_dir: Path) -> dict[str, Path]:
    """The office's mapping files (``mappings/*.toml`` beside the settings, else the project's),
    by file name."""
    from reports.settings.load import PROJECT_ROOT

    for folder in (base_dir / "mappings", PROJECT_ROOT / "mappings"):
        if folder.is_dir():
            return {p.name: p for p in sorted(folder.glob("*.toml"))}
    return {}


def check_report(
    path: Path,
    name: str,
    *,
    kind: str | None,
    mapping: Path | None,
    max_shown: int = 500,
) -> dict[str, Any]:
    """:func:`check_files` of one file as plain data to keep beside it (JSON): each sheet's
    rows, bad rows and its first ``max_shown`` problems, or the error that stops reading it."""
    try:
        sheets = check_files([path], names=[name], kind=kind, mapping=mapping)
    except DataImportError as exc:
        # door-neutral, its next step named for the page to word (reports.web.steps)
        step = {"error_step": str(exc.step), "error_args": dict(exc.step_args)} if exc.step else {}
        return {"error": str(exc), **step, "sheets": []}
    return {
        "error": "",
        "sheets": [
            {
                "file": s.file,
                "kind": s.kind,
                "rows": s.rows,
                "bad_rows": s.bad_rows,
                "problems": len(s.problems),
                "shown": [
                    {"row": p.row, "column": p.column, "problem": p.problem, "value": p.value or ""}
                    for p in s.problems[:max_shown]
                ],
            }
            for s in sheets
        ],
    }


def import_line(result: ImportResult, name: str | None = None) -> str:
    """What one import did, as ``baocao import`` prints it; ``name`` shown instead of the path
    (an upload), and then without the path of the rejected rows (the page links to them)."""
    line = (
        f"{name or result.file} ({result.kind}): thêm {vi.number(result.added)}, "
        f"thay {vi.number(result.replaced)}, không đổi {vi.number(result.unchanged)}"
    )
    if result.rejected:
        line += f", loại {vi.number(result.rejected)}"
        if name is None:
            line += f" (xem {result.rejects_path})"
    if result.unknown_units:
        line += f"; mã đơn vị không có trong bảng units: {', '.join(result.unknown_units)}"
    return line
