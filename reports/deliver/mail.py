"""SMTP delivery: one message per recipient, temporary failures retried, permanent ones not.

The password comes only from the environment (``BAOCAO_SMTP_PASSWORD``) and is never logged.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from reports.compose.period_words import period_labels
from reports.core import period_names, vi
from reports.core.errors import DeliveryError, TemplateError
from reports.core.model import Figures
from reports.core.periods import ReportPeriod
from reports.core.safe_text import safe_context
from reports.render.sandbox import LimitedSandbox
from reports.settings.load import Settings, SmtpSettings

log = logging.getLogger(__name__)

MIME_TYPES = {
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pdf": ("application", "pdf"),
}


def envelope_from(mail_from: str) -> str:
    """The bare address of ``mail_from`` ("Văn phòng UBND <baocao@x.gov.vn>" allowed)."""
    return parseaddr(mail_from)[1] or mail_from


def _domain(mail_from: str) -> str:
    address = envelope_from(mail_from)
    return address.rsplit("@", 1)[-1] if "@" in address else "baocao"


def subject_for(period: ReportPeriod) -> str:
    """``… tuần 15/3-22/3/2021``, ``… tháng 3/2021``, ``… quý I/2021`` (the period's kind)."""
    if period.kind == "week":
        return f"Báo cáo kết quả chỉ đạo, điều hành tuần {period_names.period_short(period)}"
    return f"Báo cáo kết quả chỉ đạo, điều hành {period_names.period_name(period)}"


def _environment(templates_dir: Path) -> SandboxedEnvironment:
    env = LimitedSandbox(  # reports.render.sandbox: immutable, bounded
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(so=vi.number, ky=period_names.period_short, ky_dai=period_names.period_long)
    return env


def _headers(msg: EmailMessage, **values: str) -> None:
    """Set headers whose values may come from settings or job files: a line break would end
    the header and start others (a trailing one puts Date and MIME headers in the body)."""
    for name, value in values.items():
        if any(ch < " " or ch == "\x7f" for ch in value):
            raise DeliveryError(
                f"Không tạo được thư: tiêu đề {name} có ký tự xuống dòng hoặc điều khiển "
                f"({value!r}); sửa giá trị đó trong cấu hình hoặc tệp công việc",
                permanent=True,
            )
        msg[name] = value


def build_message(
    settings: Settings,
    *,
    recipient: str,
    period: ReportPeriod,
    figures: Figures,
    previous: Figures,
    files: Sequence[Path],
    subject: str | None = None,
    to: Sequence[str] = (),
    cc: Sequence[str] = (),
) -> EmailMessage:
    """The mail to one recipient: Vietnamese subject, HTML and text bodies, the files. A
    recipient in ``cc`` sees the message as a copy: ``To:`` the main recipients, ``Cc:`` them."""
    limit = settings.smtp.max_attachment_mb * 1024 * 1024
    attach = sum(f.stat().st_size for f in files) <= limit
    context: dict[str, Any] = {
        "tieu_de": subject or subject_for(period),
        "ky": period,
        "so_lieu": figures.as_dict() | {"dossiers_in_progress": figures.dossiers_in_progress},
        "ky_truoc": previous.as_dict() | {"dossiers_in_progress": previous.dossiers_in_progress},
        "dinh_kem": [f.name for f in files] if attach else [],
        # too large to attach: where to get them (the page), never a server path
        "duong_dan": (
            [f"{settings.web.base_url}/lich-su"] if settings.web.base_url else ["trang Lịch sử"]
        )
        + [f.name for f in files],
        "co_quan": f"{settings.office.name} - {settings.office.parent}",
        **period_labels(period),
    }
    msg = EmailMessage()
    if recipient in cc and recipient not in to and to:
        _headers(msg, Subject=context["tieu_de"], From=settings.smtp.mail_from, To=", ".join(to))
        msg["Cc"] = recipient
    else:
        _headers(msg, Subject=context["tieu_de"], From=settings.smtp.mail_from, To=recipient)
    msg["Date"] = local_date(settings)
    msg["Message-ID"] = make_msgid(domain=_domain(settings.smtp.mail_from))
    from reports.render.sandbox import run_limited

    text, html = run_limited(  # in a child process, under time and memory limits
        settings.templates_dir / "email.*.j2",
        fill_mail,
        str(settings.templates_dir),
        safe_context(context),
        timeout_s=settings.template_timeout_s,
        memory_mb=settings.template_memory_mb,
    )
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    if attach:
        for f in files:
            maintype, subtype = MIME_TYPES.get(f.suffix.lower(), ("application", "octet-stream"))
            msg.add_attachment(f.read_bytes(), maintype=maintype, subtype=subtype, filename=f.name)
    return msg


@dataclass(frozen=True)
class SendResult:
    recipient: str
    message_id: str
    attempts: int


def _is_temporary(exc: BaseException) -> bool:
    if isinstance(exc, ssl.SSLCertVerificationError | smtplib.SMTPNotSupportedError):
        return False  # configuration, not a passing failure: retrying cannot help
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, OSError | smtplib.SMTPServerDisconnected | socket.timeout)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # one recipient per message: the address is already in the sentence around this
        return "; ".join(
            f"{code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
            for code, msg in exc.recipients.values()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"chứng chỉ TLS của máy chủ thư không hợp lệ ({exc.verify_message}); nếu máy chủ "
            "dùng chứng chỉ của CA nội bộ, đặt smtp.ca_file trong baocao.toml"
        )
    return f"{exc.__class__.__name__}: {exc}"


def _permanent(smtp: SmtpSettings, recipient: str, exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (
            f"Máy chủ thư {smtp.host}:{smtp.port} không chấp nhận đăng nhập của {smtp.user!r} "
            f"({_describe(exc)}); kiểm tra smtp.user và biến môi trường BAOCAO_SMTP_PASSWORD"
        )
    if isinstance(exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
        return f"Máy chủ thư từ chối gửi tới {recipient}: {_describe(exc)}"
    return f"Không gửi được thư tới {recipient} ({smtp.host}:{smtp.port}): {_describe(exc)}"


def tls_context(smtp: SmtpSettings) -> ssl.SSLContext:
    """Certificates and host names verified (smtplib's own default verifies neither)."""
    return ssl.create_default_context(cafile=smtp.ca_file or None)


class _Deadline:
    """Ends an SMTP conversation that outlives ``seconds``: ``timeout_s`` bounds each socket
    read only, and a server trickling a byte every few seconds would hold it forever."""

    def __init__(self, seconds: float) -> None:
        self.client: smtplib.SMTP | None = None
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def _expire(self) -> None:
        self.expired = True
        sock = getattr(self.client, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _open(smtp: SmtpSettings, deadline: _Deadline | None = None) -> smtplib.SMTP:
    # Created unconnected, so that the deadline can end even the wait for the greeting.
    if smtp.tls == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(timeout=smtp.timeout_s, context=tls_context(smtp))
    else:
        client = smtplib.SMTP(timeout=smtp.timeout_s)
    client._host = smtp.host  # type: ignore[attr-defined]  # what starttls verifies
    if deadline is not None:
        deadline.client = client
    try:
        code, message = client.connect(smtp.host, smtp.port)
        if code != 220:
            raise smtplib.SMTPConnectError(code, message)
        if smtp.tls == "starttls":
            client.starttls(context=tls_context(smtp))
        if smtp.user:
            client.login(smtp.user, smtp.password)
    except BaseException:
        client.close()
        raise
    return client


def send(
    smtp: SmtpSettings,
    msg: EmailMessage,
    recipient: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> SendResult:
    """Send ``msg`` to one recipient, retrying temporary failures with exponential backoff."""
    last: BaseException | None = None
    for attempt in range(1, smtp.retries + 1):
        deadline = _Deadline(smtp.deadline_s)
        try:
            with deadline, _open(smtp, deadline) as client:
                client.send_message(
                    msg, from_addr=envelope_from(smtp.mail_from), to_addrs=[recipient]
                )
            return SendResult(recipient, str(msg["Message-ID"]), attempt)
        except (smtplib.SMTPException, OSError) as exc:
            if deadline.expired:
                raise DeliveryError(
                    f"Không gửi được thư tới {recipient} ({smtp.host}:{smtp.port}): máy chủ thư "
                    f"không xong trong {smtp.deadline_s:g} giây (smtp.deadline_s); "
                    "kiểm tra máy chủ thư rồi chạy lại"
                ) from exc
            last = exc
            if not _is_temporary(exc):
                raise DeliveryError(_permanent(smtp, recipient, exc), permanent=True) from exc
            log.warning(
                "máy chủ thư tạm lỗi khi gửi tới %s (lần %d/%d): %s",
                recipient,
                attempt,
                smtp.retries,
                _describe(exc),
            )
            if attempt < smtp.retries:
                sleep(smtp.retry_backoff_s * 2 ** (attempt - 1))
    assert last is not None
    raise DeliveryError(
        f"Không gửi được thư tới {recipient} sau {smtp.retries} lần thử "
        f"({smtp.host}:{smtp.port}): {_describe(last)}"
    )


def local_date(settings: Settings) -> str:
    """The ``Date:`` header in the office's zone (``+0700``), not the server's."""
    from datetime import datetime

    return format_datetime(datetime.now(settings.tz))


def owner_message(settings: Settings, owner: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    _headers(msg, Subject=subject, From=settings.smtp.mail_from, To=owner)
    msg["Date"] = local_date(settings)
    msg["Message-ID"] = make_msgid(domain=_domain(settings.smtp.mail_from))
    msg.set_content(body)
    return msg


def fill_mail(templates_dir: str, context: dict[str, Any]) -> tuple[str, str]:
    """In the template child (:func:`reports.render.sandbox.run_limited`): the text and HTML
    bodies of a mail."""
    from jinja2.exceptions import SecurityError

    env = _environment(Path(templates_dir))
    try:
        return (
            env.get_template("email.txt.j2").render(context),
            env.get_template("email.html.j2").render(context),
        )
    except SecurityError as exc:
        raise TemplateError(
            Path(templates_dir) / "email.*.j2", f"thẻ không an toàn, không được phép ({exc})"
        ) from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(Path(templates_dir) / "email.*.j2", str(exc)) from exc
