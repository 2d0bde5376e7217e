"""Settings: loaded once from ``baocao.toml``, validated into a frozen, typed object.

A bad value fails at start with the setting's name and the value it got. Secrets (the SMTP
password) come only from the environment. Paths in the file are relative to the file itself,
never to the current directory.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reports.core.errors import ConfigError
from reports.core.workdays import WorkCalendar
from reports.settings.resources import bundled, is_checkout, recorded_office
from reports.settings.sections import (
    PERIOD_MODES,
    TLS_MODES,
    UNIT_TYPES,
    WEEK_CONVENTIONS,
    CompletenessSettings,
    LogSettings,
    Office,
    PeriodSettings,
    ReportSettings,
    SchedulerSettings,
    Signer,
    SigningSettings,
    SmtpSettings,
    UnitSettings,
    WebSettings,
    parse_calendar,
)

__all__ = [  # the sections are defined in reports.settings.sections
    "CompletenessSettings",
    "LogSettings",
    "Office",
    "PERIOD_MODES",
    "PeriodSettings",
    "ReportSettings",
    "SchedulerSettings",
    "Signer",
    "SigningSettings",
    "SmtpSettings",
    "TLS_MODES",
    "UNIT_TYPES",
    "UnitSettings",
    "WEEK_CONVENTIONS",
    "WebSettings",
]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The source checkout (in an installed wheel: site-packages, which baocao never writes to)."""
DEFAULT_SETTINGS_FILE = PROJECT_ROOT / "baocao.toml"
SETTINGS_NAME = "baocao.toml"


@dataclass(frozen=True)
class Settings:
    source: Path | None
    base_dir: Path
    database_url: str
    timezone: str
    office: Office
    signer: Signer
    report: ReportSettings
    smtp: SmtpSettings
    templates_dir: Path
    data_dir: Path
    jobs_dir: Path
    output_dir: Path
    pdf_timeout_s: float = 120.0
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    periods: PeriodSettings = field(default_factory=PeriodSettings)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    """Working days: the package's holidays with the office's overrides ([calendar])."""
    units: Mapping[str, UnitSettings] = field(default_factory=dict)
    """Unit code → its own report's header, signer and recipients ([units.CODE])."""
    web: WebSettings = field(default_factory=WebSettings)
    completeness: CompletenessSettings = field(default_factory=CompletenessSettings)
    signing: SigningSettings = field(default_factory=SigningSettings)
    log: LogSettings = field(default_factory=LogSettings)
    template_timeout_s: float = 60.0
    """Filling one template ([template] timeout_s): past it, the child process is killed."""
    template_memory_mb: int = 1024
    """Memory filling templates may take ([template] memory_mb), beyond what its child process
    holds when it starts."""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def with_database(self, url: str | None) -> Settings:
        return self if not url else replace(self, database_url=normalise_db_url(url))

    def with_jobs_dir(self, path: str | Path | None) -> Settings:
        return self if not path else replace(self, jobs_dir=Path(path).resolve())


_DB_FORMS = (
    "dùng postgresql://người_dùng@máy:5432/tên_csdl, sqlite:////đường/dẫn/baocao.sqlite "
    "hoặc đường dẫn tệp SQLite (data/baocao.sqlite)"
)


