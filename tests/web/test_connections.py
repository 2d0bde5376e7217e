"""120 idle connections (no login needed to open them) do not stop a logged-in user's page:
waitress accepts up to ``[web] connection_limit`` and closes idle ones after
``[web] channel_timeout_s``, as ``baocao web`` configures it."""

from __future__ import annotations

import http.cookiejar
import re
import socket
import urllib.parse
import urllib.request
from dataclasses import replace

from reports.settings.load import Settings
from tests.web.conftest import PASSWORDS, make_app, served

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def test_120_idle_connections_do_not_stop_a_logged_in_user(web_settings: Settings) -> None:
    app = make_app(web_settings)
    app.config["TESTING"] = False
    idle = []
    try:
        with served(app, web_settings) as base:
            port = urllib.parse.urlsplit(base).port
            browser = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
            )
            page = browser.open(f"{base}/dang-nhap", timeout=10).read().decode()
            token = TOKEN.search(page)
            assert token is not None
            form = {
                "name": "lanhdao",
                "password": PASSWORDS["lanhdao"],
                "csrf_token": token.group(1),
            }
            browser.open(f"{base}/dang-nhap", urllib.parse.urlencode(form).encode(), timeout=10)
            for _ in range(120):
                idle.append(socket.create_connection(("127.0.0.1", port), timeout=10))
            response = browser.open(f"{base}/", timeout=10)
            assert response.status == 200
            assert "Đăng xuất" in response.read().decode()
    finally:
        for sock in idle:
            sock.close()
        app.extensions["baocao"]["engine"].dispose()
    assert replace(web_settings.web).connection_limit > 120
