"""One proxy setting, ``[web] trusted_proxies``: waitress believes X-Forwarded-* only from the
addresses listed (one address through waitress' own ``trusted_proxy``, several or a network
through its translation per request), the login throttle reads the same list, and the old
``trusted_proxy`` key is still read, with a note from ``baocao check``."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest

from reports.core.errors import ConfigError
from reports.ops.checks import check_deprecated
from reports.program import behind_proxies, waitress_options
from reports.settings.load import Settings, load_settings
from tests.web.conftest import served


def _echo(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    body = json.dumps(
        {"addr": environ["REMOTE_ADDR"], "scheme": environ["wsgi.url_scheme"]}
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def _settings(tmp_path: Path, web: str) -> Settings:
    (tmp_path / "baocao.toml").write_text(f"[web]\n{web}\n", encoding="utf-8")
    return load_settings(tmp_path / "baocao.toml", environ={})


@contextmanager
def _served(settings: Settings) -> Iterator[str]:
    with served(behind_proxies(_echo, settings.web.trusted_proxies), settings, threads=2) as base:
        yield base + "/"


def _seen(base: str) -> dict[str, str]:
    request = urllib.request.Request(
        base, headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        seen: dict[str, str] = json.loads(response.read())
    return seen


@pytest.mark.parametrize(
    ("web", "trusted"),
    [
        ('trusted_proxies = ["127.0.0.1"]', True),  # waitress' own trusted_proxy
        ('trusted_proxies = ["10.1.2.3", "127.0.0.0/8"]', True),  # several, a network
        ('trusted_proxies = ["10.1.2.3"]', False),  # the peer is not the proxy
        ('trusted_proxies = ["10.1.2.3", "10.0.0.0/8"]', False),
        ("", False),
    ],
)
def test_waitress_believes_forwarded_headers_only_from_the_listed_proxies(
    tmp_path: Path, web: str, trusted: bool
) -> None:
    settings = _settings(tmp_path, web)
    with _served(settings) as base:
        seen = _seen(base)
    if trusted:
        assert seen == {"addr": "203.0.113.7", "scheme": "https"}
    else:
        assert seen == {"addr": "127.0.0.1", "scheme": "http"}


def test_one_address_is_waitress_own_setting(tmp_path: Path) -> None:
    options = waitress_options(_settings(tmp_path, 'trusted_proxies = ["127.0.0.1"]'))
    assert options["trusted_proxy"] == "127.0.0.1"
    assert options["trusted_proxy_headers"] == {
        "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"
    }  # fmt: skip
    several = _settings(tmp_path, 'trusted_proxies = ["127.0.0.1", "::1"]')
    assert "trusted_proxy" not in waitress_options(several)
    assert behind_proxies(_echo, several.web.trusted_proxies) is not _echo


def test_the_old_key_is_read_into_the_list_and_check_says_to_rename_it(tmp_path: Path) -> None:
    settings = _settings(tmp_path, 'trusted_proxy = "127.0.0.1"')
    assert settings.web.trusted_proxies == ("127.0.0.1",)
    with _served(settings) as base:
        assert _seen(base)["addr"] == "203.0.113.7"
    (note,) = check_deprecated(settings)
    assert note.ok and note.warn
    text = "\n".join(note.lines())
    assert text.startswith("⚠ Thiết lập cũ: [web] trusted_proxy")
    assert 'trusted_proxies = ["127.0.0.1"]' in text
    assert list(check_deprecated(_settings(tmp_path, 'trusted_proxies = ["127.0.0.1"]'))) == []
    with pytest.raises(ConfigError) as err:
        _settings(tmp_path, 'trusted_proxy = "nginx"')
    assert "web.trusted_proxy" in str(err.value) and "'nginx'" in str(err.value)
