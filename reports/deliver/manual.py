"""``baocao generate --email``: the addresses given, checked. The send itself goes through
the run ledger like any run (:mod:`reports.runs.manual`)."""

from __future__ import annotations

from reports.core.errors import UsageError
from reports.deliver.addresses import is_address


def parse_recipients(text: str) -> list[str]:
    out = []
    for address in (a.strip() for a in text.replace(";", ",").split(",")):
        if not address:
            continue
        if not is_address(address):
            raise UsageError(f"--email: địa chỉ thư không hợp lệ {address!r}")
        out.append(address)
    if not out:
        raise UsageError("--email: cần ít nhất một địa chỉ")
    return out
