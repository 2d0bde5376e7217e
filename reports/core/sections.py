"""The sections a person writes in a report ("Đánh giá chung", "Nhiệm vụ trọng tâm kỳ tới",
"Kiến nghị, đề xuất", or any the office's template declares), as data.

This is the seam between the stages that touch a draft: the core stores a draft's sections
with it and renders them in the document; the page edits and shows them; what is approved is
the document that holds them. Plain paragraphs and bullet lists only: nothing a person types
becomes markup.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

BULLET_MARKS = ("- ", "* ", "+ ", "• ")
"""How a line of a bullet list starts when a section is typed as text."""


@dataclass(frozen=True)
class Block:
    """A paragraph (``bullets`` empty) or a bullet list (``text`` empty)."""

    text: str = ""
    bullets: tuple[str, ...] = ()


@dataclass(frozen=True)
class WrittenSection:
    """One section a person writes: its key (``nhiem_vu``), its heading, its blocks."""

    key: str
    title: str
    blocks: tuple[Block, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing written: the section is left out of the document, never printed empty."""
        return not any(b.text.strip() or any(x.strip() for x in b.bullets) for b in self.blocks)

    def as_text(self) -> str:
        """The section as a person types it: paragraphs separated by a blank line, bullet
        lines starting with "- "."""
        parts = []
        for b in self.blocks:
            parts.append("\n".join(f"- {x}" for x in b.bullets) if b.bullets else b.text)
        return "\n\n".join(parts)


def blocks_from_text(text: str) -> tuple[Block, ...]:
    """Typed text → blocks: a blank line ends a paragraph; consecutive lines starting with a
    bullet mark (``- ``, ``* ``, ``• ``) are one list; other lines of a paragraph are joined."""
    blocks: list[Block] = []
    lines: list[str] = []
    bullets: list[str] = []

    def flush() -> None:
        if lines:
            blocks.append(Block(text=" ".join(lines)))
            lines.clear()
        if bullets:
            blocks.append(Block(bullets=tuple(bullets)))
            bullets.clear()

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
            continue
        mark = next((m for m in BULLET_MARKS if line.startswith(m)), None)
        if mark is not None:
            if lines:
                flush()
            bullets.append(line[len(mark) :].strip())
        else:
            if bullets:
                flush()
            lines.append(line)
    flush()
    return tuple(blocks)


def sections_to_json(sections: tuple[WrittenSection, ...]) -> str:
    """Stored with a draft: stable JSON (sorted keys), so equal sections give equal bytes."""
    return json.dumps(
        [
            {
                "key": s.key,
                "title": s.title,
                "blocks": [{"text": b.text, "bullets": list(b.bullets)} for b in s.blocks],
            }
            for s in sections
        ],
        ensure_ascii=False,
        sort_keys=True,
    )


def sections_from_json(data: str | None) -> tuple[WrittenSection, ...]:
    if not data:
        return ()
    return tuple(
        WrittenSection(
            str(s["key"]),
            str(s["title"]),
            tuple(
                Block(str(b.get("text", "")), tuple(str(x) for x in b.get("bullets", ())))
                for b in s.get("blocks", ())
            ),
        )
        for s in json.loads(data)
    )


def section_key(title: str) -> str:
    """A section's key from its heading, in ASCII: "Kiến nghị, đề xuất" → ``kien_nghi_de_xuat``."""
    plain = unicodedata.normalize("NFD", title.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_") or "phan"


def declared_sections(
    titles: tuple[str, ...], written: tuple[WrittenSection, ...] = ()
) -> tuple[WrittenSection, ...]:
    """The sections a report has: those declared (``report.written_sections``), in that order,
    each with what was written in it, then any other written section that is not empty (a
    template or settings changed since it was written: nothing a person wrote is dropped)."""
    by_key = {s.key: s for s in written}
    out = [
        WrittenSection(section_key(t), t, by_key.pop(section_key(t)).blocks)
        if section_key(t) in by_key
        else WrittenSection(section_key(t), t)
        for t in titles
    ]
    out += [s for s in by_key.values() if not s.empty]
    return tuple(out)


def sections_from_text_file(text: str) -> tuple[WrittenSection, ...]:
    """Sections as a person writes them in a text file (``baocao generate --sections FILE``):
    a line starting with ``#`` is a section's heading, the lines under it its paragraphs and
    bullet lists (:func:`blocks_from_text`). JSON as stored with a draft is read too."""
    if text.lstrip().startswith("["):
        return sections_from_json(text)
    sections: list[WrittenSection] = []
    title: str | None = None
    body: list[str] = []

    def flush() -> None:
        if title is not None:
            sections.append(
                WrittenSection(section_key(title), title, blocks_from_text("\n".join(body)))
            )

    for line in text.replace("\r\n", "\n").split("\n"):
        if line.lstrip().startswith("#"):
            flush()
            title, body = line.strip().lstrip("#").strip(), []
        else:
            body.append(line)
    flush()
    return tuple(sections)


def sections_as_text_file(sections: tuple[WrittenSection, ...]) -> str:
    """The inverse of :func:`sections_from_text_file`: ``# Heading`` then the section's text."""
    return "\n\n".join(f"# {s.title}\n\n{s.as_text()}".rstrip() for s in sections) + "\n"
