"""The ``baocao`` command: a thin shell over the core.

Only the ``reports.cli`` package imports click. The core raises
:class:`reports.core.errors.BaocaoError`; here it becomes ``Lỗi: …`` on stderr and a non-zero exit.
No traceback reaches the user: an unexpected error is written to a log file whose path is
printed. This module holds the group, its global options and the entry point; each family of
commands lives in a module of its own beside it and registers itself on :data:`cli`.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reports.cli import vi_click
from reports.cli.steps import cli_words
from reports.core.errors import BaocaoError

vi_click.install()

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from reports.core.periods import ReportPeriod
    from reports.settings.load import Settings

log = logging.getLogger("reports")


class AppContext:
    def __init__(self, settings_path: str | None, db: str | None, jobs: str | None) -> None:
        self.settings_path = settings_path
        self.db = db
        self.jobs = jobs
        self._settings: Settings | None = None
        self._engine: Engine | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from reports.settings.load import load_settings

            self._settings = load_settings(self.settings_path).with_database(self.db)
            self._settings = self._settings.with_jobs_dir(self.jobs)
            from reports.ops.logs import configure

            configure(self._settings)
        return self._settings

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from reports.store.db import open_store

            self._engine = open_store(
                self.settings.database_url,
                busy_timeout_s=self.settings.database_busy_timeout_s,
            )
        return self._engine


def settings_of(ctx: click.Context) -> Settings:
    return ctx.find_object(AppContext).settings  # type: ignore[union-attr]


def engine_of(ctx: click.Context) -> Engine:
    return ctx.find_object(AppContext).engine  # type: ignore[union-attr]


def _period(start: str, end: str) -> ReportPeriod:
    from reports.core.period_pick import parse_cli_date
    from reports.core.periods import ReportPeriod

    return ReportPeriod(parse_cli_date(start, "--from"), parse_cli_date(end, "--to"))


def echo_lines(lines: Sequence[str]) -> None:
    """Print lines of the core's output; escape sequences in data are shown, not obeyed."""
    from reports.cli.terminal import for_terminal

    for line in lines:
        click.echo(for_terminal(line))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--settings",
    "settings_path",
    envvar="BAOCAO_SETTINGS",
    metavar="FILE",
    help="Tệp cấu hình baocao.toml (mặc định: baocao.toml của dự án).",
)
@click.option(
    "--db", envvar="BAOCAO_DB", metavar="URL", help="Cơ sở dữ liệu (mặc định: SQLite trong data/)."
)
@click.option(
    "--jobs", "jobs_dir", metavar="DIR", help="Thư mục các tệp công việc (mặc định: jobs/)."
)
@click.option("-v", "--verbose", count=True, help="Ghi nhật ký chi tiết ra stderr.")
@click.version_option(package_name="baocao", prog_name="baocao")
@click.pass_context
def cli(
    ctx: click.Context,
    settings_path: str | None,
    db: str | None,
    jobs_dir: str | None,
    verbose: int,
) -> None:
    """baocao: báo cáo tuần kết quả chỉ đạo, điều hành của Văn phòng UBND."""
    logging.basicConfig(
        level=logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = AppContext(settings_path, db, jobs_dir)


# --- import & figures -------------------------------------------------------------------


def _click_message(exc: click.ClickException) -> str:
    """Click's own usage errors, in Vietnamese (its words come from :mod:`vi_click`)."""
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx else "baocao"
    hint = f" Xem '{command} --help'."
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        if isinstance(exc.param, click.Argument):
            return f"thiếu đối số {exc.param.human_readable_name}.{hint}"
        names = "/".join(getattr(exc.param, "opts", []) or [exc.param.name or ""])
        return f"thiếu {names}.{hint}"
    if isinstance(exc, click.NoSuchOption):
        return f"không có tùy chọn {exc.option_name}.{hint}"
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        names = "/".join(getattr(exc.param, "opts", []) or [exc.param.name or ""])
        return f"giá trị không hợp lệ cho {names}: {exc.message.rstrip('.')}.{hint}"
    if isinstance(exc, click.UsageError):
        return f"{exc.message.rstrip('.')}.{hint}"
    return exc.format_message()


GLOBAL_OPTIONS = ("--settings", "--db", "--jobs")
"""The group's options that take a value; with ``-v``/``--verbose`` they may follow the
subcommand (``baocao units --settings F``)."""


def hoist_global_options(args: Sequence[str]) -> list[str]:
    """Move the global options wherever they are to the front, where click expects them."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg.split("=", 1)[0] in GLOBAL_OPTIONS:
            if "=" in arg:
                front.append(arg)
            else:
                front.extend(args[i : i + 2])
                i += 1
        elif arg == "--verbose" or (len(arg) > 1 and arg.strip("v") == "-"):
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def _crash_log(exc: BaseException) -> Path:
    fd, name = tempfile.mkstemp(prefix="baocao-loi-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("".join(traceback.format_exception(exc)))
    return Path(name)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; every failure becomes a message and an exit code, never a traceback."""
    try:
        # standalone_mode=False: click returns ctx.exit()'s code instead of exiting
        args = hoist_global_options(sys.argv[1:] if argv is None else argv)
        code = cli.main(args=args, prog_name="baocao", standalone_mode=False)
        if isinstance(code, int) and code:
            return code
    except BaocaoError as exc:
        click.echo(f"Lỗi: {cli_words(exc)}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Đã dừng. Không có gì được ghi dở.", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("Đã dừng (Ctrl-C). Không có gì được ghi dở.", err=True)
        return 130
    except click.ClickException as exc:
        click.echo(f"Lỗi: {_click_message(exc)}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except OSError as exc:
        if exc.filename is None:
            return _unexpected(exc)
        # a folder or file the user named (or the settings did) that cannot be made or written
        click.echo(
            f"Lỗi: không ghi được {exc.filename}: {exc.strerror}; chọn thư mục mà tài khoản này "
            "được ghi (--out, paths.output hoặc paths.data trong baocao.toml)",
            err=True,
        )
        return 5
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback to users
        if type(exc).__module__.startswith("sqlalchemy") and type(exc).__name__ in (
            "OperationalError",
            "InterfaceError",
        ):
            orig = getattr(exc, "orig", None) or exc
            click.echo(
                f"Lỗi: cơ sở dữ liệu không dùng được lúc này ({orig}); thử lại sau ít phút, "
                "hoặc kiểm tra máy chủ cơ sở dữ liệu và --db / BAOCAO_DB",
                err=True,
            )
            return 4
        return _unexpected(exc)
    return 0


def _unexpected(exc: BaseException) -> int:
    path = _crash_log(exc)
    click.echo(
        f"Lỗi không mong đợi: {exc.__class__.__name__}: {exc}\n"
        f"Chi tiết kỹ thuật đã ghi vào {path}; gửi tệp này cho bộ phận CNTT.",
        err=True,
    )
    return 70


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
