"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the tests, with scripted refusals."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Handler:
    """Stores every accepted message; can refuse recipients temporarily or for good."""

    messages: list[EmailMessage] = field(default_factory=list)
    temporary_failures: int = 0
    """Answer this many DATA commands with 451 before accepting."""
    reject: set[str] = field(default_factory=set)
    """Recipients answered with 550."""
    hold: dict[str, threading.Event] = field(default_factory=dict)
    """Recipients whose DATA waits for the event, then is refused with 451 (a crash window)."""
    arrived: dict[str, threading.Event] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.reject:
            return "550 5.1.1 Người nhận không tồn tại"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        for rcpt in envelope.rcpt_tos:
            if rcpt in self.arrived:
                self.arrived[rcpt].set()
            if rcpt in self.hold:
                event = self.hold.pop(rcpt)
                await asyncio.get_running_loop().run_in_executor(None, event.wait, 30)
                return "451 4.3.0 Thử lại sau"
        with self.lock:
            if self.temporary_failures > 0:
                self.temporary_failures -= 1
                return "451 4.3.0 Máy chủ bận, thử lại sau"
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(msg, EmailMessage)
            msg["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
            self.messages.append(msg)
        return "250 Đã nhận"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["X-Envelope-To"].split(",")]


class SmtpServer:
    def __init__(self) -> None:
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for event in self.handler.hold.values():
            event.set()
        self.controller.stop()
