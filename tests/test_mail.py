"""Mail through a real SMTP server (aiosmtpd on 127.0.0.1), parsed back."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from reports.core.errors import DeliveryError
from reports.core.model import Figures
from reports.core.periods import ReportPeriod
from reports.deliver import mail
from reports.settings.load import Settings
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
    from tests.smtp import refused_port

    with refused_port() as port, pytest.raises(DeliveryError) as info:
        s = replace(settings, smtp=replace(settings.smtp, port=port, retries=2, retry_backoff_s=0))
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


def test_a_named_sender_and_vietnamese_file_names_on_the_wire(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    s = mail_settings(settings, smtp_server)
    s = replace(
        s, smtp=replace(s.smtp, mail_from="Văn phòng UBND thành phố <baocao@vp.hanoi.gov.vn>")
    )
    msg = _message(s, _files(tmp_path))
    mail.send(s.smtp, msg, "lanhdao@ubnd.gov.vn")
    (received,) = smtp_server.handler.messages
    assert received["X-Envelope-From"] == "baocao@vp.hanoi.gov.vn"
    assert received["From"] == "Văn phòng UBND thành phố <baocao@vp.hanoi.gov.vn>"
    assert received["Message-ID"].endswith("@vp.hanoi.gov.vn>")
    (raw,) = smtp_server.handler.raw
    # RFC 2231: the name percent-encoded in UTF-8, readable by every mail client
    assert b"filename*=utf-8''B%C3%A1o%20c%C3%A1o%20tu%E1%BA%A7n.xlsx" in raw


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from tests.smtp import self_signed_certificate

    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


def test_starttls_verifies_the_server_certificate(
    settings: Settings, tmp_path: Path, certificate: tuple[Path, Path]
) -> None:
    with SmtpServer(certificate=certificate) as server:
        s = mail_settings(settings, server, tls="starttls", retries=3)
        waits: list[float] = []
        with pytest.raises(DeliveryError) as info:
            mail.send(s.smtp, _message(s, _files(tmp_path)), "a@ubnd.gov.vn", sleep=waits.append)
        # an untrusted certificate is a configuration problem: said plainly, not retried
        assert info.value.permanent and waits == []
        assert "chứng chỉ TLS của máy chủ thư không hợp lệ" in str(info.value)
        assert "smtp.ca_file" in str(info.value)
        assert server.handler.messages == []
        trusted = mail_settings(settings, server, tls="starttls", ca_file=str(certificate[0]))
        mail.send(trusted.smtp, _message(trusted, _files(tmp_path)), "a@ubnd.gov.vn")
        assert len(server.handler.messages) == 1


def test_a_refused_login_is_permanent_and_the_password_never_shows(
    settings: Settings,
    tmp_path: Path,
    certificate: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from tests.smtp import Login

    login = Login("vanphong", "mat-khau-dung")
    with SmtpServer(certificate=certificate, login=login) as server:
        base = dict(tls="starttls", ca_file=str(certificate[0]), user="vanphong", retries=3)
        wrong = mail_settings(settings, server, password="mat-khau-SAI-123", **base)
        caplog.set_level(logging.DEBUG)
        waits: list[float] = []
        with pytest.raises(DeliveryError) as info:
            mail.send(
                wrong.smtp, _message(wrong, _files(tmp_path)), "a@ubnd.gov.vn", sleep=waits.append
            )
        # smtplib tries AUTH PLAIN then LOGIN on the one connection; no second connection
        assert info.value.permanent and waits == [] and login.tried == ["vanphong"] * 2
        assert str(info.value).startswith(
            f"Máy chủ thư 127.0.0.1:{server.port} không chấp nhận đăng nhập của 'vanphong' (535"
        )
        assert "BAOCAO_SMTP_PASSWORD" in str(info.value)
        assert "mat-khau-SAI-123" not in str(info.value) + caplog.text + repr(wrong)
        right = mail_settings(settings, server, password="mat-khau-dung", **base)
        mail.send(right.smtp, _message(right, _files(tmp_path)), "a@ubnd.gov.vn")
        assert len(server.handler.messages) == 1


def test_generate_email_sends_the_files_it_wrote(smtp_server: SmtpServer, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from reports.settings.load import PROJECT_ROOT

    config = tmp_path / "baocao.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "db.sqlite"}"\n'
        f'[paths]\ntemplates = "{PROJECT_ROOT / "templates"}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nmail_from = "baocao@vp.hanoi.gov.vn"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
    r = subprocess.run(
        [sys.executable, "-m", "reports", "--settings", str(config), "generate",
         "--from", "2021-03-15", "--to", "2021-03-22", "--format", "docx", "--out", str(tmp_path / "out"),
         "--email", "a@ubnd.gov.vn, b@ubnd.gov.vn"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    (written,) = [Path(line) for line in r.stdout.splitlines()]
    assert "Đã gửi tới a@ubnd.gov.vn" in r.stderr and "Đã gửi tới b@ubnd.gov.vn" in r.stderr
    for address in ("a@ubnd.gov.vn", "b@ubnd.gov.vn"):
        (msg,) = smtp_server.handler.to(address)
        assert msg["Subject"] == "Báo cáo kết quả chỉ đạo, điều hành tuần 15/3-22/3/2021"
        assert [a.get_content() for a in msg.iter_attachments()] == [written.read_bytes()]
