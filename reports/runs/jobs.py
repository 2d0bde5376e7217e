"""Job files (``jobs/*.toml``): what to produce, when, for whom. See jobs/README.md."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reports.core.cron import parse_cron
from reports.core.errors import JobError, Step, UsageError
from reports.core.period_pick import previous_period
from reports.core.periods import ReportPeriod
from reports.core.workdays import WorkCalendar
from reports.deliver.addresses import is_address

if TYPE_CHECKING:
    from reports.settings.load import Settings

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
PERIODS = (
    "previous-week",
    "previous-month",
    "previous-quarter",
    "previous-half",
    "previous-year",
)
_PERIOD_KINDS = {
    "previous-week": "week",
    "previous-month": "month",
    "previous-quarter": "quarter",
    "previous-half": "half",
    "previous-year": "year",
}
ON_HOLIDAY = ("next-working-day", "run")
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
    on_holiday: str = "next-working-day"
    """A fire time on a day off: "next-working-day" moves it there, "run" keeps it."""
    calendar: WorkCalendar = field(default_factory=WorkCalendar, compare=False)
    """The working days (settings [calendar]) used when ``on_holiday`` moves a run."""
    approval: bool = False
    """Each run renders a draft and waits for one of ``approvers`` (reports.approval)."""
    approvers: tuple[str, ...] = ()
    """Mail addresses, logins or a role name; logins and roles are resolved by the users
    table when there is one (see reports.approval.resolve_approvers)."""
    specialist: str = ""
    """Who prepares the report: told when a draft is returned or a run waits for data."""
    incomplete: str = "hold"
    """Provisional data (reports.figures.completeness): "hold" (wait for it) or
    "send-provisional"."""
    hold_hours: int = 48
    """How long a held run waits for its data before the owner is told."""
    signed_pdf: bool = False
    """An approved report waits for its PDF signed by the leader (reports.approval.signed)."""
    form: str | None = None
    """An official form (``"06/VPCP/KSTT"``, reports.forms) the job files instead of the
    report; checked against the catalog when the job runs."""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def trigger(self) -> Any:
        from apscheduler.triggers.cron import CronTrigger

        # standard cron (0 and 7 Sunday, 1 Monday), translated: APScheduler's 0 is Monday
        cron = CronTrigger(timezone=self.tz, **parse_cron(self.schedule).trigger_fields())
        if self.on_holiday == "run":
            return cron
        from reports.runs.workday_trigger import WorkingDayTrigger

        return WorkingDayTrigger(cron, self.calendar)

    def period_for(self, fire_time: datetime, conventions: str | Settings) -> ReportPeriod:
        """The period a run fired at ``fire_time`` reports on.

        ``conventions``: the settings (week convention and cut-off modes), or only the week
        convention (calendar months, quarters…).
        """
        local = fire_time.astimezone(self.tz)
        if isinstance(conventions, str):
            week_convention, cutoffs = conventions, {}
        else:
            week_convention = conventions.report.week_convention
            cutoffs = conventions.periods.cutoffs
        return previous_period(_PERIOD_KINDS[self.period], local, cutoffs, week_convention)

    @property
    def period_kind(self) -> str:
        """The kind of the periods it reports on (``quarter`` for ``previous-quarter``)."""
        return _PERIOD_KINDS[self.period]

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
        if not is_address(address):
            raise _fail(path, key, f"địa chỉ thư không hợp lệ {address!r}")
    return out


def parse_job(
    path: Path,
    raw: dict[str, Any],
    default_owner: str = "",
    calendar: WorkCalendar | None = None,
) -> Job:
    allowed = {
        "on_holiday",
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
        "form",
        *_APPROVAL_KEYS,
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
        raise _fail(path, "period", f"chỉ nhận {', '.join(PERIODS)}, nhận được {period!r}")
    on_holiday = raw.get("on_holiday", "next-working-day")
    if on_holiday not in ON_HOLIDAY:
        raise _fail(
            path, "on_holiday", f"chỉ nhận {', '.join(ON_HOLIDAY)}, nhận được {on_holiday!r}"
        )
    units = raw.get("units")
    if units not in (None, "all"):
        raise _fail(path, "units", f'chỉ nhận "all", nhận được {units!r}')
    grace = raw.get("misfire_grace_s", 7 * 24 * 3600)
    if not isinstance(grace, int) or grace < 60:
        raise _fail(path, "misfire_grace_s", f"phải là số giây ≥ 60, nhận được {grace!r}")
    owner = raw.get("owner", default_owner)
    if owner and (not isinstance(owner, str) or not is_address(owner)):
        raise _fail(path, "owner", f"địa chỉ thư không hợp lệ {owner!r}")
    figures_section = raw.get("figures_section")
    if figures_section is not None and not isinstance(figures_section, bool):
        raise _fail(path, "figures_section", "phải là true hoặc false")
    form = raw.get("form")
    if form is not None and (not isinstance(form, str) or not form.strip()):
        raise _fail(path, "form", f'phải là mã biểu, ví dụ "06/VPCP/KSTT", nhận được {form!r}')
    job = Job(
        id=job_id,
        form=form,
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
        on_holiday=on_holiday,
        calendar=calendar or WorkCalendar(),
        **_approval_options(path, raw, units),
    )
    try:
        job.trigger()
    except UsageError as exc:
        raise _fail(path, "schedule", str(exc)) from exc
    except ValueError as exc:
        raise _fail(path, "schedule", f"lịch cron không hợp lệ {schedule!r} ({exc})") from exc
    return job


_APPROVAL_KEYS = ("approval", "approvers", "specialist", "incomplete", "hold_hours", "signed_pdf")
INCOMPLETE = ("hold", "send-provisional")


def _approval_options(path: Path, raw: dict[str, Any], units: str | None) -> dict[str, Any]:
    """The approval and completeness keys of a job file (issue 15), checked."""
    approval = raw.get("approval", False)
    if not isinstance(approval, bool):
        raise _fail(path, "approval", f"phải là true hoặc false, nhận được {approval!r}")
    approvers = _strings(path, "approvers", raw.get("approvers", []))
    if approval and not approvers:
        raise _fail(path, "approvers", "approval = true cần ít nhất một người duyệt")
    if approval and units == "all":
        raise _fail(path, "approval", 'chưa hỗ trợ duyệt cho units = "all"; bỏ một trong hai')
    specialist = raw.get("specialist", "")
    if specialist and (not isinstance(specialist, str) or not is_address(specialist)):
        raise _fail(path, "specialist", f"địa chỉ thư không hợp lệ {specialist!r}")
    incomplete = raw.get("incomplete", "hold")
    if incomplete not in INCOMPLETE:
        raise _fail(
            path, "incomplete", f"chọn {' hoặc '.join(INCOMPLETE)}, nhận được {incomplete!r}"
        )
    hold_hours = raw.get("hold_hours", 48)
    if not isinstance(hold_hours, int) or isinstance(hold_hours, bool) or hold_hours < 1:
        raise _fail(path, "hold_hours", f"phải là số giờ ≥ 1, nhận được {hold_hours!r}")
    signed_pdf = raw.get("signed_pdf", False)
    if signed_pdf is not False and (signed_pdf is not True or not approval):
        raise _fail(path, "signed_pdf", "chỉ nhận true, cùng với approval = true")
    if signed_pdf and "pdf" not in _strings(path, "formats", raw.get("formats", [])):
        raise _fail(path, "signed_pdf", 'cần "pdf" trong formats để có bản PDF để ký')
    return {
        "signed_pdf": signed_pdf,
        "approval": approval,
        "approvers": approvers,
        "specialist": specialist,
        "incomplete": incomplete,
        "hold_hours": hold_hours,
    }


def load_jobs(
    jobs_dir: Path, default_owner: str = "", calendar: WorkCalendar | None = None
) -> list[Job]:
    """Every ``*.toml`` job in ``jobs_dir`` (none if the folder does not exist)."""
    if not jobs_dir.is_dir():
        return []
    jobs: dict[str, Job] = {}
    for path in sorted(jobs_dir.glob("*.toml")):
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise JobError(f"Tệp công việc {path}: không đọc được TOML UTF-8 ({exc})") from exc
        job = parse_job(path, raw, default_owner, calendar)
        if job.id in jobs:
            raise _fail(path, "id", f"trùng với {jobs[job.id].source}")
        jobs[job.id] = job
    return list(jobs.values())


def find_job(
    jobs_dir: Path, job_id: str, default_owner: str = "", calendar: WorkCalendar | None = None
) -> Job:
    for job in load_jobs(jobs_dir, default_owner, calendar):
        if job.id == job_id:
            return job
    raise JobError(f"Không có công việc {job_id!r} trong thư mục công việc.").leads_to(
        Step.PICK_JOB
    )
