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
    EdxmlSettings,
    FormSettings,
    LogSettings,
    Office,
    PdfSettings,
    PeriodSettings,
    ReportSettings,
    SchedulerSettings,
    Signer,
    SigningSettings,
    SmtpSettings,
    SummarySettings,
    UnitSettings,
    WebSettings,
    parse_calendar,
)
from reports.settings.validate import (
    build,
    completeness_section,
    database_busy_timeout,
    edxml_section,
    forms_section,
    log_section,
    periods_section,
    report_section,
    scheduler_section,
    section,
    signing_section,
    smtp_section,
    summary_section,
    template_limits,
    units_section,
    web_section,
)

__all__ = [  # the sections are defined in reports.settings.sections
    "CompletenessSettings",
    "EdxmlSettings",
    "FormSettings",
    "LogSettings",
    "Office",
    "PERIOD_MODES",
    "PeriodSettings",
    "SummarySettings",
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
    """``pdf.timeout_s`` (also in :attr:`pdf`)."""
    pdf: PdfSettings = field(default_factory=PdfSettings)
    database_busy_timeout_s: float = 30.0
    """How long a SQLite write waits for another one to finish ([database] busy_timeout_s)."""
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    periods: PeriodSettings = field(default_factory=PeriodSettings)
    summary: SummarySettings = field(default_factory=SummarySettings)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    """Working days: the package's holidays with the office's overrides ([calendar])."""
    units: Mapping[str, UnitSettings] = field(default_factory=dict)
    """Unit code → its own report's header, signer and recipients ([units.CODE])."""
    web: WebSettings = field(default_factory=WebSettings)
    completeness: CompletenessSettings = field(default_factory=CompletenessSettings)
    signing: SigningSettings = field(default_factory=SigningSettings)
    forms: FormSettings = field(default_factory=FormSettings)
    """The official forms: receiving body and counting rules ([forms])."""
    edxml: EdxmlSettings = field(default_factory=EdxmlSettings)
    """The edXML package's namespace and layout ([edxml])."""
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
        from reports.settings.toml_errors import toml_error_words

        raise ConfigError(
            "tệp cấu hình",
            f"sai cú pháp TOML ở {toml_error_words(str(exc))}; sửa dòng đó (baocao help settings)",
            source,
        ) from exc
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
        "summary",
        "calendar",
        "units",
        "web",
        "completeness",
        "signing",
        "log",
        "template",
        "forms",
        "edxml",
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

    def env_var(name: str) -> str | None:
        return _env(name, env)

    paths = section(raw, "paths", source)
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
    database = section(raw, "database", source)
    url = _env("BAOCAO_DB", env) or database.get("url") or f"sqlite:///{data_dir / 'baocao.sqlite'}"
    if not isinstance(url, str):
        raise ConfigError("database.url", f"phải là chuỗi, nhận được {url!r}", source)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        rel = url.removeprefix("sqlite:///")
        if rel and rel != ":memory:":
            url = f"sqlite:///{(base_dir / rel).resolve()}"
    template_timeout, template_memory = template_limits(raw, source)

    pdf = pdf_section(raw, source)
    return Settings(
        source=source,
        base_dir=base_dir,
        database_url=normalise_db_url(
            url, "BAOCAO_DB" if _env("BAOCAO_DB", env) else "database.url"
        ),
        database_busy_timeout_s=database_busy_timeout(database, source),
        timezone=str(timezone),
        office=build(Office, "office", section(raw, "office", source), source),
        signer=build(Signer, "signer", section(raw, "signer", source), source),
        report=report_section(raw, source),
        smtp=smtp_section(raw, base_dir, env_var, source),
        templates_dir=_path("templates", _default_templates(base_dir)),
        data_dir=data_dir,
        jobs_dir=_path("jobs", base_dir / "jobs"),
        output_dir=_path("output", base_dir / "out"),
        pdf_timeout_s=pdf.timeout_s,
        pdf=pdf,
        scheduler=scheduler_section(raw, source),
        periods=periods_section(raw, source),
        summary=summary_section(raw, source),
        calendar=parse_calendar(section(raw, "calendar", source), source),
        units=units_section(raw, source),
        web=web_section(raw, source),
        completeness=completeness_section(raw, source),
        signing=signing_section(raw, base_dir, source),
        log=log_section(raw, base_dir, source),
        forms=forms_section(raw, source),
        edxml=edxml_section(raw, source),
        template_timeout_s=template_timeout,
        template_memory_mb=template_memory,
    )


def pdf_section(raw: Mapping[str, Any], source: Path | None) -> PdfSettings:
    pdf: PdfSettings = build(PdfSettings, "pdf", section(raw, "pdf", source), source)
    for key in ("timeout_s", "wait_s"):
        if getattr(pdf, key) <= 0:
            raise ConfigError(
                f"pdf.{key}", f"phải là số giây dương, nhận được {getattr(pdf, key)!r}", source
            )
    if not 1 <= pdf.max_parallel <= 16:
        raise ConfigError(
            "pdf.max_parallel", f"phải từ 1 đến 16, nhận được {pdf.max_parallel!r}", source
        )
    return pdf
