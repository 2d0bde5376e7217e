"""``baocao check``: each prerequisite of a working office, ✔ or ✘ with the fix.

Read-only: nothing is created (not even an empty SQLite file) and nobody is mailed. The SMTP
check connects, says EHLO, starts TLS as configured and logs in when a user is set, then quits.
"""

from __future__ import annotations

import os
import re
import shutil
import smtplib
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reports.core.errors import BaocaoError
from reports.settings.load import Settings

FONTS = ("Times New Roman", "Liberation Serif")
"""The report's font, or the one with its metrics LibreOffice uses instead (PDF)."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warn: bool = False
    """Works, but should be changed (a deprecated setting): "⚠", with the fix, not a failure."""

    def lines(self) -> list[str]:
        mark = "✘" if not self.ok else "⚠" if self.warn else "✔"
        # a driver's message may span lines: one line; a numbered list (a template's
        # mistakes): one line each, under the first
        detail: list[str] = []
        for line in self.detail.splitlines():
            text = " ".join(line.split())
            if detail and text and not _NUMBERED.match(text):
                detail[-1] += " " + text
            elif text:
                detail.append(text)
        first, *more = detail or [""]
        out = [f"{mark} {self.name}: {first}", *(f"    {line}" for line in more)]
        if (not self.ok or self.warn) and self.fix:
            out.append(f"    cách sửa: {self.fix}")
        return out


_NUMBERED = re.compile(r"\d+\. ")


def _guard(name: str, fix: str, probe: Callable[[], str]) -> Check:
    try:
        return Check(name, True, probe())
    except BaocaoError as exc:
        return Check(name, False, str(exc), fix)
    except (OSError, smtplib.SMTPException) as exc:
        return Check(name, False, f"{exc.__class__.__name__}: {exc}", fix)


def check_settings(
    path: str | Path | None, db: str | None, jobs: str | None, environ: Mapping[str, str]
) -> tuple[Check, Settings | None]:
    from reports.settings.load import load_settings

    try:
        settings = load_settings(path, environ).with_database(db).with_jobs_dir(jobs)
    except BaocaoError as exc:
        fix = "sửa tệp theo thông báo (mọi thiết lập: baocao help settings), hoặc 'baocao init'"
        return Check("Cấu hình", False, str(exc), fix), None
    return Check("Cấu hình", True, str(settings.source)), settings


def check_deprecated(settings: Settings) -> Iterator[Check]:
    """Old settings still read, each with its new spelling."""
    old = settings.web.trusted_proxy.strip()
    if old:
        listed = ", ".join(f'"{p}"' for p in settings.web.trusted_proxies)
        yield Check(
            "Thiết lập cũ",
            True,
            f'[web] trusted_proxy = "{old}" là thiết lập cũ, sẽ bị bỏ; hiện vẫn được đọc như '
            f"trusted_proxies = [{listed}]",
            f"trong baocao.toml xóa dòng trusted_proxy và viết trusted_proxies = [{listed}] "
            "(một danh sách, dùng cho cả waitress và việc giới hạn đăng nhập sai)",
            warn=True,
        )


def check_database(settings: Settings) -> Check:
    from reports.store.db import (
        HEAD_REVISION,
        check_revision,
        create_engine,
        probe_revision,
        safe_url,
    )

    url = settings.database_url
    shown = safe_url(url)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            folder = next((p for p in path.parents if p.exists()), Path("/"))
            if not os.access(folder, os.W_OK):
                return Check(
                    "Cơ sở dữ liệu", False, f"không tạo được {path}: {folder} không ghi được",
                    "cấp quyền ghi thư mục, hoặc đổi paths.data / [database] url",
                )  # fmt: skip
            return Check("Cơ sở dữ liệu", True, f"{shown}: chưa có, sẽ được tạo khi dùng lần đầu")

    def probe() -> str:
        engine = create_engine(url)
        try:
            revision = probe_revision(engine, url)
            check_revision(url, revision, engine)
        finally:
            engine.dispose()
        if revision is None:
            return f"{shown}: chưa có lược đồ, sẽ được tạo khi dùng lần đầu"
        if revision != HEAD_REVISION:
            raise _Behind(f"{shown}: lược đồ {revision}, bản này dùng {HEAD_REVISION}")
        return f"{shown}: lược đồ {revision}"

    try:
        return Check("Cơ sở dữ liệu", True, probe())
    except _Behind as exc:
        return Check("Cơ sở dữ liệu", False, str(exc), "baocao db upgrade (SQLite: sao lưu trước)")
    except BaocaoError as exc:
        fix = "kiểm tra máy chủ, --db / BAOCAO_DB / [database] url"
        if "phiên bản mới hơn" in str(exc):
            fix = "cài bản baocao mới hơn, hoặc dùng bản sao lưu của cơ sở dữ liệu"
        return Check("Cơ sở dữ liệu", False, str(exc), fix)


class _Behind(BaocaoError):
    pass


def check_templates(settings: Settings) -> Iterator[Check]:
    from reports.produce import preflight

    fix = "sửa mẫu theo thông báo (baocao help templates), hoặc chép lại mẫu đi kèm"
    yield _guard(
        "Mẫu Word", fix, lambda: ", ".join(str(p) for p in preflight.word_templates(settings))
    )
    yield _guard(
        "Mẫu thư", fix, lambda: ", ".join(str(p) for p in preflight.mail_templates(settings))
    )


def check_libreoffice(environ: Mapping[str, str]) -> Iterator[Check]:
    fix = "apt-get install libreoffice-writer fonts-liberation2 (chỉ cần cho --format pdf)"
    path = environ.get("PATH", os.defpath)
    binary = shutil.which("soffice", path=path) or shutil.which("libreoffice", path=path)
    if binary is None:
        yield Check("LibreOffice", False, "không tìm thấy soffice trong PATH", fix)
    else:
        from reports.render import office_worker

        kept = (
            "giữ chạy sẵn (python3-uno), PDF nhanh"
            if office_worker.available()
            else "mỗi PDF khởi động LibreOffice riêng (1-2 giây); cài python3-uno để nhanh hơn"
        )
        yield Check("LibreOffice", True, f"{binary}; {kept}")
    try:
        listed = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        listed = ""
    found = [font for font in FONTS if font in listed]
    if found:
        yield Check("Phông chữ", True, ", ".join(found))
    else:
        yield Check("Phông chữ", False, f"không có {' hoặc '.join(FONTS)}", fix)


def check_smtp(settings: Settings) -> Check:
    from reports.deliver.mail import tls_context

    smtp = settings.smtp
    where = f"{smtp.host}:{smtp.port} ({smtp.tls})"
    fix = "kiểm tra [smtp] host, port, tls, user và BAOCAO_SMTP_PASSWORD; tường lửa"
    if smtp.user and not smtp.password:
        return Check(
            "Máy chủ thư", False, f"{where}: có smtp.user nhưng thiếu mật khẩu",
            "đặt biến môi trường BAOCAO_SMTP_PASSWORD",
        )  # fmt: skip
    timeout = min(smtp.timeout_s, 15.0)
    try:
        if smtp.tls == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=timeout, context=tls_context(smtp)
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
        try:
            code, _ = client.ehlo()
            if code != 250:
                raise smtplib.SMTPResponseException(code, "EHLO bị từ chối")
            if smtp.tls == "starttls":
                client.starttls(context=tls_context(smtp))
                client.ehlo()
            done = "EHLO"
            if smtp.user:
                client.login(smtp.user, smtp.password)
                done += f", đăng nhập {smtp.user}"
        finally:
            client.close()
    except smtplib.SMTPAuthenticationError as exc:
        return Check("Máy chủ thư", False, f"{where}: đăng nhập bị từ chối ({exc.smtp_code})", fix)
    except (OSError, smtplib.SMTPException) as exc:
        return Check("Máy chủ thư", False, f"{where}: {exc.__class__.__name__}: {exc}", fix)
    return Check("Máy chủ thư", True, f"{where}: {done}")


def check_jobs(settings: Settings) -> Check:
    from reports.runs.jobs import load_jobs

    def probe() -> str:
        jobs = load_jobs(settings.jobs_dir, settings.smtp.owner, settings.calendar)
        for job in jobs:
            if job.form:  # an official form: one the catalog has, for a period it takes
                from reports.core.errors import JobError
                from reports.forms.catalog import KIND_WORDS, find_form

                try:
                    spec = find_form(job.form)
                except BaocaoError as exc:
                    raise JobError(f"công việc {job.id}: form: {exc}") from exc
                if job.period_kind not in spec.periods:
                    raise JobError(
                        f"công việc {job.id}: biểu {spec.code} không lập theo "
                        f"{KIND_WORDS[job.period_kind]} (period = {job.period!r})"
                    )
        if not jobs:
            return f"không có công việc nào trong {settings.jobs_dir}"
        return f"{len(jobs)} công việc ({', '.join(j.id for j in jobs)}) trong {settings.jobs_dir}"

    return _guard("Công việc", "sửa tệp theo thông báo (baocao help jobs)", probe)


def check_scheduler(settings: Settings, now: datetime | None = None) -> Check:
    """The schedulers' heartbeats: alive on which machine, or silent past
    ``scheduler.stale_s`` (one that never ran is only told)."""
    import sqlalchemy as sa

    from reports.schedule.nodes import scheduler_banner
    from reports.store.db import create_engine

    url = settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return Check("Bộ lập lịch", True, "chưa chạy lần nào")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("scheduler_nodes"):
                return Check("Bộ lập lịch", True, "chưa chạy lần nào")
        banner = scheduler_banner(engine, settings.scheduler.stale_s, settings.tz, now)
    except sa.exc.SQLAlchemyError:
        # the database check above names the problem and its fix
        return Check("Bộ lập lịch", True, "chưa biết (không đọc được cơ sở dữ liệu)")
    finally:
        engine.dispose()
    detail = "; ".join(line.removeprefix("Bộ lập lịch: ") for line in banner.lines)
    if banner.ok or "chưa chạy lần nào" in detail:
        return Check("Bộ lập lịch", True, detail)
    fix = "systemctl status baocao-scheduler; journalctl -u baocao-scheduler (baocao help service)"
    return Check("Bộ lập lịch", False, detail, fix)


def check_timezone(settings: Settings, now: datetime | None = None) -> Check:
    moment = (now or datetime.now(UTC)).astimezone(settings.tz)
    return Check(
        "Múi giờ",
        True,
        f"{settings.timezone}: bây giờ là {moment:%H:%M %d/%m/%Y} (UTC{moment:%z})",
    )


def check_signing(settings: Settings) -> Iterator[Check]:
    """The certificates signed PDFs are checked against, each with its SHA-256, to compare
    with the administrator's (nothing when none is configured)."""
    from reports.approval.signer import first_name, load_certificates

    paths = settings.signing.trust_roots + settings.signing.other_certs
    if not paths:
        return

    def probe() -> str:
        shown = []
        for cert in load_certificates(paths):
            digest = cert.sha256.hex().upper()
            pairs = ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
            shown.append(f"{first_name(cert)} (SHA-256 {pairs})")
        return "; ".join(shown)

    try:
        yield Check("Chứng thư ký số", True, probe())
    except ValueError as exc:
        fix = "dùng tệp chứng thư PEM hoặc DER (signing.trust_roots, signing.other_certs)"
        yield Check("Chứng thư ký số", False, f"không đọc được: {exc}", fix)


def run_checks(
    path: str | Path | None = None,
    db: str | None = None,
    jobs: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Check]:
    """Every check, in the order a new office meets them; after a settings failure only that."""
    env = os.environ if environ is None else environ
    first, settings = check_settings(path, db, jobs, env)
    if settings is None:
        return [first]
    return [
        first,
        *check_deprecated(settings),
        check_database(settings),
        *check_templates(settings),
        *check_libreoffice(env),
        check_smtp(settings),
        check_jobs(settings),
        check_scheduler(settings),
        check_timezone(settings),
        *check_signing(settings),
    ]
