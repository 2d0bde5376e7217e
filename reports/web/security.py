"""Security headers and the secret key of the session cookie."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Response

from reports.core.errors import ConfigError
from reports.settings.load import Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    # the VGCA signing service on the signer's own PC ("Ký số" on the draft page)
    "connect-src 'self' wss://127.0.0.1:8987; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def secret_key_file(settings: Settings) -> Path:
    return settings.data_dir / "web-secret.key"


def secret_key(settings: Settings) -> str:
    """``BAOCAO_SECRET_KEY``, or the key in ``<data>/web-secret.key``, created (mode 0600) on
    first use. Never in the repository: ``data/`` is the office's, not the project's."""
    from_env = os.environ.get("BAOCAO_SECRET_KEY")
    if from_env:
        if len(from_env) < 32:
            raise ConfigError("BAOCAO_SECRET_KEY", "cần ít nhất 32 ký tự ngẫu nhiên")
        return from_env
    path = secret_key_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise ConfigError(
                "web-secret.key", f"tệp {path} hỏng (quá ngắn); xóa tệp để tạo khóa mới"
            ) from None
        return key
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key


MAX_NEXT = 2048


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path of this site, else ``default``.

    Refused: anything with a scheme or host, ``//`` (another host), a backslash (browsers read
    ``/\\evil`` as ``//evil``), control or space characters (browsers drop ``\\t`` and ``\\n``,
    so ``/\\t/evil`` becomes ``//evil``), and the same once percent-decoded. Stricter than
    Django's ``url_has_allowed_host_and_scheme``: no host is ever allowed.
    """
    import unicodedata
    from urllib.parse import unquote, urlsplit

    if not target or len(target) > MAX_NEXT:
        return default
    if any(unicodedata.category(ch)[0] in "CZ" or ch.isspace() for ch in target):
        return default
    if "\\" in target or not target.startswith("/") or target.startswith("//"):
        return default
    decoded = unquote(target)
    if decoded.startswith("//") or "\\" in decoded:
        return default
    if any(unicodedata.category(ch)[0] in "CZ" for ch in decoded):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def client_address(remote: str | None, forwarded_for: str | None, proxies: tuple[str, ...]) -> str:
    """The user's address: the peer's, or, when the peer is one of ``proxies`` (settings
    ``web.trusted_proxies``), the last address in ``X-Forwarded-For`` not itself a proxy."""
    import ipaddress

    peer = remote or "?"
    if not forwarded_for or not proxies:
        return peer
    networks = [ipaddress.ip_network(p, strict=False) for p in proxies]

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in networks)

    if not trusted(peer):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer
    return peer


def same_site_referrer(referrer: str | None, host_url: str) -> str | None:
    """The path of the page a form was sent from, when that page is on this site."""
    if not referrer or not referrer.startswith(host_url):
        return None
    return safe_next("/" + referrer[len(host_url) :], "") or None
