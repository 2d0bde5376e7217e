"""``baocao generate --email``: send the files just written, now, to the addresses given.

A manual send is an explicit request made by a person, so it is not deduplicated by the run
ledger: each call sends once to each address (scheduled jobs are the exactly-once path).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from reports.deliver import mail
from reports.errors import DeliveryError, UsageError
from reports.periods import ReportPeriod
from reports.schedule.jobs import _EMAIL
from reports.settings import Settings


def parse_recipients(text: str) -> list[str]:
    out = []
    for address in (a.strip() for a in text.replace(";", ",").split(",")):
        if not address:
            continue
        if not _EMAIL.match(address):
            raise UsageError(f"--email: địa chỉ thư không hợp lệ {address!r}")
        out.append(address)
    if not out:
        raise UsageError("--email: cần ít nhất một địa chỉ")
    return out


def send_now(
    engine: Engine,
    settings: Settings,
    period: ReportPeriod,
    files: Sequence[Path],
    recipients: str,
    *,
    unit: str | None = None,
) -> list[str]:
    """Mail ``files`` to each recipient; returns one status line per recipient."""
    from reports.pipeline import build_report

    addresses = parse_recipients(recipients)
    report = build_report(engine, settings, period, unit=unit, issued_on=datetime.now(UTC).date())
    lines, failed = [], []
    for address in addresses:
        msg = mail.build_message(
            settings,
            recipient=address,
            period=period,
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
