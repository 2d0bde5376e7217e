"""The ``baocao`` program: the CLI door's commands, and ``baocao web``, which serves the web door.

The CLI (:mod:`reports.cli`) and the page (:mod:`reports.web`) never import each other; this
module, the one above both, wires them into one command.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from reports.cli import cli
from reports.cli import main as cli_main
from reports.cli.app import engine_of, settings_of


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

    from reports.web import create_app

    app = create_app({"BAOCAO_SETTINGS": settings_of(ctx), "BAOCAO_ENGINE": engine_of(ctx)})
    # bound and listening from here: the address printed is the one taken (port 0: the system's)
    server = create_server(app, host=host, port=port, threads=threads, ident="baocao")
    # one socket: its port; a name with several addresses (localhost: IPv4 and IPv6) gets one
    # socket each, and the port asked for
    bound = getattr(server, "effective_port", port)
    click.echo(f"Trang web baocao: http://{host}:{bound}/  (Ctrl-C để dừng)", err=True)
    server.run()


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``baocao`` with ``argv`` (default: the process's arguments); the exit code."""
    return cli_main(argv)


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
