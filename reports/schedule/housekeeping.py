"""What the scheduler does besides its jobs, every ``HELD_EVERY_S``: the runs held for data
tried again, and the page's kept files past ``web.keep_files_days`` deleted."""

from __future__ import annotations

import logging

from reports.settings.load import Settings

log = logging.getLogger(__name__)


def purge_kept_files(settings: Settings) -> int:
    """Delete the page's kept files older than ``web.keep_files_days``; a failure is logged."""
    from reports.produce.keep import purge_older_than
    from reports.store.db import open_store

    try:
        engine = open_store(settings.database_url, busy_timeout_s=settings.database_busy_timeout_s)
        try:
            count = purge_older_than(engine, settings, settings.web.keep_files_days)
        finally:
            engine.dispose()
    except Exception:  # noqa: BLE001 - the next round tries again
        log.exception("không xóa được các tệp cũ (web.keep_files_days)")
        return 0
    if count:
        log.info(
            "đã xóa %d tệp cũ hơn %d ngày (web.keep_files_days)",
            count,
            settings.web.keep_files_days,
        )
    return count


def retry_held_runs(settings: Settings) -> list[str]:
    """Try again the runs held for incomplete data (reports.approval.retry_held): those whose
    data has come are sent, those past their deadline are reported to the owner. A failure is
    logged; the scheduler goes on."""
    from reports.schedule.held import retry_held
    from reports.store.db import open_store

    try:
        engine = open_store(settings.database_url, busy_timeout_s=settings.database_busy_timeout_s)
    except Exception:  # noqa: BLE001 - the next round tries again; the runs stay held
        log.exception("lần chạy chờ số liệu: không mở được cơ sở dữ liệu")
        return []
    try:
        from reports.schedule.pause import ALL, paused_jobs

        if ALL in paused_jobs(engine):
            log.info(
                "lần chạy chờ số liệu: mọi công việc đang tạm dừng (bản khôi phục), không thử lại"
            )
            return []
        lines = retry_held(engine, settings)
    except Exception:  # noqa: BLE001 - logged; the scheduler goes on
        log.exception("không thử lại được các lần chạy chờ số liệu")
        return []
    finally:
        engine.dispose()
    for line in lines:
        log.info("lần chạy chờ số liệu: %s", line)
    return lines
