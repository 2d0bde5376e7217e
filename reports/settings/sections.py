"""The sections of the settings file, each a frozen dataclass with its defaults, and the
parsers of the sections that are tables of their own ([calendar]). :mod:`reports.settings.load`
loads the file into them; import them from there."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reports.core.errors import ConfigError
from reports.core.workdays import WorkCalendar

WEEK_CONVENTIONS = ("monday-to-monday", "iso")
TLS_MODES = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class Office:
    parent: str = "UBND THÀNH PHỐ HÀ NỘI"
    name: str = "VĂN PHÒNG"
    place: str = "Hà Nội"
    reference_prefix: str = "BC-VP"
    subject: str = "UBND Thành phố"
    """How the body text names the People's Committee ("UBND Thành phố", "UBND Quận")."""
    unit_office: str = "VĂN PHÒNG HĐND VÀ UBND"
    """The issuing body of a unit's own report (``--unit``, ``--all-units``)."""
    organ_id: str = ""
    """The office's mã định danh (Quyết định 20/2020/QĐ-TTg), the From of an edXML package."""


@dataclass(frozen=True)
class Signer:
    authority: str = "KT. CHÁNH VĂN PHÒNG"
    title: str = "PHÓ CHÁNH VĂN PHÒNG"
    name: str = ""


@dataclass(frozen=True)
class ReportSettings:
    number: str = ""
    """The document number after "Số:"; empty leaves the blank to fill in by hand."""
    week_convention: str = "monday-to-monday"
    trend_periods: int = 12
    figures_section: bool = True
    recipients: tuple[str, ...] = ("Như trên;", "Lưu: VT, TH.")
    template_docx: str = "bao-cao-tuan.docx"
    """The week's template (and a plain range's)."""
    template_month: str = "bao-cao-thang.docx"
    template_quarter: str = "bao-cao-quy.docx"
    template_half: str = "bao-cao-6thang.docx"
    template_year: str = "bao-cao-nam.docx"
    written_sections: tuple[str, ...] = (
        "Đánh giá chung",
        "Nhiệm vụ trọng tâm kỳ tới",
        "Kiến nghị, đề xuất",
    )
    """The sections a person writes, in the document's order (a template may declare more)."""

    def template_for(self, kind: str) -> str:
        """The template file of a period kind (``week`` and ``range``: ``template_docx``)."""
        name: str = getattr(self, f"template_{kind}", self.template_docx)
        return name


@dataclass(frozen=True)
class SummarySettings:
    """How long periods are summarised ([summary]): per field, the counts by document kind
    and at most ``items_<kind>`` directives (highlighted first); in section II at most
    ``highlights_<kind>`` items, in date order (the rest are in the workbook)."""

    items_month: int = 3
    items_quarter: int = 4
    items_half: int = 4
    items_year: int = 5
    highlights_month: int = 6
    highlights_quarter: int = 8
    highlights_half: int = 8
    highlights_year: int = 10

    def items(self, kind: str) -> int | None:
        """Items per field for a long period; None for a week or a range (every highlighted one)."""
        value: int | None = getattr(self, f"items_{kind}", None)
        return value

    def highlights(self, kind: str) -> int | None:
        value: int | None = getattr(self, f"highlights_{kind}", None)
        return value


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    user: str = ""
    password: str = field(default="", repr=False)
    tls: str = "none"
    mail_from: str = "baocao@localhost"
    owner: str = ""
    """Who is told when a run fails."""
    max_attachment_mb: float = 10.0
    retries: int = 3
    retry_backoff_s: float = 2.0
    timeout_s: float = 30.0
    """Each read from the mail server; :attr:`deadline_s` bounds a whole message."""
    deadline_s: float = 300.0
    """One attempt at one message (connect, TLS, login, send), however the server trickles."""
    run_deadline_s: float = 3600.0
    """A whole run (files and every recipient): past it, its lease is no longer renewed, so a
    stuck process loses the run to another, and no one else is mailed."""
    ca_file: str = ""
    """PEM file of the CA that signed the mail server's certificate (an internal CA); relative
    to the settings file. Empty: the system's trusted CAs."""


