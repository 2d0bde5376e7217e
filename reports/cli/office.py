"""Install and upkeep: init (the office folder), db upgrade, help topics."""

from __future__ import annotations

from pathlib import Path

import click

from reports.cli.app import cli, echo_lines, settings_of

TOPICS = {
    "import": ("data.md", "Định dạng tệp nhập và định nghĩa các số liệu"),
    "figures": ("data.md", "Định dạng tệp nhập và định nghĩa các số liệu"),
    "report": ("report-format.md", "Nội dung và thể thức báo cáo"),
    "forms": ("forms.md", "Biểu mẫu thống kê (Biểu 06/VPCP/KSTT) và gói edXML"),
    "settings": ("../baocao.toml", "Mọi thiết lập của baocao.toml, với giá trị mặc định"),
    "jobs": ("../jobs/README.md", "Tệp công việc theo lịch"),
    "templates": ("../templates/README.md", "Sửa mẫu Word và mẫu thư"),
    "service": ("service.md", "Chạy bộ lập lịch như một dịch vụ (systemd, Windows), nhật ký"),
}


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option(
    "--systemd", is_flag=True, help="Ghi thêm tệp dịch vụ systemd cho thư mục này (systemd/)."
)
def init(folder: str, systemd: bool) -> None:
    """Tạo thư mục văn phòng: baocao.toml, jobs/, templates/, mappings/, data/, out/."""
    from reports.ops.office import init_office, next_steps

    echo_lines(next_steps(init_office(Path(folder), systemd=systemd)))


@cli.group()
def db() -> None:
    """Cơ sở dữ liệu: nâng cấp lược đồ."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Nâng cấp lược đồ cơ sở dữ liệu (SQLite: sao lưu tệp trước)."""
    from reports.store.db import upgrade_store

    for line in upgrade_store(settings_of(ctx).database_url):
        click.echo(line)


@cli.command()
@click.argument("dest", type=click.Path(file_okay=False))
@click.pass_context
def backup(ctx: click.Context, dest: str) -> None:
    """Sao lưu khi dịch vụ vẫn chạy: cơ sở dữ liệu, cấu hình, mẫu, công việc vào thư mục DEST."""
    from reports.ops.backup import backup as make_backup

    for path in make_backup(settings_of(ctx), Path(dest)):
        click.echo(str(path))


@cli.command()
@click.argument("source", type=click.Path(file_okay=False, exists=True))
@click.option("--force", is_flag=True, help="Ghi đè cơ sở dữ liệu đã có dữ liệu.")
@click.pass_context
def restore(ctx: click.Context, source: str, force: bool) -> None:
    """Khôi phục bản sao lưu vào cơ sở dữ liệu; mọi công việc tạm dừng cho tới khi resume."""
    from reports.ops.backup import restore as restore_backup

    echo_lines(restore_backup(settings_of(ctx), Path(source), force=force))


@cli.command("help")
@click.argument("topic", required=False)
def help_topic(topic: str | None) -> None:
    """Tài liệu đi kèm: help import | figures | report | settings | jobs | templates | service."""
    from reports.settings.resources import bundled

    if topic is None:
        for name, (_, title) in TOPICS.items():
            click.echo(f"baocao help {name:<10} {title}")
        return
    if topic not in TOPICS:
        from reports.core.errors import UsageError

        raise UsageError(f"không có chủ đề {topic!r}; chọn trong {', '.join(TOPICS)}")
    name = TOPICS[topic][0]
    path = bundled(name.removeprefix("../")) if name.startswith("../") else bundled("docs") / name
    click.echo(path.read_text(encoding="utf-8"), nl=False)
