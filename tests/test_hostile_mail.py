"""Mail under hostile conditions (#13): deadlines, header injection, passwords in clear."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from reports.core.errors import ConfigError, DeliveryError, JobError
from reports.deliver import mail
from reports.runs.jobs import parse_job
from reports.settings.load import Settings, settings_from_mapping


@pytest.fixture
def trickling_server() -> Iterator[tuple[int, list[int]]]:
    """A 'mail server' that answers one byte every 0.2 s, forever (each read succeeds); with
    its port, the count of bytes it has sent."""
    sent = [0]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                for byte in b"220-slow\r\n" * 1000:
                    if stop.wait(0.2):
                        return
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        break
                    sent[0] += 1

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], sent
    stop.set()
    thread.join()
    listener.close()


def test_a_trickling_server_cannot_hold_a_delivery_past_its_deadline(
    settings: Settings, trickling_server: tuple[int, list[int]]
) -> None:
    port, sent = trickling_server
    smtp = replace(settings.smtp, port=port, timeout_s=5, deadline_s=1.0, retries=1)
    msg = EmailMessage()
    msg["Subject"] = "x"
    msg.set_content("x")
    with pytest.raises(DeliveryError) as err:
        mail.send(smtp, msg, "a@b.vn", sleep=lambda _: None)
    # given up within 4 s of the server's trickle (one byte per 0.2 s), however loaded the
    # machine: a slower one sends fewer bytes, never more (no clock read by the test)
    assert sent[0] < 20, sent[0]
    assert str(err.value) == (
        f"Không gửi được thư tới a@b.vn (127.0.0.1:{port}): máy chủ thư không xong "
        "trong 1 giây (smtp.deadline_s); kiểm tra máy chủ thư rồi chạy lại"
    )


def test_a_run_past_its_deadline_stops_renewing_its_lease(settings: Settings) -> None:
    from reports.core.periods import ReportPeriod
    from reports.runs import ledger
    from reports.runs.lease import Lease, LeaseLost
    from reports.store.db import open_store

    engine = open_store(settings.database_url)
    now = [datetime(2020, 9, 28, 8, tzinfo=UTC)]
    period = ReportPeriod(datetime(2020, 9, 21).date(), datetime(2020, 9, 28).date())
    claim = ledger.claim(engine, "tuan", period, owner="me", now=now[0], lease_s=60)
    assert claim.run is not None
    lease = Lease(engine, claim.run, 60, lambda: now[0], max_s=600)
    lease.renew()  # within its deadline
    now[0] += timedelta(seconds=601)
    with pytest.raises(LeaseLost) as err:
        lease.renew()
    assert "quá 600 giây (smtp.run_deadline_s); dừng tại đây, không gửi thêm cho ai" in str(
        err.value
    )


@pytest.mark.parametrize("key", ["owner", "id"])
def test_a_trailing_newline_in_a_job_file_is_refused(tmp_path: Path, key: str) -> None:
    raw = {"id": "tuan", "schedule": "0 8 * * MON", "owner": "it@ubnd.gov.vn"}
    raw[key] = raw[key] + "\n"
    with pytest.raises(JobError):
        parse_job(tmp_path / "tuan.toml", raw)


def test_a_newline_in_mail_from_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        settings_from_mapping({}, tmp_path, environ={"BAOCAO_MAIL_FROM": "baocao@x.vn\n"})
    assert str(err.value) == (
        "Cấu hình smtp.mail_from: có ký tự xuống dòng hoặc điều khiển: 'baocao@x.vn\\n'; "
        "xóa ký tự đó (kiểm tra cả biến môi trường tương ứng)"
    )


def test_a_header_with_a_line_break_is_a_delivery_error_not_a_crash(settings: Settings) -> None:
    with pytest.raises(DeliveryError) as err:
        mail.owner_message(settings, "it@x.vn", "Lỗi\r\nBcc: ai@x.vn", "nội dung")
    assert err.value.permanent
    assert str(err.value).startswith("Không tạo được thư: tiêu đề Subject có ký tự xuống dòng")


def test_a_password_is_never_sent_in_clear_to_another_host(tmp_path: Path) -> None:
    smtp = {"host": "mail.ubnd.gov.vn", "user": "vanphong", "tls": "none"}
    with pytest.raises(ConfigError) as err:
        settings_from_mapping({"smtp": smtp}, tmp_path, environ={})
    assert str(err.value).startswith('Cấu hình smtp.tls: là "none" trong khi có smtp.user')
    local = settings_from_mapping({"smtp": smtp | {"host": "127.0.0.1"}}, tmp_path, environ={})
    assert local.smtp.user == "vanphong"