@dataclass(frozen=True)
class SchedulerSettings:
    lease_s: int = 900
    """A run whose owner stopped renewing its lease this long ago is taken over."""
    catch_up_max: int = 8
    """At start, missed periods run once each, at most this many per job."""
    db_retry_s: float = 600.0
    """How long a database error (locked SQLite, PostgreSQL restarting) is retried before the
    scheduler mails the owner and exits non-zero for the service manager to restart it."""
    reconcile_s: float = 30.0
    """How often each scheduler re-reads the jobs (files and the page's edits) and writes its
    heartbeat: an edited schedule is taken within this long, without a restart."""
    stale_s: float = 180.0
    """A scheduler silent longer than this is shown in red on the page and by ``baocao check``."""


@dataclass(frozen=True)
class LogSettings:
    file: str = ""
    """A rotating log file besides stderr (relative to the settings file); empty: none."""
    max_mb: float = 10.0
    backups: int = 5


UNIT_TYPES = (
    "phuong",
    "xa",
    "dac_khu",
    "thi_xa",
    "quan",
    "huyen",
    "thanh_pho",
    "so",
    "ban",
    "khac",
)
"""Unit types (units.csv ``unit_type``, ``[units.CODE] unit_type``): see
reports.compose.unit_profile."""


@dataclass(frozen=True)
class UnitSettings:
    """``[units.CODE]``: a unit's own report; every key optional (defaults by unit type)."""

    unit_type: str = ""
    """so (department), phuong, xa, dac_khu, quan, huyen, thi_xa…; empty: from the name."""
    parent_body: str = ""
    issuing_body: str = ""
    subject: str = ""
    place: str = ""
    reference_prefix: str = ""
    signer_authority: str = ""
    signer_title: str = ""
    signer_name: str = ""
    recipients: tuple[str, ...] = ()
    addressee: str = ""
    """"Kính gửi: …" of a report to a higher body; empty: by unit type (a department's or a
    commune's report goes to ``office.subject``), "-": none."""
    absorbed: tuple[str, ...] = ()
    """Codes of the units merged into this one: their records count in its comparisons."""


PERIOD_MODES = ("calendar", "cut-off")


@dataclass(frozen=True)
class PeriodSettings:
    """Per kind: calendar periods or the cut-off of Nghị định 09/2019, Điều 12 (15th to 14th)."""

    month: str = "calendar"
    quarter: str = "calendar"
    half: str = "calendar"
    year: str = "calendar"

    @property
    def cutoffs(self) -> dict[str, bool]:
        """Kind → ``True`` when that kind is cut off (see :func:`reports.core.periods.classify`)."""
        return {
            "month": self.month == "cut-off",
            "quarter": self.quarter == "cut-off",
            "half": self.half == "cut-off",
            "year": self.year == "cut-off",
        }


@dataclass(frozen=True)
class CompletenessSettings:
    sources: tuple[str, ...] = ()
    """The sources every report expects: a record kind (``"dossiers"``) or a kind and the unit
    whose own export it is (``"dossiers:Q_BA_DINH"``). A report whose period ends after the
    latest day a source's imports cover is provisional (số liệu tạm tính)."""


FORM_RULES: dict[str, tuple[str, ...]] = {
    "withdrawn": ("on-time", "excluded"),
    "awaiting_supplement": ("in-time", "by-due-date"),
    "stopped": ("in-time", "excluded"),
}
"""The counting rules of Biểu 06/VPCP/KSTT that differ between one-stop systems: each
setting's values, the default first."""


@dataclass(frozen=True)
class FormSettings:
    receiver: str = "Văn phòng Chính phủ (Cục Kiểm soát thủ tục hành chính)"
    """"Đơn vị nhận báo cáo" of the official forms."""
    withdrawn: str = "on-time"
    """A dossier returned (trả lại) or withdrawn (xin rút): counted as solved on time on the
    day it was handed back ("on-time"), or not counted at all ("excluded")."""
    awaiting_supplement: str = "in-time"
    """An open dossier waiting for the applicant (chờ bổ sung): in progress within the deadline
    ("in-time") or by its due date like any other ("by-due-date")."""
    stopped: str = "in-time"
    """An open dossier whose handling is stopped (dừng xử lý): in progress within the deadline
    ("in-time") or not counted ("excluded")."""


EDXML_LAYOUTS = ("qcvn102",)


@dataclass(frozen=True)
class EdxmlSettings:
    namespace: str = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
    layout: str = "qcvn102"
    document_type: str = "18"
    """DocumentType/Type; the code of "Báo cáo" is not public (18 is the SDK sample's)."""
    max_attachment_mb: float = 50.0
    """An imported package whose attachment decodes to more than this is refused."""
    to: tuple[str, ...] = ()
    """The mã định danh of the bodies the report goes to (MessageHeader/To)."""


