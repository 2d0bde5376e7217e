"""What the command line prints is shown, never obeyed: terminal escapes made visible."""

from __future__ import annotations

import re

_TERMINAL = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)?|[\x00-\x08\x0b-\x1f\x7f\x9b]"
)


def for_terminal(text: str) -> str:
    """``text`` with terminal escape sequences and control characters shown, not obeyed."""
    if not _TERMINAL.search(text):
        return text
    return _TERMINAL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
