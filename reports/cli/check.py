"""``baocao check``: every prerequisite, ✔ or ✘ with the fix."""

from __future__ import annotations

import click

from reports.cli.app import AppContext, cli


@cli.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Kiểm tra từng điều kiện (cấu hình, cơ sở dữ liệu, mẫu, LibreOffice, thư, công việc)."""
    from reports.ops.checks import run_checks

    options = ctx.find_object(AppContext)
    assert options is not None
    results = run_checks(options.settings_path, options.db, options.jobs)
    for result in results:
        for line in result.lines():
            click.echo(line)
    failed = sum(not r.ok for r in results)
    if failed:
        click.echo(f"{failed} điều kiện chưa đạt.")
        ctx.exit(1)
    click.echo("Mọi điều kiện đều đạt.")
