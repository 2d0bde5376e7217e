"""Mail to a job's owner from the scheduler: it stopped, or periods too old were not caught up."""

from __future__ import annotations

import logging
from typing import Any

from reports.runs.jobs import Job, load_jobs
from reports.settings.load import Settings

log = logging.getLogger(__name__)


def tell_owner_stopped(settings: Settings, problem: str) -> None:
    from reports.core.errors import DeliveryError
    from reports.deliver import mail

    owners = {settings.smtp.owner} | {job.owner for job in loaded_jobs(settings)}
    for owner in sorted(o for o in owners if o):
        msg = mail.owner_message(settings, owner, "[baocao] Bộ lập lịch đã dừng", problem + "\n")
        try:
            mail.send(settings.smtp, msg, owner)
        except DeliveryError as exc:
            log.error(
                "không gửi được thư báo bộ lập lịch đã dừng cho người phụ trách %s: %s", owner, exc
            )


def tell_owner_skipped(settings: Settings, job: Job, periods: list[Any]) -> None:
    """The periods older than ``scheduler.catch_up_max`` are not run: the owner gets the
    commands that run them (nobody else is mailed)."""
    from reports.core.errors import DeliveryError
    from reports.deliver import mail
    from reports.runs.send import rerun_command

    owner = job.owner or settings.smtp.owner
    if not owner:
        return
    body = (
        f"Bộ lập lịch đã không chạy trong {len(periods) + settings.scheduler.catch_up_max} kỳ "
        f"của công việc {job.id}; chỉ chạy bù {settings.scheduler.catch_up_max} kỳ gần nhất "
        "(scheduler.catch_up_max). Các kỳ cũ hơn chưa gửi; nếu cần, chạy bằng lệnh:\n"
        + "".join(f"  {rerun_command(job, p, settings)}\n" for p in periods)
    )
    subject = f"[baocao] {job.id}: {len(periods)} kỳ cũ chưa chạy bù"
    try:
        mail.send(settings.smtp, mail.owner_message(settings, owner, subject, body), owner)
    except DeliveryError as exc:
        log.error(
            "không báo được cho người phụ trách %s về các kỳ bị bỏ qua của công việc %s: %s",
            owner,
            job.id,
            exc,
        )


def loaded_jobs(settings: Settings) -> list[Job]:
    try:
        return load_jobs(settings.jobs_dir, settings.smtp.owner, settings.calendar)
    except Exception:  # noqa: BLE001 - the owner from the settings is told all the same
        return []
