"""A long period's section I and II: summarised from the data, not listed (issue 19).

A week's report names every highlighted directive of a field; a month has thousands. So for a
month, a quarter, a half-year and a year each field's line says what was issued, counted by
kind of document (the kind is in the ký hiệu, :mod:`reports.core.doc_kinds`), then the few most
significant items (highlighted ones first, then by kind of document, then by date), at most a
number per kind of period (``[summary]``). No sentence twice, every sentence starts with a
capital. Section II keeps its items in date order, at most ``[summary] highlights_<kind>``;
the rest are in the workbook. Pure: no I/O.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

from reports.core import vi
from reports.core.doc_kinds import document_kind, kind_order
from reports.core.domain import FIELDS
from reports.core.model import Directive, FieldLine, Highlight

OTHER_KIND = "văn bản khác"
"""Directives without a ký hiệu."""


def capitalised(text: str) -> str:
    """The sentence with its first letter in upper case ("chỉ đạo …" → "Chỉ đạo …")."""
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1 :]
    return text


def sentence(text: str) -> str:
    """One sentence: spaces collapsed, a capital first, a full stop last."""
    text = capitalised(" ".join(text.split()))
    if text and text[-1] not in ".!?…":
        text = text.rstrip(":;,") + "."
    return text


def sentence_key(text: str) -> str:
    """Two sentences are the same when they differ only in case, spaces, accents' encoding
    or the final stop."""
    text = unicodedata.normalize("NFC", " ".join(text.split())).casefold()
    return text.rstrip(".!?…;:, ")


def unique_sentences(texts: Iterable[str], seen: set[str] | None = None) -> list[str]:
    """The texts as sentences, each once (``seen`` is shared across a document's lines)."""
    seen = set() if seen is None else seen
    out = []
    for text in texts:
        if not text.strip():
            continue
        key = sentence_key(text)
        if key in seen:
            continue
        seen.add(key)
        out.append(sentence(text))
    return out


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} và {parts[-1]}"


def kind_counts(directives: Iterable[Directive]) -> list[tuple[str, int]]:
    """(kind of document, count) in the order of Nghị định 30's list, công văn and unknown last."""
    counts = Counter(document_kind(d.number) or OTHER_KIND for d in directives)
    return sorted(counts.items(), key=lambda kv: (kind_order(kv[0]), kv[0]))


def counts_sentence(directives: Sequence[Directive]) -> str:
    """ "Ban hành 45 quyết định, 12 kế hoạch và 700 công văn."""
    parts = [f"{vi.number(n)} {kind}" for kind, n in kind_counts(directives)]
    return f"Ban hành {_join(parts)}." if parts else ""


def _significance(d: Directive) -> tuple[bool, int, object, str]:
    return (not d.highlight, kind_order(document_kind(d.number) or OTHER_KIND), d.approved_on, d.id)


def summary_lines(directives: Iterable[Directive], limit: int) -> tuple[FieldLine, ...]:
    """Per field (the bulletin's order), its counts by kind, then at most ``limit`` of its
    most significant directives, each a sentence said once in the whole section."""
    by_field: dict[str, list[Directive]] = {code: [] for code in FIELDS}
    for d in directives:
        if d.field in by_field:
            by_field[d.field].append(d)
    seen: set[str] = set()
    lines = []
    for code, items in by_field.items():
        if not items:
            continue
        chosen: list[str] = []
        for d in sorted(items, key=_significance):
            if len(chosen) >= limit:
                break
            chosen += unique_sentences([d.summary], seen)
        text = " ".join([counts_sentence(items), *chosen])
        lines.append(FieldLine(code, FIELDS[code], text, len(items)))
    return tuple(lines)


def _spread(items: Sequence[Highlight], n: int) -> list[Highlight]:
    """``n`` of ``items`` (in date order) spread evenly over the period, not its first weeks."""
    if n >= len(items):
        return list(items)
    if n <= 0:
        return []
    step = len(items) / n
    return [items[int(i * step + step / 2)] for i in range(n)]


def limited_highlights(items: Iterable[Highlight], limit: int) -> tuple[Highlight, ...]:
    """Section II of a long period: at most ``limit`` highlights, printed in date order.

    The best placed first (``position`` 1 of each week before position 2, those without one
    last), and within a place spread over the whole period rather than its first weeks; a
    headline said twice is kept once."""
    seen: set[str] = set()
    levels: dict[int | None, list[Highlight]] = {}
    for h in sorted(items, key=lambda h: (h.date, h.id)):
        key = sentence_key(h.title)
        if key not in seen:
            seen.add(key)
            levels.setdefault(h.position, []).append(h)
    chosen: list[Highlight] = []
    for position in sorted(levels, key=lambda p: (p is None, p or 0)):
        chosen += _spread(levels[position], limit - len(chosen))
    said: set[str] = set()
    out = []
    for h in sorted(chosen, key=lambda h: (h.date, h.id)):
        # a paragraph an earlier item already said (the usual closing lines) is said once
        paragraphs = []
        for p in h.paragraphs:
            if (key := sentence_key(p)) not in said:
                said.add(key)
                paragraphs.append(p)
        out.append(replace(h, paragraphs=tuple(paragraphs)))
    return tuple(out)
