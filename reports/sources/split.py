"""One big CSV file read by several processes: byte ranges that end on whole rows, each proved.

Seeking to an offset and skipping to the next line break is wrong when the break is inside a
quoted cell (a CSV cell may hold line breaks). The ranges here end at a line break before which
the count of quote characters is even (a quick byte scan), and each reading process then
*proves* that its range ended on a whole row: it reads a sentinel line after its range, and the
range is good only if the sentinel comes back as a row of its own (inside an open quote it would
be swallowed into the last cell). The first range starts at the file's start, so good ranges
are whole rows, one after the other. A quote inside an unquoted cell (``ống 5" inox``) can fool
the byte scan, never the proof: a range that fails makes the import read the file again in one
process (:class:`ReadAgain`).

Row numbers stay the file's own: each range knows how many lines come before it.
"""

from __future__ import annotations

import codecs
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SENTINEL = "\ufffebaocao-range-end\ufffe"
_BLOCK = 8 << 20
_SPLITTABLE = {"utf-8", "cp1258"}
"""Encodings in which the bytes of '"' and a line break never occur inside a character."""


class ReadAgain(Exception):
    """A split file was not read as whole rows, or had problems: read it in one process, so that
    everything (rows, problems, their row numbers) is exactly what one reader gives."""


@dataclass(frozen=True)
class Span:
    """Bytes ``[start, end)`` of a file (``end`` None: to its end), after ``lines_before``
    physical lines, read with ``encoding``."""

    index: int
    count: int
    start: int
    end: int | None
    lines_before: int
    encoding: str
    """This range's (``utf-8`` for the ranges after the first of a file with a BOM)."""
    file_encoding: str

    @property
    def last(self) -> bool:
        return self.end is None


def spans(path: Path, parts: int, encoding: str) -> list[Span] | None:
    """``parts`` ranges of about equal size, each ending after a line break with an even count
    of quotes before it; None when the file cannot be split (encoding, no such breaks)."""
    codec = codecs.lookup(encoding).name
    if parts < 2 or codec not in _SPLITTABLE and codec != "utf-8-sig":
        return None
    size = path.stat().st_size
    targets = [size * k // parts for k in range(1, parts)]
    cuts: list[tuple[int, int]] = []  # (offset after the line break, lines before it)
    quotes = lines = 0
    offset = 0
    with path.open("rb") as fh:
        while targets and (block := fh.read(_BLOCK)):
            pos = 0
            while targets:
                if offset + len(block) <= targets[0]:
                    break
                start = max(targets[0] - offset, pos)
                # quotes and lines up to ``start``, then the first even break at/after it
                quotes += block.count(b'"', pos, start)
                lines += block.count(b"\n", pos, start)
                pos = start
                found = False
                while (nl := block.find(b"\n", pos)) != -1:
                    quotes += block.count(b'"', pos, nl)
                    lines += 1
                    pos = nl + 1
                    if quotes % 2 == 0:
                        found = True
                        break
                if not found:
                    break  # the rest of this block has none: keep looking in the next one
                cuts.append((offset + pos, lines))
                targets.pop(0)
            quotes += block.count(b'"', pos)
            lines += block.count(b"\n", pos)
            offset += len(block)
    cuts = [c for c in cuts if c[0] < size]
    if not cuts:
        return None
    piece_codec = "utf-8" if codec == "utf-8-sig" else encoding  # the BOM is at 0 only
    starts = [(0, 0, encoding), *((o, n, piece_codec) for o, n in cuts)]
    ends: list[int | None] = [o for o, _ in cuts]
    ends.append(None)
    return [
        Span(k, len(starts), start, end, before, enc, encoding)
        for k, ((start, before, enc), end) in enumerate(zip(starts, ends, strict=True))
    ]


class _Range(io.RawIOBase):
    def __init__(self, path: Path, start: int, end: int | None) -> None:
        self.fh = path.open("rb")
        self.fh.seek(start)
        self.left = None if end is None else end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        want = len(buffer) if self.left is None else min(len(buffer), self.left)
        if want <= 0:
            return 0
        n = self.fh.readinto(buffer[:want])
        if self.left is not None:
            self.left -= n
        return n

    def close(self) -> None:
        self.fh.close()
        super().close()


def open_range(path: Path, span: Span) -> io.TextIOWrapper:
    """The text of ``span`` (universal line ends left as they are, as csv wants)."""
    raw = io.BufferedReader(_Range(path, span.start, span.end), 1 << 20)
    return io.TextIOWrapper(raw, encoding=span.encoding, newline="")


def with_sentinel(lines: Iterator[str], span: Span) -> Iterator[str]:
    """The range's lines, then the sentinel line unless the range ends the file (chained in
    C: no Python frame per line)."""
    return itertools.chain(lines, () if span.last else (SENTINEL + "\n",))
