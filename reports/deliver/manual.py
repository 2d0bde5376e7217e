"""``baocao generate --email``: send the files just written, now, to the addresses given.

A manual send is an explicit request made by a person, so it is not deduplicated by the run
ledger: each call sends once to each address (scheduled jobs are the exactly-once path).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reports.core.errors import DeliveryError, UsageError
from reports.core.model import Report
from reports.deliver import mail
from reports.deliver.addresses import is_address
from reports.settings.load import Settings


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


def send_now(
    settings: Settings, report: Report, files: Sequence[Path], recipients: str
) -> list[str]:
    """Mail ``files`` (just written for ``report``) to each recipient; one status line each."""
    addresses = parse_recipients(recipients)
    lines, failed = [], []
    for address in addresses:
        msg = mail.build_message(
            settings,
            recipient=address,
            period=report.period,
            figures=report.figures.current,
            previous=report.figures.previous,
            files=files,
        )
        try:
            mail.send(settings.smtp, msg, address)
            lines.append(f"Đã gửi tới {address}")
        except DeliveryError as exc:
            failed.append(str(exc))
    if failed:
        raise DeliveryError("\n".join(lines + failed))
    return lines
