"""Logging as an office's server needs it: stderr (the journal under systemd) and optionally a
rotating file, every time in the office's zone, one line per event."""

from __future__ import annotations

import logging
import logging.handlers
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from reports.settings.load import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class OfficeTimeFormatter(logging.Formatter):
    """Times in the office's zone with their offset (2020-09-28 08:00:05+0700)."""

    def __init__(self, tz: ZoneInfo) -> None:
        super().__init__(FORMAT)
        self.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, self.tz).strftime("%Y-%m-%d %H:%M:%S%z")


_FILE_HANDLER: list[logging.Handler] = []


def configure(settings: Settings) -> None:
    """Give the handlers the office's time zone and add the rotating file of ``[log] file``."""
    formatter = OfficeTimeFormatter(settings.tz)
    root = logging.getLogger()
    for handler in root.handlers:
        handler.setFormatter(formatter)
    if settings.log.file and not _FILE_HANDLER:
        path = Path(settings.log.file)
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path,
            maxBytes=int(settings.log.max_mb * 1024 * 1024),
            backupCount=settings.log.backups,
            encoding="utf-8",
        )
        handler.setFormatter(formatter)
        handler.setLevel(logging.INFO)
        root.addHandler(handler)
        _FILE_HANDLER.append(handler)
        logging.getLogger("reports").setLevel(
            min(logging.getLogger("reports").getEffectiveLevel(), logging.INFO)
        )
