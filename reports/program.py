"""The ``baocao`` program: the CLI door's commands, and ``baocao web``, which serves the web door.

The CLI (:mod:`reports.cli`) and the page (:mod:`reports.web`) never import each other; this
module, the one above both, wires them into one command.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import click

from reports.cli import cli
from reports.cli import main as cli_main
from reports.cli.app import engine_of, settings_of
from reports.settings.load import Settings


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Địa chỉ lắng nghe.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Cổng (0: để hệ thống chọn một cổng trống; cổng được in ra khi bắt đầu).",
)
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Số luồng phục vụ."
)
@click.pass_context
def web(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Chạy trang web của baocao (waitress) cho đến khi dừng (Ctrl-C)."""
    from waitress import create_server

    from reports.produce.keep import purge_older_than
    from reports.web import create_app

    settings = settings_of(ctx)
    purge_older_than(engine_of(ctx), settings, settings.web.keep_files_days)
    app = create_app({"BAOCAO_SETTINGS": settings, "BAOCAO_ENGINE": engine_of(ctx)})
    # bound and listening from here: the address printed is the one taken (port 0: the system's)
    server = create_server(
        behind_proxies(app, settings.web.trusted_proxies),
        host=host,
        port=port,
        threads=threads,
        ident="baocao",
        **waitress_options(settings),
    )
    # one socket: its port; a name with several addresses (localhost: IPv4 and IPv6) gets one
    # socket each, and the port asked for
    bound = getattr(server, "effective_port", port)
    click.echo(f"Trang web baocao: http://{host}:{bound}/  (Ctrl-C để dừng)", err=True)
    server.run()


PROXY_HEADERS = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"})
"""What a trusted proxy may tell: the user's address, the scheme (https) and the host."""


def waitress_options(settings: Settings) -> dict[str, Any]:
    """Bounds on idle and concurrent connections, and the proxy whose headers are trusted
    (waitress' own handling: headers from anyone else are removed). ``[web] trusted_proxies``
    naming one address is waitress' ``trusted_proxy``; several, or a network, are handled by
    :func:`behind_proxies` (which must then wrap the app) with waitress' own translation."""
    web = settings.web
    options: dict[str, Any] = {
        "connection_limit": web.connection_limit,
        "channel_timeout": web.channel_timeout_s,
        "cleanup_interval": max(1, min(10, web.channel_timeout_s // 2)),
        "asyncore_use_poll": True,  # select() fails past 1024 descriptors
    }
    single = one_proxy_address(web.trusted_proxies)
    if single is not None:
        options.update(
            trusted_proxy=single,
            trusted_proxy_count=1,
            trusted_proxy_headers=set(PROXY_HEADERS),
        )
    elif web.trusted_proxies:
        # behind_proxies() translates or clears per request; waitress would clear them first
        options["clear_untrusted_proxy_headers"] = False
    return options


def one_proxy_address(proxies: Sequence[str]) -> str | None:
    """The address when ``proxies`` is one address (not a network), as waitress compares it."""
    import ipaddress

    if len(proxies) != 1:
        return None
    network = ipaddress.ip_network(proxies[0], strict=False)
    return str(network.network_address) if network.num_addresses == 1 else None


def behind_proxies(app: WSGIApplication, proxies: Sequence[str]) -> WSGIApplication:
    """``app`` with several trusted proxies (or networks): a request from inside them gets
    waitress' translation of the X-Forwarded-* headers, anyone else's are removed. With none,
    or one address (waitress' ``trusted_proxy`` does it), ``app`` itself."""
    import ipaddress

    from waitress.proxy_headers import proxy_headers_middleware

    if not proxies or one_proxy_address(proxies) is not None:
        return app
    networks = [ipaddress.ip_network(p, strict=False) for p in proxies]
    trusted = proxy_headers_middleware(
        app, trusted_proxy="*", trusted_proxy_count=1, trusted_proxy_headers=set(PROXY_HEADERS)
    )
    untrusted = proxy_headers_middleware(app, trusted_proxy=None)  # clears every proxy header

    def dispatch(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            peer = ipaddress.ip_address(environ.get("REMOTE_ADDR", ""))
        except ValueError:
            return untrusted(environ, start_response)  # type: ignore[no-any-return]
        chosen = trusted if any(peer in net for net in networks) else untrusted
        return chosen(environ, start_response)  # type: ignore[no-any-return]

    return dispatch


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``baocao`` with ``argv`` (default: the process's arguments); the exit code."""
    return cli_main(argv)


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
