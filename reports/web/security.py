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
