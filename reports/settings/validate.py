"""One validator per section of baocao.toml: each takes the raw table, checks every key and
value, and returns the section's frozen object; a bad value names the setting and what it got."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from reports.core.errors import ConfigError
from reports.settings.sections import (
    EDXML_LAYOUTS,
    FORM_RULES,
    PERIOD_MODES,
    TLS_MODES,
    UNIT_TYPES,
    WEEK_CONVENTIONS,
    CompletenessSettings,
    EdxmlSettings,
    FormSettings,
    LogSettings,
    PeriodSettings,
    ReportSettings,
    SchedulerSettings,
    SigningSettings,
    SmtpSettings,
    SummarySettings,
    UnitSettings,
    WebSettings,
)

Env = Callable[[str], str | None]
"""A non-empty environment variable, or None."""


def section(raw: Mapping[str, Any], name: str, source: Path | None) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(name, f"phải là một bảng [{name}], nhận được {value!r}", source)
    return dict(value)


def build(cls: type[Any], section: str, values: dict[str, Any], source: Path | None) -> Any:
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
                f"phải là {TYPE_NAMES.get(expected, expected.__name__)}, nhận được {val!r}",
                source,
            )
        out[key] = val
    return cls(**out)


TYPE_NAMES = {str: "chuỗi", int: "số nguyên", float: "số", bool: "true/false", tuple: "danh sách"}


def report_section(raw: Mapping[str, Any], source: Path | None) -> ReportSettings:
    report: ReportSettings = build(ReportSettings, "report", section(raw, "report", source), source)
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

    for kind in ("docx", "month", "quarter", "half", "year"):
        name = getattr(report, f"template_{kind}")
        if not name.strip().lower().endswith(".docx"):
            raise ConfigError(
                f"report.template_{kind}",
                f"phải là tên một tệp .docx trong paths.templates, nhận được {name!r}",
                source,
            )
    if any(not t.strip() for t in report.written_sections):
        raise ConfigError(
            "report.written_sections",
            f"tên phần không được để trống, nhận được {list(report.written_sections)!r}",
            source,
        )
    return report


def smtp_section(
    raw: Mapping[str, Any], base_dir: Path, env: Env, source: Path | None
) -> SmtpSettings:
    smtp_raw = section(raw, "smtp", source)
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
        if (value := env(var)) is not None:
            smtp_raw[key] = value
    if (port := env("BAOCAO_SMTP_PORT")) is not None:
        if not port.isdigit():
            raise ConfigError("BAOCAO_SMTP_PORT", f"phải là số cổng, nhận được {port!r}")
        smtp_raw["port"] = int(port)
    smtp: SmtpSettings = build(SmtpSettings, "smtp", smtp_raw, source)
    smtp = replace(smtp, password=env("BAOCAO_SMTP_PASSWORD") or "")
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

    return smtp


def log_section(raw: Mapping[str, Any], base_dir: Path, source: Path | None) -> LogSettings:
    log: LogSettings = build(LogSettings, "log", section(raw, "log", source), source)
    if log.file:
        log = replace(log, file=str((base_dir / log.file).resolve()))
    if log.max_mb <= 0 or log.backups < 1:
        raise ConfigError(
            "log", f"max_mb phải dương và backups ít nhất 1, nhận được {log.max_mb}, {log.backups}"
        )
    return log


def scheduler_section(raw: Mapping[str, Any], source: Path | None) -> SchedulerSettings:
    scheduler: SchedulerSettings = build(
        SchedulerSettings, "scheduler", section(raw, "scheduler", source), source
    )
    if scheduler.lease_s < 10:
        raise ConfigError(
            "scheduler.lease_s", f"phải ít nhất 10 giây, nhận được {scheduler.lease_s}", source
        )
    if not 1 <= scheduler.reconcile_s <= 60:
        raise ConfigError(
            "scheduler.reconcile_s",
            f"phải từ 1 đến 60 giây, nhận được {scheduler.reconcile_s}",
            source,
        )
    if scheduler.stale_s <= scheduler.reconcile_s:
        raise ConfigError(
            "scheduler.stale_s",
            f"phải lớn hơn scheduler.reconcile_s ({scheduler.reconcile_s}), "
            f"nhận được {scheduler.stale_s}",
            source,
        )
    return scheduler


def periods_section(raw: Mapping[str, Any], source: Path | None) -> PeriodSettings:
    periods: PeriodSettings = build(
        PeriodSettings, "periods", section(raw, "periods", source), source
    )
    for kind, mode in vars(periods).items():
        if mode not in PERIOD_MODES:
            raise ConfigError(
                f"periods.{kind}",
                f"phải là một trong {', '.join(PERIOD_MODES)}, nhận được {mode!r}",
                source,
            )
    return periods


def summary_section(raw: Mapping[str, Any], source: Path | None) -> SummarySettings:
    summary: SummarySettings = build(
        SummarySettings, "summary", section(raw, "summary", source), source
    )
    for key, value in vars(summary).items():
        if not 0 <= value <= 100:
            raise ConfigError(f"summary.{key}", f"phải từ 0 đến 100, nhận được {value}", source)
    return summary


def units_section(raw: Mapping[str, Any], source: Path | None) -> dict[str, UnitSettings]:
    unit_tables = section(raw, "units", source)
    for code, table in unit_tables.items():
        if not isinstance(table, dict):
            raise ConfigError(f"units.{code}", f"phải là bảng [units.{code}]", source)
    units = {
        str(code): build(UnitSettings, f"units.{code}", dict(table), source)
        for code, table in unit_tables.items()
    }
    for code, unit in units.items():
        if unit.unit_type and unit.unit_type not in UNIT_TYPES:
            raise ConfigError(
                f"units.{code}.unit_type",
                f"phải là một trong {', '.join(UNIT_TYPES)}, nhận được {unit.unit_type!r}",
                source,
            )
    return units


def database_busy_timeout(database: Mapping[str, Any], source: Path | None) -> float:
    """[database]: only ``url`` and ``busy_timeout_s`` (how long a SQLite write waits for
    another one to finish before it fails with "database is locked")."""
    for key in database:
        if key not in ("url", "busy_timeout_s"):
            raise ConfigError(
                f"database.{key}", "không có khóa này; dùng url hoặc busy_timeout_s", source
            )
    busy = database.get("busy_timeout_s", 30.0)
    if isinstance(busy, bool) or not isinstance(busy, int | float) or busy <= 0:
        raise ConfigError(
            "database.busy_timeout_s", f"phải là số giây dương, nhận được {busy!r}", source
        )
    return float(busy)


def template_limits(raw: Mapping[str, Any], source: Path | None) -> tuple[float, int]:
    template = section(raw, "template", source)
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

    return float(template_timeout), template_memory


def signing_section(raw: Mapping[str, Any], base_dir: Path, source: Path | None) -> SigningSettings:
    signing: SigningSettings = build(
        SigningSettings, "signing", section(raw, "signing", source), source
    )
    for key in ("trust_roots", "other_certs"):
        for name in getattr(signing, key):
            if not (base_dir / name).is_file():
                raise ConfigError(
                    f"signing.{key}", f"không tìm thấy tệp {(base_dir / name).resolve()}", source
                )
    for entry in signing.signer_certificates:
        parts = entry.split()
        digest = parts[-1].replace(":", "") if len(parts) == 2 else ""
        if len(digest) != 64 or any(c not in "0123456789abcdefABCDEF" for c in digest):
            raise ConfigError(
                "signing.signer_certificates",
                f'mỗi dòng là "<người dùng> <SHA-256 của chứng thư số>", nhận được {entry!r}',
                source,
            )
    signing = replace(
        signing,
        trust_roots=tuple(str((base_dir / r).resolve()) for r in signing.trust_roots),
        other_certs=tuple(str((base_dir / r).resolve()) for r in signing.other_certs),
    )
    return signing


def web_section(raw: Mapping[str, Any], source: Path | None) -> WebSettings:
    web: WebSettings = build(WebSettings, "web", section(raw, "web", source), source)
    if web.upload_max_mb <= 0:
        raise ConfigError(
            "web.upload_max_mb", f"phải là số MB dương, nhận được {web.upload_max_mb}", source
        )
    for key in (
        "idle_minutes",
        "login_max_failures",
        "login_window_minutes",
        "connection_limit",
        "channel_timeout_s",
        "keep_files_days",
    ):
        if getattr(web, key) < 1:
            raise ConfigError(
                f"web.{key}", f"phải ít nhất là 1, nhận được {getattr(web, key)}", source
            )
    import ipaddress

    proxies = web.trusted_proxies
    old = web.trusted_proxy.strip()
    if old and old not in proxies:
        proxies = (*proxies, old)  # the deprecated key still works; `baocao check` says so
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            key = "web.trusted_proxy" if proxy == old else "web.trusted_proxies"
            raise ConfigError(
                key,
                f"{proxy!r} không phải địa chỉ IP hay dải mạng (ví dụ 127.0.0.1 hoặc 10.0.0.0/24)",
                source,
            ) from None
    return replace(web, base_url=web.base_url.rstrip("/"), trusted_proxies=proxies)


def completeness_section(raw: Mapping[str, Any], source: Path | None) -> CompletenessSettings:
    from reports.core.domain import RECORD_KINDS

    out: CompletenessSettings = build(
        CompletenessSettings, "completeness", section(raw, "completeness", source), source
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


def forms_section(raw: Mapping[str, Any], source: Path | None) -> FormSettings:
    forms: FormSettings = build(FormSettings, "forms", section(raw, "forms", source), source)
    for key, allowed in FORM_RULES.items():
        if getattr(forms, key) not in allowed:
            raise ConfigError(
                f"forms.{key}",
                f"phải là một trong {', '.join(allowed)}, nhận được {getattr(forms, key)!r}",
                source,
            )
    return forms


def edxml_section(raw: Mapping[str, Any], source: Path | None) -> EdxmlSettings:
    edxml: EdxmlSettings = build(EdxmlSettings, "edxml", section(raw, "edxml", source), source)
    if edxml.layout not in EDXML_LAYOUTS:
        raise ConfigError(
            "edxml.layout",
            f"phải là một trong {', '.join(EDXML_LAYOUTS)}, nhận được {edxml.layout!r}",
            source,
        )
    if not edxml.namespace.strip():
        raise ConfigError("edxml.namespace", "không được để trống", source)
    if edxml.max_attachment_mb <= 0:
        raise ConfigError(
            "edxml.max_attachment_mb",
            f"phải là số MB dương, nhận được {edxml.max_attachment_mb}",
            source,
        )
    return edxml
