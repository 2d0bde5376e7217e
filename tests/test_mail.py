"""Mail through a real SMTP server (aiosmtpd on 127.0.0.1), parsed back."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from reports.deliver import mail
from reports.errors import DeliveryError
from reports.model import Figures
from reports.periods import ReportPeriod
from reports.settings import Settings
from tests.conftest import mail_settings
from tests.smtp import SmtpServer

PERIOD = ReportPeriod(date(2021, 3, 15), date(2021, 3, 22))


def _files(tmp_path: Path) -> list[Path]:
    docx = tmp_path / "BC-tuan-2021-03-15_2021-03-22.docx"
    xlsx = tmp_path / "Báo cáo tuần.xlsx"
    docx.write_bytes(b"PK\x03\x04 docx bytes \x00\xff")
    xlsx.write_bytes(b"PK\x03\x04 xlsx bytes \x01\xfe")
    return [docx, xlsx]


def _message(
    settings: Settings, files: list[Path], to: str = "lanhdao@ubnd.gov.vn"
) -> mail.EmailMessage:
    return mail.build_message(
        settings,
        recipient=to,
        period=PERIOD,
        figures=Figures(documents_received=1406, dossiers_received=61, dossiers_completed=49),
        previous=Figures(documents_received=1300),
        files=files,
    )


def test_the_mail_arrives_with_vietnamese_subject_bodies_and_files(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    s = mail_settings(settings, smtp_server)
    files = _files(tmp_path)
    result = mail.send(s.smtp, _message(s, files), "lanhdao@ubnd.gov.vn")
    assert result.attempts == 1
    (received,) = smtp_server.handler.messages
    assert received["Subject"] == "Báo cáo kết quả chỉ đạo, điều hành tuần 15/3-22/3/2021"
    assert received["X-Envelope-To"] == "lanhdao@ubnd.gov.vn"
    text = received.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = received.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "từ ngày 15/3 đến ngày 22/3/2021" in text
    assert "Văn bản hành chính tiếp nhận, xử lý: 1.406" in text
    assert '<td align="right">1.406</td>' in html and '<td align="right">1.300</td>' in html
    attachments = {a.get_filename(): a.get_content() for a in received.iter_attachments()}
    assert attachments == {f.name: f.read_bytes() for f in files}


def test_above_the_size_limit_the_mail_says_where_the_files_are(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    s = mail_settings(settings, smtp_server, max_attachment_mb=0.000001)
    files = _files(tmp_path)
    mail.send(s.smtp, _message(s, files), "lanhdao@ubnd.gov.vn")
    (received,) = smtp_server.handler.messages
    assert list(received.iter_attachments()) == []
    text = received.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert str(files[0]) in text


def test_temporary_refusal_is_retried_and_delivered_once(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    s = mail_settings(settings, smtp_server, retries=3)
    smtp_server.handler.temporary_failures = 2
    waits: list[float] = []
    result = mail.send(s.smtp, _message(s, _files(tmp_path)), "a@ubnd.gov.vn", sleep=waits.append)
    assert result.attempts == 3
    assert len(smtp_server.handler.messages) == 1
    assert waits == [0.01, 0.02]  # exponential backoff


def test_connection_refused_is_temporary_and_said_clearly(
    settings: Settings, tmp_path: Path
) -> None:
    from tests.smtp import free_port

    port = free_port()
    s = replace(settings, smtp=replace(settings.smtp, port=port, retries=2, retry_backoff_s=0))
    with pytest.raises(DeliveryError) as info:
        mail.send(s.smtp, _message(s, _files(tmp_path)), "a@ubnd.gov.vn", sleep=lambda _: None)
    assert not info.value.permanent
    assert str(info.value).startswith(
        f"Không gửi được thư tới a@ubnd.gov.vn sau 2 lần thử (127.0.0.1:{port}): ConnectionRefusedError"
    )


def test_permanent_rejection_is_not_retried(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    s = mail_settings(settings, smtp_server, retries=3)
    smtp_server.handler.reject.add("khongco@ubnd.gov.vn")
    waits: list[float] = []
    with pytest.raises(DeliveryError) as info:
        mail.send(s.smtp, _message(s, _files(tmp_path)), "khongco@ubnd.gov.vn", sleep=waits.append)
    assert info.value.permanent
    assert waits == []
    assert "550" in str(info.value)
    assert smtp_server.handler.messages == []
