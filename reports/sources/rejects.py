"""Rows refused by an import with ``--skip-invalid``, spilled to a temporary file as they are
found (2M bad rows held in memory took 3 GB), then written beside the file as
``<file>.rejected.csv``. The spill crosses from a reading process to the writing one by its
path (it pickles without its open handle)."""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from reports.core.safe_text import for_csv


class RejectedRows:
    """Append-only rows ``[row number, cells…, reason]``, on disk; ``len`` counts them."""

    def __init__(self) -> None:
        self.path: str | None = None
        self.count = 0
        self.recent: list[int] = []
        """Row numbers appended since :meth:`take_recent` (a chunk's, not the whole file's)."""
        self._fh: IO[str] | None = None
        self._writer: Any = None

    def append(self, row: tuple[int, list[object], str]) -> None:
        rownum, cells, reason = row
        if self._writer is None:
            if self.path is None:
                fd, self.path = tempfile.mkstemp(prefix="baocao-rejected-", suffix=".csv")
                self._fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
            else:
                self._fh = open(self.path, "a", encoding="utf-8", newline="")  # noqa: SIM115
            self._writer = csv.writer(self._fh)
        # never a live formula when the file is opened in a spreadsheet (reports.core.safe_text)
        self._writer.writerow([rownum, *("" if c is None else for_csv(c) for c in cells), reason])
        self.count += 1
        self.recent.append(rownum)

    def take_recent(self) -> list[int]:
        """The row numbers rejected since the last call, forgotten here."""
        taken, self.recent = self.recent, []
        return taken

    def _close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        self._fh = self._writer = None

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __iter__(self) -> Iterator[list[str]]:
        self._close()
        if self.path is None:
            return
        with open(self.path, encoding="utf-8", newline="") as fh:
            yield from csv.reader(fh)

    def release(self) -> None:
        """Delete the spill file (its rows were written out); the count stays."""
        self._close()
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
        self.path = None

    def clear(self) -> None:
        self.release()
        self.count = 0
        self.recent = []

    def __getstate__(self) -> dict[str, Any]:
        self._close()
        return {"path": self.path, "count": self.count}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.path, self.count = state["path"], state["count"]
        self.recent = []
        self._fh = self._writer = None

    def __del__(self) -> None:
        self._close()
