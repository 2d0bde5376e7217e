"""Mail addresses as jobs, settings and the page take them."""

from __future__ import annotations

import re

_ADDRESS = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


def is_address(text: str) -> bool:
    """One plain address (``a@x.gov.vn``): no name, no list, no spaces."""
    return _ADDRESS.fullmatch(text) is not None
