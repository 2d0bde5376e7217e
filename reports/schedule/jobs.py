"""Job files (``jobs/*.toml``): what to produce, when, for whom. See jobs/README.md."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reports.errors import JobError
from reports.periods import ReportPeriod, week_before

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
PERIODS = ("previous-week",)
FORMATS = ("docx", "xlsx", "pdf")


@dataclass(frozen=True)
class Job:
    id: str
    schedule: str
    timezone: str
    formats: tuple[str, ...]
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    owner: str = ""
    period: str = "previous-week"
    unit: str | None = None
    units: str | None = None
    misfire_grace_s: int = 7 * 24 * 3600
    figures_section: bool | None = None
    unit_recipients: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """With ``units = "all"``: unit code → that unit's own recipients ([email.units])."""
    source: Path | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def trigger(self) -> Any:
        from apscheduler.triggers.cron import CronTrigger

        return CronTrigger.from_crontab(self.schedule, timezone=self.tz)

    def period_for(self, fire_time: datetime, week_convention: str) -> ReportPeriod:
        """The period a run fired at ``fire_time`` reports on."""
        local = fire_time.astimezone(self.tz)
        return week_before(local, week_convention)

    @property
    def recipients(self) -> tuple[str, ...]:
        return self.to + tuple(c for c in self.cc if c not in self.to)


def _fail(path: Path, key: str, problem: str) -> JobError:
    return JobError(f"Tệp công việc {path}: {key}: {problem}")


def _strings(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, key, f"phải là danh sách chuỗi, nhận được {value!r}")
    return tuple(v.strip() for v in value if v.strip())


def _emails(path: Path, key: str, value: Any) -> tuple[str, ...]:
    out = _strings(path, key, value)
    for address in out:
        if not _EMAIL.fullmatch(address):
            raise _fail(path, key, f"địa chỉ thư không hợp lệ {address!r}")
    return out


def parse_job(path: Path, raw: dict[str, Any], default_owner: str = "") -> Job:
    allowed = {
        "id",
        "schedule",
        "timezone",
        "formats",
        "email",
        "owner",
        "period",
        "unit",
        "units",
        "misfire_grace_s",
        "figures_section",
    }
    for key in raw:
        if key not in allowed:
            raise _fail(
                path, key, f"không có khóa này; các khóa hợp lệ: {', '.join(sorted(allowed))}"
            )
    job_id = raw.get("id", path.stem)
    if not isinstance(job_id, str) or not _ID.fullmatch(job_id):
        raise _fail(
            path, "id", f"chỉ gồm chữ thường không dấu, số, '-' và '_', nhận được {job_id!r}"
        )
    schedule = raw.get("schedule")
    if not isinstance(schedule, str):
        raise _fail(path, "schedule", 'thiếu lịch chạy dạng cron, ví dụ "0 8 * * MON"')
    timezone = raw.get("timezone", "Asia/Ho_Chi_Minh")
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _fail(path, "timezone", f"không có múi giờ {timezone!r}") from exc
    formats = _strings(path, "formats", raw.get("formats", ["docx", "xlsx"]))
    for f in formats:
        if f not in FORMATS:
            raise _fail(
                path, "formats", f"không có định dạng {f!r}; chọn trong {', '.join(FORMATS)}"
            )
    email = raw.get("email", {})
    if not isinstance(email, dict):
        raise _fail(path, "email", "phải là bảng [email] với to = [...]")
    for key in email:
        if key not in ("to", "cc", "units"):
            raise _fail(path, f"email.{key}", "không có khóa này; dùng to, cc, units")
    unit_table = email.get("units", {})
    if not isinstance(unit_table, dict):
        raise _fail(path, "email.units", "phải là bảng mã đơn vị = [địa chỉ thư, …]")
    unit_recipients = {
        str(code): _emails(path, f"email.units.{code}", value) for code, value in unit_table.items()
    }
    period = raw.get("period", "previous-week")
    if period not in PERIODS:
        raise _fail(path, "period", f"chỉ hỗ trợ {', '.join(PERIODS)}, nhận được {period!r}")
    units = raw.get("units")
    if units not in (None, "all"):
        raise _fail(path, "units", f'chỉ nhận "all", nhận được {units!r}')
    grace = raw.get("misfire_grace_s", 7 * 24 * 3600)
    if not isinstance(grace, int) or grace < 60:
        raise _fail(path, "misfire_grace_s", f"phải là số giây ≥ 60, nhận được {grace!r}")
    owner = raw.get("owner", default_owner)
    if owner and (not isinstance(owner, str) or not _EMAIL.fullmatch(owner)):
        raise _fail(path, "owner", f"địa chỉ thư không hợp lệ {owner!r}")
    figures_section = raw.get("figures_section")
    if figures_section is not None and not isinstance(figures_section, bool):
        raise _fail(path, "figures_section", "phải là true hoặc false")
    job = Job(
        id=job_id,
        schedule=schedule,
        timezone=str(timezone),
        formats=formats,
        to=_emails(path, "email.to", email.get("to", [])),
        cc=_emails(path, "email.cc", email.get("cc", [])),
        owner=owner or "",
        period=period,
        unit=raw.get("unit"),
        units=units,
        misfire_grace_s=grace,
        figures_section=figures_section,
        unit_recipients=unit_recipients,
        source=path,
    )
    try:
        job.trigger()
    except ValueError as exc:
        raise _fail(path, "schedule", f"lịch cron không hợp lệ {schedule!r} ({exc})") from exc
    return job


def load_jobs(jobs_dir: Path, default_owner: str = "") -> list[Job]:
    """Every ``*.toml`` job in ``jobs_dir`` (none if the folder does not exist)."""
    if not jobs_dir.is_dir():
        return []
    jobs: dict[str, Job] = {}
    for path in sorted(jobs_dir.glob("*.toml")):
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise JobError(f"Tệp công việc {path}: không đọc được TOML UTF-8 ({exc})") from exc
        job = parse_job(path, raw, default_owner)
        if job.id in jobs:
            raise _fail(path, "id", f"trùng với {jobs[job.id].source}")
        jobs[job.id] = job
    return list(jobs.values())


def find_job(jobs_dir: Path, job_id: str, default_owner: str = "") -> Job:
    for job in load_jobs(jobs_dir, default_owner):
        if job.id == job_id:
            return job
    raise JobError(
        f"Không có công việc {job_id!r} trong {jobs_dir}; xem danh sách bằng 'baocao jobs list'"
    )
