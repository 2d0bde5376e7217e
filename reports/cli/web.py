"""The web door's users: ``baocao users add|list|disable|passwd`` (``baocao web`` itself is in
:mod:`reports.program`, the one module above both doors)."""

from __future__ import annotations

import sys

import click

from reports.cli.app import cli, engine_of, settings_of

_ROLES = ("quan-tri", "lanh-dao", "chuyen-vien")


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
@click.option(
    "--role",
    default="chuyen-vien",
    show_default=True,
    type=click.Choice(_ROLES),
    help="Vai trò (mặc định: quyền ít nhất).",
)
@click.option("--email", default="", help="Địa chỉ thư nhận thông báo.")
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, email: str) -> None:
    """Thêm người dùng; mật khẩu đọc từ bàn phím hoặc một dòng stdin, không từ tham số."""
    from reports.accounts.users import add_user

    user = add_user(engine_of(ctx), name, role, _read_password(), by="cli", email=email)
    click.echo(f"Đã thêm người dùng {user.name} ({user.role_name}).")


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """Liệt kê người dùng: tên, vai trò, trạng thái."""
    from reports.accounts.users import list_users

    tz = settings_of(ctx).tz
    found = list_users(engine_of(ctx))
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

    disable_user(engine_of(ctx), name, by="cli")
    click.echo(f"Đã khóa người dùng {name}.")


@users.command("passwd")
@click.argument("name")
@click.pass_context
def users_passwd(ctx: click.Context, name: str) -> None:
    """Đặt mật khẩu mới (đọc như khi thêm); các phiên đăng nhập của người đó kết thúc."""
    from reports.accounts.users import set_password

    set_password(engine_of(ctx), name, _read_password(), by="cli")
    click.echo(f"Đã đặt mật khẩu mới cho {name}.")
