"""Run a job now, from a page: the same :func:`run_job` the scheduler and ``baocao jobs run``
call (claimed in the ledger like any run), in a thread so that the page does not wait."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from reports.accounts.audit import audit
from reports.core import period_names
from reports.core.period_time import refuse_unended
from reports.core.periods import ReportPeriod
from reports.figures.datastate import data_state
from reports.runs import ledger
from reports.schedule.overrides import effective_job
from reports.schedule.runner import run_job
from reports.settings.load import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """Why a run now was not started: ``sent`` (the period went out already: see Lịch sử, or
    resend), ``not-ended`` (the period is still running), ``incomplete`` (its data is not all
    in, and the job holds such runs)."""

    reason: str
    message: str
    run_id: int | None = None


def why_not_run(
    engine: Engine,
    settings: Settings,
    job_id: str,
    period: ReportPeriod | None,
    *,
    force: bool = False,
    now: datetime | None = None,
) -> tuple[ReportPeriod, Refusal | None]:
    """The period a run now would report on, and why it should not start (None: go)."""
    job = effective_job(engine, settings, job_id)
    now = now or datetime.now(UTC)
    chosen = period or job.period_for(now, settings)
    words = period_names.period_name(chosen)
    today = now.astimezone(job.tz).date()
    if chosen.end >= today:
        return chosen, Refusal(
            "not-ended",
            f"Kỳ {words} chưa kết thúc (đến hết ngày {chosen.end:%d/%m/%Y}); chưa chạy. "
            "Chọn một kỳ đã kết thúc.",
        )
    done = ledger.latest(engine, job.id, chosen, job.unit or "")
    if done is not None and done.status == ledger.DELIVERED and not force:
        sent_at = (done.finished_at or done.started_at).astimezone(job.tz)
        return chosen, Refusal(
            "sent",
            f"Kỳ {words} đã gửi xong lúc {sent_at:%d/%m/%Y %H:%M} "
            "(xem ở Lịch sử); không gửi lại. Muốn gửi lại cho mọi người nhận, chọn «Gửi lại dù "
            "kỳ này đã gửi» rồi bấm Chạy ngay.",
            done.id,
        )
    if job.incomplete == "hold" and not force:
        missing = [s for s in data_state(engine, chosen) if s.state != "ok"]
        if missing:
            return chosen, Refusal(
                "incomplete",
                f"Số liệu kỳ {words} chưa đủ: "
                + ", ".join(f"{s.label} ({s.state_vi})" for s in missing)
                + "; chưa chạy. Nhập thêm ở trang Nhập dữ liệu rồi chạy lại.",
            )
    return chosen, None


def start_run(
    engine: Engine,
    settings: Settings,
    job_id: str,
    period: ReportPeriod | None,
    *,
    by: str,
    force: bool = False,
) -> tuple[ReportPeriod, threading.Thread]:
    """Start ``job_id`` for ``period`` (default: the period a run now would report on)."""
    job = effective_job(engine, settings, job_id)
    chosen = period or job.period_for(datetime.now(UTC), settings)
    refuse_unended(chosen, datetime.now(UTC).astimezone(job.tz).date(), f"Chạy ngay {job.id}")
    audit(
        engine,
        by,
        "job.run",
        f"chạy ngay {job.id} kỳ {period_names.period_short(chosen)}",
    )

    def work() -> None:
        try:
            outcome = run_job(engine, settings, job, chosen, force=force)
            log.info(
                "công việc %s chạy từ trang web cho kỳ %s: %s",
                job.id,
                chosen.slug(),
                outcome.status,
            )
        except Exception:  # noqa: BLE001 - a failing run is recorded by run_job; never kill the server
            log.exception(
                "công việc %s chạy từ trang web cho kỳ %s gặp lỗi không mong đợi",
                job.id,
                chosen.slug(),
            )

    thread = threading.Thread(target=work, name=f"run-{job.id}", daemon=True)
    thread.start()
    return chosen, thread
