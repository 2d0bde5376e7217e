"""The approval chain on the command line: drafts, approve, return, held (issue 15).

For offices without the web page; the page calls the same functions in reports.approval.
"""

from __future__ import annotations

import getpass

import click

from reports.cli.app import cli, echo_lines, engine_of, settings_of
from reports.cli.steps import cli_words
from reports.core import period_names


def _who(by: str | None) -> str:
    return by or getpass.getuser()


def _where() -> str:
    """Where a decision on the command line came from (for the evidence pack)."""
    import socket

    return f"dòng lệnh, máy {socket.gethostname()}, người dùng máy {getpass.getuser()}"


@cli.command()
@click.option("--all", "show_all", is_flag=True, help="Cả các bản đã duyệt, trả lại, phát hành.")
@click.pass_context
def drafts(ctx: click.Context, show_all: bool) -> None:
    """Các bản dự thảo chờ duyệt, mỗi bản với số lần chạy để duyệt hoặc trả lại."""
    from reports import approval

    states = tuple(approval.STATE_VI) if show_all else (approval.PENDING,)
    found = approval.drafts(engine_of(ctx), states)
    if not found:
        click.echo("Không có bản dự thảo nào chờ duyệt.")
        return
    tz = settings_of(ctx).tz
    for d in found:
        unit = f" đơn vị {d.unit}" if d.unit else ""
        number = f" số {d.reference}" if d.reference else ""
        click.echo(
            f"#{d.run_id} {d.job_id} kỳ {period_names.period_short(d.period)}{unit}: "
            f"{approval.STATE_VI[d.state]}{number} (gửi duyệt "
            f"{d.created_at.astimezone(tz):%H:%M %d/%m/%Y}; người duyệt: {', '.join(d.approvers)})"
        )
        if d.provisional:
            click.echo(f"    {d.provisional}")
        echo_lines([f"    {line}" for line in d.summary.splitlines()])
        echo_lines([f"    tệp: {f.path}" for f in d.final_files or d.files])
        if d.decided_by:
            comment = f": {d.comment}" if d.comment else ""
            click.echo(f"    {d.decided_by}{comment}")


@cli.command()
@click.argument("run_id", type=int)
@click.option(
    "--by",
    help="Người duyệt: địa chỉ thư hoặc tên đăng nhập có trong approvers của công việc.",
)
@click.pass_context
def approve(ctx: click.Context, run_id: int, by: str | None) -> None:
    """Duyệt bản dự thảo của lần chạy RUN_ID: cấp số, chốt tệp, gửi người nhận một lần."""
    from reports import approval

    decision = approval.approve(engine_of(ctx), settings_of(ctx), run_id, _who(by), where=_where())
    echo_lines([str(f.path) for f in decision.draft.final_files])
    click.echo(cli_words(decision.said), err=bool(decision.failed))
    if decision.exit_code:
        ctx.exit(decision.exit_code)


@cli.command("return")
@click.argument("run_id", type=int)
@click.option("--comment", required=True, help="Điều cần sửa (gửi cho chuyên viên).")
@click.option(
    "--by",
    help="Người trả lại: địa chỉ thư hoặc tên đăng nhập có trong approvers của công việc.",
)
@click.pass_context
def return_cmd(ctx: click.Context, run_id: int, comment: str, by: str | None) -> None:
    """Trả lại bản dự thảo (hoặc thu hồi phê duyệt) của lần chạy RUN_ID kèm ý kiến."""
    from reports import approval

    decision = approval.return_draft(
        engine_of(ctx), settings_of(ctx), run_id, _who(by), comment, where=_where()
    )
    click.echo(cli_words(decision.said))


@cli.command()
@click.pass_context
def held(ctx: click.Context) -> None:
    """Thử lại các lần chạy đang chờ đủ số liệu (sau mỗi lần nhập, việc này tự chạy)."""
    from reports.schedule.held import retry_held

    lines = retry_held(engine_of(ctx), settings_of(ctx))
    echo_lines(lines or ["Không có lần chạy nào đủ số liệu để gửi tiếp."])


@cli.command()
@click.argument("run_id", type=int)
@click.argument("signed_pdf", type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def sign(ctx: click.Context, run_id: int, signed_pdf: str) -> None:
    """Nhận bản PDF đã ký số của văn bản đã duyệt (lần chạy RUN_ID), kiểm tra rồi gửi."""
    from pathlib import Path

    from reports.approval.signed import accept_signed, signature_of

    decision = accept_signed(
        engine_of(ctx), settings_of(ctx), run_id, Path(signed_pdf).read_bytes()
    )
    report = signature_of(engine_of(ctx), run_id)
    if report is not None:  # what the rules require a verifier to show
        echo_lines(
            ["Kết quả kiểm tra chữ ký số:", *(f"  {x}" for x in report.lines(settings_of(ctx).tz))]
        )
    echo_lines([str(f.path) for f in decision.draft.final_files])
    click.echo(cli_words(decision.said), err=bool(decision.failed))
    if decision.exit_code:
        ctx.exit(decision.exit_code)


@cli.command()
@click.argument("run_id", type=int)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Tệp ZIP ghi ra.")
@click.pass_context
def evidence(ctx: click.Context, run_id: int, out_path: str | None) -> None:
    """Hồ sơ chứng cứ của văn bản đã ban hành (lần chạy RUN_ID): tệp ZIP gồm bản dự thảo,
    bản đã duyệt, bản đã ký, kết quả kiểm tra chữ ký, dòng thời gian và SHA-256 mọi tệp."""
    from pathlib import Path

    from reports.approval.evidence import evidence_pack
    from reports.core.files import atomic_output

    name, data = evidence_pack(engine_of(ctx), settings_of(ctx), run_id)
    target = Path(out_path) if out_path else Path.cwd() / name
    with atomic_output(target) as tmp:
        tmp.write_bytes(data)
    click.echo(str(target))