@dataclass(frozen=True)
class SigningSettings:
    trust_roots: tuple[str, ...] = ()
    """PEM or DER files of the CAs whose certificates may sign a report (a signed PDF's
    signer must chain to one of them); relative to the settings file. Never the operating
    system's store."""
    other_certs: tuple[str, ...] = ()
    """Intermediate CA certificates (PEM or DER), e.g. "CA phục vụ các cơ quan Nhà nước G2":
    the VGCA signing tool embeds only the signer's certificate, so the chain needs them."""
    allow_unknown_revocation: bool = False
    """Accept a signature whose certificate's revocation cannot be checked here (an office
    network without internet): it is then reported "không xác định", never "hợp lệ"."""
    signer_certificates: tuple[str, ...] = ()
    """"<user> <SHA-256 of the certificate>" entries: that user signs with that certificate
    (instead of one whose e-mail address is the user's)."""


@dataclass(frozen=True)
class PdfSettings:
    timeout_s: float = 120.0
    """A conversion taking longer is stopped (LibreOffice hung)."""
    max_parallel: int = 1
    """Conversions running at once in one process (the web server: however many pages ask);
    the others wait in line."""
    wait_s: float = 60.0
    """How long a web page waits in that line before it says "đang bận, thử lại sau"."""


@dataclass(frozen=True)
class WebSettings:
    base_url: str = ""
    """The address of the web page as leaders reach it (``https://baocao.vp.gov.vn``); links in
    mails (the approval queue) are built from it. Empty: mails carry no link."""
    upload_max_mb: float = 50.0
    """An upload larger than this is refused before it is stored."""
    idle_minutes: int = 30
    """A session unused this long ends; the user logs in again."""
    login_max_failures: int = 5
    """Failed logins, per user name and per address, before logins are refused for a while."""
    login_window_minutes: int = 15
    secure_cookies: bool = False
    """Send the session cookie over HTTPS only (set true behind an HTTPS proxy)."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses (or networks) of the reverse proxies in front (``127.0.0.1`` for nginx on the
    same machine): their X-Forwarded-For/-Proto/-Host are honoured by waitress (the user's
    address, the scheme, the host) and by the login throttle; anyone else's are dropped."""
    trusted_proxy: str = ""
    """Deprecated (the old waitress-only key): read into ``trusted_proxies``, and ``baocao
    check`` says to rename it."""
    connection_limit: int = 500
    """Open connections waitress accepts at once (idle ones included); more wait in the queue."""
    channel_timeout_s: int = 20
    """An idle connection is closed after this long, so idle sockets cannot fill the server."""
    keep_files_days: int = 30
    """Uploads, their rejected rows and the reports made on the page are deleted after this."""


def parse_calendar(raw: Mapping[str, Any], source: Path | None) -> WorkCalendar:
    """``[calendar.days_off]`` and ``[calendar.worked]``: "2026-01-02" = "reason"."""
    from datetime import date

    tables: dict[str, dict[date, str]] = {"days_off": {}, "worked": {}}
    for key, value in raw.items():
        if key not in tables:
            raise ConfigError(
                f"calendar.{key}", "không có thiết lập này; dùng days_off, worked", source
            )
        if not isinstance(value, dict):
            raise ConfigError(
                f"calendar.{key}",
                f'phải là bảng ngày = lý do, ví dụ "2026-01-02" = "Nghỉ bù", nhận được {value!r}',
                source,
            )
        for day, reason in value.items():
            try:
                parsed = date.fromisoformat(str(day))
            except ValueError:
                raise ConfigError(
                    f"calendar.{key}", f"ngày phải viết dạng 2026-01-02, nhận được {day!r}", source
                ) from None
            if not isinstance(reason, str):
                raise ConfigError(
                    f"calendar.{key}.{day}", f"lý do phải là chuỗi, nhận được {reason!r}", source
                )
            tables[key][parsed] = reason
    both = sorted(set(tables["days_off"]) & set(tables["worked"]))
    if both:
        raise ConfigError(
            "calendar",
            f"ngày {both[0].isoformat()} vừa ở days_off vừa ở worked; chỉ giữ một",
            source,
        )
    return WorkCalendar(tables["days_off"], tables["worked"])
