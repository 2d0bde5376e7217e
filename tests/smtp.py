"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the tests, with scripted refusals."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@contextmanager
def refused_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections while the block runs: bound (so no one
    else can take it) and never listening."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


class _Controller(Controller):
    """aiosmtpd's controller, listening on a port the system chooses (port 0), read back once
    bound: no port picked beforehand that another process could take in between."""

    def _create_server(self) -> Coroutine[Any, Any, asyncio.AbstractServer]:
        async def create() -> asyncio.AbstractServer:
            server = await self.loop.create_server(
                self._factory_invoker, host=self.hostname, port=0, ssl=self.ssl_context
            )
            self.port = int(server.sockets[0].getsockname()[1])
            return server

        return create()


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
    before_accept: dict[str, Callable[[], None]] = field(default_factory=dict)
    """Recipients whose DATA first runs this (in the server's thread), then is accepted."""
    raw: list[bytes] = field(default_factory=list)
    """Each accepted message as it came over the wire."""
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
        for rcpt in envelope.rcpt_tos:
            if rcpt in self.before_accept:
                self.before_accept.pop(rcpt)()
        with self.lock:
            if self.temporary_failures > 0:
                self.temporary_failures -= 1
                return "451 4.3.0 Máy chủ bận, thử lại sau"
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(msg, EmailMessage)
            msg["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
            msg["X-Envelope-From"] = envelope.mail_from
            self.raw.append(envelope.content)
            self.messages.append(msg)
        return "250 Đã nhận"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["X-Envelope-To"].split(",")]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), made by the real openssl command."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class Login:
    """AUTH LOGIN/PLAIN checked against one user and password."""

    user: str
    password: str
    tried: list[str] = field(default_factory=list)

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        assert isinstance(auth_data, LoginPassword)
        user = auth_data.login.decode()
        self.tried.append(user)
        ok = user == self.user and auth_data.password.decode() == self.password
        return AuthResult(success=ok, handled=False)


class SmtpServer:
    """aiosmtpd on a free port; with ``certificate`` it offers STARTTLS, with ``login`` AUTH."""

    def __init__(
        self, certificate: tuple[Path, Path] | None = None, login: Login | None = None
    ) -> None:
        self.handler = Handler()
        options: dict[str, Any] = {}
        if certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*certificate)
            options["tls_context"] = context
        if login is not None:
            options["authenticator"] = login
        self.controller = _Controller(self.handler, hostname="127.0.0.1", port=0, **options)

    @property
    def port(self) -> int:
        """The port the server listens on (once started)."""
        return int(self.controller.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for event in self.handler.hold.values():
            event.set()
        self.controller.stop()
