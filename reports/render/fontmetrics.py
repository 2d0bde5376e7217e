"""Text widths in Times New Roman's metrics, to size ND30's rules by the text above them.

Liberation Serif 2.x has Times New Roman's advance widths and covers Vietnamese. The widths are
those of the table shipped beside this module (made from Liberation Serif 2.1.5 by
``python -m reports.render.fontmetrics``): every 2.x release keeps Times New Roman's metrics (it
is what "metric-compatible" means), and reading the installed font with fontTools cost ~0.1 s
of every ``generate`` (the import and the font). A machine without the table (a damaged
install) reads the installed font.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from functools import lru_cache
from pathlib import Path

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/local/share/fonts"),
)
FILES = {False: "LiberationSerif-Regular.ttf", True: "LiberationSerif-Bold.ttf"}
TABLE = Path(__file__).with_name("liberation_serif_widths.json")
_VIETNAMESE = "ĂăÂâĐđÊêÔôƠơƯưĨĩŨũ" + "".join(chr(c) for c in range(0x1EA0, 0x1EFA))
CHARACTERS = "".join(chr(c) for c in range(0x20, 0x7F)) + "".join(
    chr(c) for c in range(0xA0, 0x100)
)
CHARACTERS += "".join(sorted(set(_VIETNAMESE) - set(CHARACTERS)))


def font_widths(path: Path) -> dict[str, float] | None:
    """Advance widths (in em) of CHARACTERS in the font at ``path``; None if it lacks one."""
    from fontTools.ttLib import TTFont

    try:
        with TTFont(str(path)) as font:
            cmap = font.getBestCmap() or {}
            units = font["head"].unitsPerEm
            advances = {g: a for g, (a, _) in font["hmtx"].metrics.items()}
    except Exception:  # an unreadable font is as good as none
        return None
    widths: dict[str, float] = {}
    for char in CHARACTERS:
        glyph = cmap.get(ord(char))
        if glyph is None:  # e.g. Liberation 1.07, which has no ơ/ư: not Vietnamese-ready
            return None
        widths[char] = advances[glyph] / units
    return widths


@lru_cache(maxsize=2)
def widths(bold: bool) -> dict[str, float]:
    """Per-character advance widths in em: the shipped table, else the installed font."""
    if TABLE.exists():
        table: dict[str, dict[str, float]] = json.loads(TABLE.read_text(encoding="utf-8"))
        return table["bold" if bold else "regular"]
    for folder in FONT_DIRS:
        path = folder / FILES[bold]
        if path.exists():
            found = font_widths(path)
            if found is not None:
                return found
    raise FileNotFoundError(f"{TABLE} (and no Liberation Serif 2 installed)")


def text_width_pt(text: str, size_pt: float, *, bold: bool = False) -> float:
    """The width of ``text`` on one line at ``size_pt``, in points (marks add nothing)."""
    table = widths(bold)
    fallback = table["n"]  # a letter of average width for characters outside the table
    total = 0.0
    for char in unicodedata.normalize("NFC", text):
        if unicodedata.combining(char):
            continue
        total += table.get(char, fallback)
    return total * size_pt


def write_table(target: Path = TABLE) -> None:
    """Write the fallback table from the installed Liberation Serif 2."""
    table = {}
    for bold, key in ((False, "regular"), (True, "bold")):
        found = None
        for folder in FONT_DIRS:
            if (folder / FILES[bold]).exists():
                found = font_widths(folder / FILES[bold])
                if found is not None:
                    break
        if found is None:
            raise SystemExit("Liberation Serif 2 not found: apt-get install fonts-liberation2")
        table[key] = {c: round(w, 5) for c, w in found.items()}
    target.write_text(json.dumps(table, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_table(Path(sys.argv[1]) if len(sys.argv) > 1 else TABLE)