def normalise_db_url(url: str, setting: str = "--db") -> str:
    """Accept ``postgresql://``, ``sqlite:///`` and plain file paths as the users write them;
    refuse anything else with the expected forms (a mistyped ``postgresql:/x`` is not a path)."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("postgresql+psycopg://", "sqlite://")):
        return url
    scheme = url.split(":", 1)[0] if ":" in url else ""
    is_drive = len(scheme) == 1 and scheme.isalpha()  # C:\baocao\data.sqlite on Windows
    if "://" in url or (scheme and not is_drive and "/" not in scheme and "\\" not in scheme):
        raise ConfigError(setting, f"địa chỉ cơ sở dữ liệu không hợp lệ {url!r}; {_DB_FORMS}")
    path = Path(url).resolve()
    if path.is_dir():
        raise ConfigError(setting, f"{path} là một thư mục, không phải tệp SQLite; {_DB_FORMS}")
    return f"sqlite:///{path}"


def _section(raw: Mapping[str, Any], name: str, source: Path | None) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(name, f"phải là một bảng [{name}], nhận được {value!r}", source)
    return dict(value)


def _build(cls: type[Any], section: str, values: dict[str, Any], source: Path | None) -> Any:
    known = {f for f in cls.__dataclass_fields__ if f != "password"}
    for key in values:
        if key not in known:
            raise ConfigError(
                f"{section}.{key}",
                f"không có thiết lập này; các thiết lập hợp lệ: {', '.join(sorted(known))}",
                source,
            )
    defaults = cls()
    out: dict[str, Any] = {}
    for key, val in values.items():
        expected = type(getattr(defaults, key))
        name = f"{section}.{key}"
        if expected is tuple:
            if not isinstance(val, list) or not all(isinstance(v, str) for v in val):
                raise ConfigError(name, f"phải là danh sách chuỗi, nhận được {val!r}", source)
            val = tuple(val)
        elif expected is float and isinstance(val, int) and not isinstance(val, bool):
            val = float(val)
        elif key == "number" and isinstance(val, int) and not isinstance(val, bool):
            val = str(val)
        if not isinstance(val, expected) or (expected is int and isinstance(val, bool)):
            raise ConfigError(
                name,
                f"phải là {_TYPE_NAMES.get(expected, expected.__name__)}, nhận được {val!r}",
                source,
            )
        out[key] = val
    return cls(**out)


_TYPE_NAMES = {str: "chuỗi", int: "số nguyên", float: "số", bool: "true/false", tuple: "danh sách"}


def _default_templates(base_dir: Path) -> Path:
    """``templates/`` beside the settings file, or the shipped templates when there is none."""
    beside = base_dir / "templates"
    return beside.resolve() if beside.is_dir() else bundled("templates")


def _env(name: str, environ: Mapping[str, str]) -> str | None:
    value = environ.get(name)
    return value if value not in (None, "") else None


def find_settings(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The settings file to use: ``--settings``, then ``$BAOCAO_SETTINGS``, then
    ``./baocao.toml``, then the office folder ``baocao init`` recorded (then, in a source
    checkout, the repository's own ``baocao.toml``)."""
    env = os.environ if environ is None else environ
    chosen = path or _env("BAOCAO_SETTINGS", env)
    if chosen:
        source = Path(chosen).resolve()
        if not source.is_file():
            setting = "--settings" if path else "BAOCAO_SETTINGS"
            raise ConfigError(setting, f"không tìm thấy tệp {source}")
        return source
    here = Path.cwd() / SETTINGS_NAME
    if here.is_file():
        return here.resolve()
    recorded = recorded_office(env)
    if recorded is not None:
        return recorded.resolve()
    if is_checkout() and DEFAULT_SETTINGS_FILE.is_file():
        return DEFAULT_SETTINGS_FILE
    raise ConfigError(
        "tệp cấu hình",
        "không tìm thấy baocao.toml (đã tìm --settings, BAOCAO_SETTINGS, thư mục hiện tại và "
        "thư mục do 'baocao init' tạo); tạo thư mục văn phòng bằng 'baocao init THƯ_MỤC' rồi "
        "chạy lệnh trong thư mục đó, hoặc chỉ rõ --settings TỆP",
    )


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Load and validate the settings file found by :func:`find_settings`."""
    env = os.environ if environ is None else environ
    source = find_settings(path, env)
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("tệp cấu hình", f"không đọc được TOML: {exc}", source) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError("tệp cấu hình", "phải lưu ở dạng UTF-8", source) from exc
    except OSError as exc:
        raise ConfigError("tệp cấu hình", f"không đọc được tệp: {exc.strerror}", source) from exc
    return settings_from_mapping(raw, source.parent, source, env)


def settings_from_mapping(
    raw: Mapping[str, Any],
    base_dir: Path,
    source: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    env = os.environ if environ is None else environ
    allowed = {
        "office",
        "signer",
        "report",
        "smtp",
        "paths",
        "database",
        "timezone",
        "pdf",
        "scheduler",
        "periods",
        "calendar",
        "units",
        "web",
        "completeness",
        "signing",
        "log",
        "template",
    }
    for key in raw:
        if key not in allowed:
            raise ConfigError(
                key, f"không có mục này; các mục hợp lệ: {', '.join(sorted(allowed))}", source
            )

    timezone = raw.get("timezone", "Asia/Ho_Chi_Minh")
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError("timezone", f"không có múi giờ {timezone!r}", source) from exc

    office = _build(Office, "office", _section(raw, "office", source), source)
    signer = _build(Signer, "signer", _section(raw, "signer", source), source)
    report = _build(ReportSettings, "report", _section(raw, "report", source), source)
    if report.week_convention not in WEEK_CONVENTIONS:
        raise ConfigError(
            "report.week_convention",
            f"phải là một trong {', '.join(WEEK_CONVENTIONS)}, "
            f"nhận được {report.week_convention!r}",
            source,
        )
    if not 1 <= report.trend_periods <= 104:
        raise ConfigError(
            "report.trend_periods", f"phải từ 1 đến 104, nhận được {report.trend_periods}", source
        )

    smtp_raw = _section(raw, "smtp", source)
    if "password" in smtp_raw:
        raise ConfigError(
            "smtp.password",
            "không được ghi mật khẩu trong tệp cấu hình; đặt biến môi trường BAOCAO_SMTP_PASSWORD",
            source,
        )
    for key, var in (
        ("host", "BAOCAO_SMTP_HOST"),
        ("user", "BAOCAO_SMTP_USER"),
        ("tls", "BAOCAO_SMTP_TLS"),
        ("mail_from", "BAOCAO_MAIL_FROM"),
        ("owner", "BAOCAO_OWNER"),
    ):
        if (value := _env(var, env)) is not None:
            smtp_raw[key] = value
    if (port := _env("BAOCAO_SMTP_PORT", env)) is not None:
        if not port.isdigit():
            raise ConfigError("BAOCAO_SMTP_PORT", f"phải là số cổng, nhận được {port!r}")
        smtp_raw["port"] = int(port)
    smtp = _build(SmtpSettings, "smtp", smtp_raw, source)
    smtp = replace(smtp, password=_env("BAOCAO_SMTP_PASSWORD", env) or "")
    if smtp.ca_file:
        ca_file = (base_dir / smtp.ca_file).resolve()
        if not ca_file.is_file():
            raise ConfigError("smtp.ca_file", f"không tìm thấy tệp {ca_file}", source)
        smtp = replace(smtp, ca_file=str(ca_file))
    if not 1 <= smtp.port <= 65535:
        raise ConfigError("smtp.port", f"phải từ 1 đến 65535, nhận được {smtp.port}", source)
    if smtp.tls not in TLS_MODES:
        raise ConfigError(
            "smtp.tls", f"phải là một trong {', '.join(TLS_MODES)}, nhận được {smtp.tls!r}", source
        )
    if smtp.retries < 1:
        raise ConfigError("smtp.retries", f"phải ít nhất là 1, nhận được {smtp.retries}", source)
    for key in ("deadline_s", "run_deadline_s"):
        if not getattr(smtp, key) > 0:
            raise ConfigError(
                f"smtp.{key}", f"phải lớn hơn 0, nhận được {getattr(smtp, key)}", source
            )
    for key in ("mail_from", "owner", "host", "user"):
        # a line break in a header value would end the header and start another (#13)
        if any(ch < " " or ch == "\x7f" for ch in getattr(smtp, key)):
            raise ConfigError(
                f"smtp.{key}",
                f"có ký tự xuống dòng hoặc điều khiển: {getattr(smtp, key)!r}; "
                "xóa ký tự đó (kiểm tra cả biến môi trường tương ứng)",
                source,
            )
    if smtp.tls == "none" and smtp.user and smtp.host not in ("localhost", "127.0.0.1", "::1"):
        raise ConfigError(
            "smtp.tls",
            f'là "none" trong khi có smtp.user ({smtp.user!r}): mật khẩu sẽ đi qua mạng tới '
            f'{smtp.host} không mã hóa; dùng tls = "starttls" hoặc "ssl"',
            source,
        )

    paths = _section(raw, "paths", source)
    for key in paths:
        if key not in {"templates", "data", "jobs", "output"}:
            raise ConfigError(f"paths.{key}", "không có thiết lập này", source)

    def _path(key: str, default: Path) -> Path:
        value = paths.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise ConfigError(f"paths.{key}", f"phải là đường dẫn, nhận được {value!r}", source)
        return (base_dir / value).resolve()

    data_dir = _path("data", base_dir / "data")
    database = _section(raw, "database", source)
    url = _env("BAOCAO_DB", env) or database.get("url") or f"sqlite:///{data_dir / 'baocao.sqlite'}"
    if not isinstance(url, str):
        raise ConfigError("database.url", f"phải là chuỗi, nhận được {url!r}", source)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        rel = url.removeprefix("sqlite:///")
        if rel and rel != ":memory:":
            url = f"sqlite:///{(base_dir / rel).resolve()}"

    db_key = "database.url"
    log = _build(LogSettings, "log", _section(raw, "log", source), source)
    if log.file:
        log = replace(log, file=str((base_dir / log.file).resolve()))
    if log.max_mb <= 0 or log.backups < 1:
        raise ConfigError(
            "log", f"max_mb phải dương và backups ít nhất 1, nhận được {log.max_mb}, {log.backups}"
        )
    scheduler = _build(SchedulerSettings, "scheduler", _section(raw, "scheduler", source), source)
    if scheduler.lease_s < 10:
        raise ConfigError(
            "scheduler.lease_s", f"phải ít nhất 10 giây, nhận được {scheduler.lease_s}", source
        )
    periods = _build(PeriodSettings, "periods", _section(raw, "periods", source), source)
    for kind, mode in vars(periods).items():
        if mode not in PERIOD_MODES:
            raise ConfigError(
                f"periods.{kind}",
                f"phải là một trong {', '.join(PERIOD_MODES)}, nhận được {mode!r}",
                source,
            )
    calendar = parse_calendar(_section(raw, "calendar", source), source)
    unit_tables = _section(raw, "units", source)
    for code, table in unit_tables.items():
        if not isinstance(table, dict):
            raise ConfigError(f"units.{code}", f"phải là bảng [units.{code}]", source)
    units = {
        str(code): _build(UnitSettings, f"units.{code}", dict(table), source)
        for code, table in unit_tables.items()
    }
    for code, unit in units.items():
        if unit.unit_type and unit.unit_type not in UNIT_TYPES:
            raise ConfigError(
                f"units.{code}.unit_type",
                f"phải là một trong {', '.join(UNIT_TYPES)}, nhận được {unit.unit_type!r}",
                source,
            )
    pdf = _section(raw, "pdf", source)
    pdf_timeout = pdf.get("timeout_s", 120.0)
    if not isinstance(pdf_timeout, int | float) or pdf_timeout <= 0:
        raise ConfigError(
            "pdf.timeout_s", f"phải là số giây dương, nhận được {pdf_timeout!r}", source
        )
    template = _section(raw, "template", source)
    for key in template:
        if key not in ("timeout_s", "memory_mb"):
            raise ConfigError(
                f"template.{key}", "không có khóa này; dùng timeout_s hoặc memory_mb", source
            )
    template_timeout = template.get("timeout_s", 60.0)
    if not isinstance(template_timeout, int | float) or template_timeout <= 0:
        raise ConfigError(
            "template.timeout_s", f"phải là số giây dương, nhận được {template_timeout!r}", source
        )
    template_memory = template.get("memory_mb", 1024)
    if not isinstance(template_memory, int) or template_memory < 256:
        raise ConfigError(
            "template.memory_mb",
            f"phải là số MB, ít nhất 256, nhận được {template_memory!r}",
            source,
        )

    web = _build(WebSettings, "web", _section(raw, "web", source), source)
    completeness = _completeness(raw, source)
    signing = _build(SigningSettings, "signing", _section(raw, "signing", source), source)
    for root in signing.trust_roots:
        if not (base_dir / root).is_file():
            raise ConfigError(
                "signing.trust_roots", f"không tìm thấy tệp {(base_dir / root).resolve()}", source
            )
    signing = replace(
        signing, trust_roots=tuple(str((base_dir / r).resolve()) for r in signing.trust_roots)
    )
    if web.upload_max_mb <= 0:
        raise ConfigError(
            "web.upload_max_mb", f"phải là số MB dương, nhận được {web.upload_max_mb}", source
        )
    for key in ("idle_minutes", "login_max_failures", "login_window_minutes"):
        if getattr(web, key) < 1:
            raise ConfigError(
                f"web.{key}", f"phải ít nhất là 1, nhận được {getattr(web, key)}", source
            )

    return Settings(
        source=source,
        base_dir=base_dir,
        database_url=normalise_db_url(url, "BAOCAO_DB" if _env("BAOCAO_DB", env) else db_key),
        timezone=str(timezone),
        office=office,
        signer=signer,
        report=report,
        smtp=smtp,
        templates_dir=_path("templates", _default_templates(base_dir)),
        data_dir=data_dir,
        jobs_dir=_path("jobs", base_dir / "jobs"),
        output_dir=_path("output", base_dir / "out"),
        pdf_timeout_s=float(pdf_timeout),
        scheduler=scheduler,
        periods=periods,
        calendar=calendar,
        units=units,
        web=replace(web, base_url=web.base_url.rstrip("/")),
        completeness=completeness,
        signing=signing,
        log=log,
        template_timeout_s=float(template_timeout),
        template_memory_mb=template_memory,
    )


def _completeness(raw: Mapping[str, Any], source: Path | None) -> CompletenessSettings:
    from reports.core.domain import RECORD_KINDS

    out: CompletenessSettings = _build(
        CompletenessSettings, "completeness", _section(raw, "completeness", source), source
    )
    for entry in out.sources:
        kind = entry.split(":", 1)[0]
        if kind not in RECORD_KINDS:
            raise ConfigError(
                "completeness.sources",
                f"không có loại số liệu {kind!r} (trong {entry!r}); chọn trong "
                f'{", ".join(RECORD_KINDS)}, có thể kèm mã đơn vị: "dossiers:MA_DON_VI"',
                source,
            )
    return out
