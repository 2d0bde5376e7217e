"""The sections a person writes (issue 19) on the command line: ``baocao sections RUN_ID``
prints a draft's sections as a text file, ``baocao sections RUN_ID FILE`` stores the edited
file with the draft and renders it again (the page's editor calls the same core function)."""

from __future__ import annotations

from pathlib import Path

import click

from reports.cli.app import cli, engine_of, settings_of
from reports.core.errors import UsageError
from reports.core.sections import WrittenSection, sections_from_text_file


def read_sections(path: str) -> tuple[WrittenSection, ...]:
    """The sections in a text file ('# Tên phần' lines, then paragraphs and '- ' bullets)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"--sections: tệp {path} không phải UTF-8; lưu lại dạng UTF-8") from exc
    except OSError as exc:
        raise UsageError(f"--sections: không đọc được tệp {path} ({exc.strerror})") from exc
    sections = sections_from_text_file(text)
    if not sections and text.strip():
        raise UsageError(
            f"--sections: tệp {path} không có phần nào; mỗi phần bắt đầu bằng một dòng "
            "'# Tên phần' (ví dụ '# Nhiệm vụ trọng tâm kỳ tới')"
        )
    return sections


@cli.command()
@click.argument("run_id", type=int)
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.pass_context
def sections(ctx: click.Context, run_id: int, file: str | None) -> None:
    """In các phần do người viết của bản dự thảo RUN_ID; với TỆP: lưu nội dung tệp vào bản
    dự thảo và viết lại tệp Word, PDF (sửa sau khi đã duyệt thì phải duyệt lại)."""
    from reports import approval
    from reports.approval.written import draft_sections, save_sections
    from reports.core.sections import declared_sections, sections_as_text_file
    from reports.render.template_sections import written_titles

    engine, settings = engine_of(ctx), settings_of(ctx)
    d = approval.draft(engine, run_id)
    report = approval.report_of(engine, d.id)
    if file is None:
        click.echo(sections_as_text_file(draft_sections(settings, report)), nl=False)
        return
    given = declared_sections(written_titles(settings, report.period.kind), read_sections(file))
    after = save_sections(engine, settings, run_id, given)
    for f in after.files:
        click.echo(str(f.path))
    click.echo(
        f"Đã lưu các phần do người viết vào bản dự thảo của lần chạy #{run_id} "
        f"({approval.STATE_VI[after.state]}).",
        err=True,
    )
