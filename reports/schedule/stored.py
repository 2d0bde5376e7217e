"""Jobs kept in the database: made, copied or deleted on the page by quản trị.

Job files (``jobs/*.toml``) stay the import/export format: :func:`all_jobs` is the files with
the database's jobs over them (a row with a body adds or replaces the job of its id, a row
without one deletes it), and ``baocao jobs export``/``import`` move jobs between the two.
The body is the job file's own TOML, checked by the same :func:`parse_job` as a file.
"""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.accounts.audit import audit
from reports.core.errors import JobError
from reports.runs.jobs import Job, load_jobs, parse_job
from reports.settings.load import Settings
from reports.store.schema import job_overrides, stored_jobs


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise JobError(f"không ghi được giá trị {value!r} vào tệp công việc")


def to_toml(raw: dict[str, Any]) -> str:
    """A job's keys as TOML (the shapes a job file has: scalars, lists, ``[email]`` and
    ``[email.units]``)."""
    lines = [f"{k} = {_value(v)}" for k, v in raw.items() if not isinstance(v, dict)]
    for name, table in raw.items():
        if not isinstance(table, dict):
            continue
        lines += ["", f"[{name}]"]
        lines += [f"{k} = {_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
        for sub, inner in table.items():
            if isinstance(inner, dict):
                lines += ["", f"[{name}.{sub}]"]
                lines += [
                    f"{json.dumps(k, ensure_ascii=False)} = {_value(v)}" for k, v in inner.items()
                ]
    return "\n".join(lines) + "\n"


def _rows(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        return {str(r.job_id): r.body for r in conn.execute(sa.select(stored_jobs))}


def check_body(settings: Settings, job_id: str, body: str) -> Job:
    """The job a TOML body defines (its ``id`` must be ``job_id``)."""
    where = Path(f"{job_id}.toml")
    try:
        raw = tomllib.loads(body)
    except tomllib.TOMLDecodeError as exc:
        raise JobError(f"Công việc {job_id}: không đọc được TOML ({exc})") from exc
    raw.setdefault("id", job_id)
    job = parse_job(where, raw, settings.smtp.owner, settings.calendar)
    if job.id != job_id:
        raise JobError(f"Công việc {job_id}: id trong nội dung là {job.id!r}")
    return job


def all_jobs(engine: Engine, settings: Settings) -> list[Job]:
    """The job files with the database's jobs over them, ordered by id."""
    jobs = {j.id: j for j in load_jobs(settings.jobs_dir, settings.smtp.owner, settings.calendar)}
    for job_id, body in _rows(engine).items():
        if body is None:
            jobs.pop(job_id, None)
        else:
            jobs[job_id] = check_body(settings, job_id, body)
    return [jobs[k] for k in sorted(jobs)]


def raw_job(engine: Engine, settings: Settings, job_id: str) -> dict[str, Any]:
    """A job's keys as stored (database first, then its file), with the page's edits."""
    body = _rows(engine).get(job_id, "")
    if body is None:
        raise JobError(f"Không có công việc {job_id!r} (đã xóa)")
    if not body:
        for path in sorted(settings.jobs_dir.glob("*.toml")) if settings.jobs_dir.is_dir() else []:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            if raw.get("id", path.stem) == job_id:
                body = path.read_text(encoding="utf-8")
                break
    if not body:
        raise JobError(f"Không có công việc {job_id!r}; xem danh sách ở Lịch gửi")
    raw = tomllib.loads(body)
    raw["id"] = job_id
    with engine.connect() as conn:
        edit = conn.execute(
            sa.select(job_overrides).where(job_overrides.c.job_id == job_id)
        ).first()
    if edit is not None:
        raw["schedule"] = edit.schedule
        if edit.on_holiday:
            raw["on_holiday"] = edit.on_holiday
        email = dict(raw.get("email", {}))
        email["to"] = json.loads(edit.recipients_to)
        email["cc"] = json.loads(edit.recipients_cc)
        raw["email"] = email
    return raw


def save_job(engine: Engine, settings: Settings, job_id: str, body: str, *, by: str) -> Job:
    """Add or replace a job in the database (checked first)."""
    job = check_body(settings, job_id, body)
    values = {"body": body, "changed_by": by, "changed_at": datetime.now(UTC)}
    with engine.begin() as conn:
        conn.execute(sa.delete(job_overrides).where(job_overrides.c.job_id == job_id))
        done = conn.execute(
            sa.update(stored_jobs).where(stored_jobs.c.job_id == job_id).values(**values)
        )
        if done.rowcount == 0:
            conn.execute(sa.insert(stored_jobs).values(job_id=job_id, **values))
    audit(engine, by, "job.add", f"lưu công việc {job_id}")
    return job


def add_job(engine: Engine, settings: Settings, raw: dict[str, Any], *, by: str) -> Job:
    """A new job (an id already used is refused)."""
    job_id = str(raw.get("id", ""))
    if any(j.id == job_id for j in all_jobs(engine, settings)):
        raise JobError(f"đã có công việc {job_id}; chọn tên khác")
    return save_job(engine, settings, job_id, to_toml(raw), by=by)


def copy_job(engine: Engine, settings: Settings, source: str, new_id: str, *, by: str) -> Job:
    raw = raw_job(engine, settings, source)
    raw["id"] = new_id.strip()
    return add_job(engine, settings, raw, by=by)


def delete_job(engine: Engine, settings: Settings, job_id: str, *, by: str) -> None:
    """Delete a job: its database row, and — for a job file — a row saying it is deleted."""
    if not any(j.id == job_id for j in all_jobs(engine, settings)):
        raise JobError(f"Không có công việc {job_id!r}")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(sa.delete(job_overrides).where(job_overrides.c.job_id == job_id))
        conn.execute(sa.delete(stored_jobs).where(stored_jobs.c.job_id == job_id))
        conn.execute(
            sa.insert(stored_jobs).values(job_id=job_id, body=None, changed_by=by, changed_at=now)
        )
    audit(engine, by, "job.delete", f"xóa công việc {job_id}")


def export_jobs(engine: Engine, settings: Settings, folder: Path) -> list[Path]:
    """Every job as it now runs, one ``<id>.toml`` each in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for job in all_jobs(engine, settings):
        path = folder / f"{job.id}.toml"
        path.write_text(to_toml(raw_job(engine, settings, job.id)), encoding="utf-8")
        out.append(path)
    return out


def import_jobs(engine: Engine, settings: Settings, files: list[Path], *, by: str) -> list[Job]:
    """Job files into the database (all checked before any is kept)."""
    bodies = {}
    for path in files:
        body = path.read_text(encoding="utf-8")
        raw = tomllib.loads(body)
        job_id = str(raw.get("id", path.stem))
        check_body(settings, job_id, body)
        bodies[job_id] = body
    return [save_job(engine, settings, k, v, by=by) for k, v in bodies.items()]
