"""The web door and its users: ``baocao web``, ``baocao users add|list|disable``."""

from __future__ import annotations

import sys

import click

from reports.cli.app import _engine, _settings, cli

_ROLES = ("quan-tri", "lanh-dao", "chuyen-vien")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Địa chỉ lắng nghe.")
@click.option(
    "--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Cổng."
)
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Số luồng phục vụ."
)
@click.pass_context
def web(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Chạy trang web của baocao (waitress) cho đến khi dừng (Ctrl-C)."""
    from waitress import serve

    from reports.web import create_app

    app = create_app({"BAOCAO_SETTINGS": _settings(ctx), "BAOCAO_ENGINE": _engine(ctx)})
    click.echo(f"Trang web baocao: http://{host}:{port}/  (Ctrl-C để dừng)", err=True)
    serve(app, host=host, port=port, threads=threads, ident="baocao")


@cli.group()
def users() -> None:
    """Người dùng của trang web."""


def _read_password() -> str:
    if sys.stdin.isatty():
        return str(
            click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
        )
    return sys.stdin.readline().rstrip("\r\n")


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(_ROLES), help="Vai trò.")
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str) -> None:
    """Thêm người dùng; mật khẩu đọc từ bàn phím hoặc một dòng stdin, không từ tham số."""
    from reports.accounts.users import add_user

    user = add_user(_engine(ctx), name, role, _read_password(), by="cli")
    click.echo(f"Đã thêm người dùng {user.name} ({user.role_name}).")


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """Liệt kê người dùng: tên, vai trò, trạng thái."""
    from reports.accounts.users import list_users

    tz = _settings(ctx).tz
    found = list_users(_engine(ctx))
    if not found:
        click.echo("Chưa có người dùng nào. Thêm: baocao users add TEN --role quan-tri")
    for u in found:
        state = "đang dùng" if u.active else "đã khóa"
        click.echo(
            f"{u.name}\t{u.role_name}\t{state}\t{u.created_at.astimezone(tz):%d/%m/%Y %H:%M}"
        )


@users.command("disable")
@click.argument("name")
@click.pass_context
def users_disable(ctx: click.Context, name: str) -> None:
    """Khóa một người dùng (các phiên đăng nhập của họ kết thúc ngay)."""
    from reports.accounts.users import disable_user

    disable_user(_engine(ctx), name, by="cli")
    click.echo(f"Đã khóa người dùng {name}.")


@users.command("passwd")
@click.argument("name")
@click.pass_context
def users_passwd(ctx: click.Context, name: str) -> None:
    """Đặt mật khẩu mới (đọc như khi thêm); các phiên đăng nhập của người đó kết thúc."""
    from reports.accounts.users import set_password

    set_password(_engine(ctx), name, _read_password(), by="cli")
    click.echo(f"Đã đặt mật khẩu mới cho {name}.")
