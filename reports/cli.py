"""The ``baocao`` command: a thin shell over the core.

Only this module imports click. The core raises :class:`reports.errors.BaocaoError`; here it
becomes ``Lỗi: …`` on stderr and a non-zero exit. No traceback reaches the user: an unexpected
error is written to a log file whose path is printed.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reports.errors import BaocaoError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from reports.model import FigureSet
    from reports.periods import ReportPeriod
    from reports.settings import Settings

log = logging.getLogger("reports")


class _Context:
    def __init__(self, settings_path: str | None, db: str | None, jobs: str | None) -> None:
        self.settings_path = settings_path
        self.db = db
        self.jobs = jobs
        self._settings: Settings | None = None
        self._engine: Engine | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from reports.settings import load_settings

            self._settings = load_settings(self.settings_path).with_database(self.db)
            self._settings = self._settings.with_jobs_dir(self.jobs)
        return self._settings

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from reports.store.db import open_store

            self._engine = open_store(self.settings.database_url)
        return self._engine


def _settings(ctx: click.Context) -> Settings:
    return ctx.find_object(_Context).settings  # type: ignore[union-attr]


def _engine(ctx: click.Context) -> Engine:
    return ctx.find_object(_Context).engine  # type: ignore[union-attr]


def _period(start: str, end: str) -> ReportPeriod:
    from reports.periods import ReportPeriod, parse_cli_date

    return ReportPeriod(parse_cli_date(start, "--from"), parse_cli_date(end, "--to"))


def _echo_lines(lines: Sequence[str]) -> None:
    for line in lines:
        click.echo(line)


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
    ctx.obj = _Context(settings_path, db, jobs_dir)


# --- import & figures -------------------------------------------------------------------


def _import_lines(results: Sequence[Any]) -> list[str]:
    from reports import vi

    lines = []
    for r in results:
        line = (
            f"{r.file} ({r.kind}): thêm {vi.number(r.added)}, thay {vi.number(r.replaced)}, "
            f"không đổi {vi.number(r.unchanged)}"
        )
        if r.rejected:
            line += f", loại {vi.number(r.rejected)} (xem {r.rejects_path})"
        lines.append(line)
    return lines


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--kind",
    help="Loại bản ghi: documents, dossiers, receptions, petitions, directives, highlights, units.",
)
@click.option("--mapping", type=click.Path(dir_okay=False), help="Tệp ánh xạ cột (TOML).")
@click.option("--encoding", help="Bảng mã của tệp CSV (mặc định: tự nhận UTF-8 / cp1258).")
@click.option(
    "--skip-invalid", is_flag=True, help="Nhập các dòng hợp lệ, ghi dòng lỗi ra tệp .rejected.csv."
)
@click.pass_context
def import_cmd(
    ctx: click.Context,
    files: tuple[str, ...],
    kind: str | None,
    mapping: str | None,
    encoding: str | None,
    skip_invalid: bool,
) -> None:
    """Nhập các tệp CSV/Excel xuất từ các hệ thống (tất cả hoặc không gì cả)."""
    from reports.sources.importer import import_files

    results = import_files(
        _engine(ctx),
        [Path(f) for f in files],
        kind=kind,
        mapping=Path(mapping) if mapping else None,
        encoding=encoding,
        skip_invalid=skip_invalid,
    )
    _echo_lines(_import_lines(results))


_COLUMNS = (
    ("current", "Kỳ này"),
    ("previous", "Kỳ trước"),
    ("last_year", "Cùng kỳ năm trước"),
    ("year_to_date", "Lũy kế từ đầu năm"),
)


def _figures_table(fs: FigureSet) -> list[str]:
    from reports import vi
    from reports.model import FIGURE_INFO

    periods = {
        "current": fs.period,
        "previous": fs.period.previous(),
        "last_year": fs.period.same_period_last_year(),
        "year_to_date": fs.period.year_to_date(),
    }
    header = ["Chỉ tiêu", *(label for _, label in _COLUMNS)]
    sub = ["", *(vi.period_short(periods[key]) for key, _ in _COLUMNS)]
    rows = [header, sub]
    comparisons = fs.comparisons
    for info in FIGURE_INFO:
        cells = [info.label]
        for key, _ in _COLUMNS:
            value = comparisons[key].value(info.name)
            cells.append(vi.percent(value) if info.unit == "%" else vi.number(value))
        rows.append(cells)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, r in enumerate(rows):
        lines.append(
            "  ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(r)
            ).rstrip()
        )
        if n == 1:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def _figures_json(fs: FigureSet) -> dict[str, Any]:
    periods = {
        "current": fs.period,
        "previous": fs.period.previous(),
        "last_year": fs.period.same_period_last_year(),
        "year_to_date": fs.period.year_to_date(),
    }
    return {
        "unit": fs.unit,
        "periods": {
            k: {"from": p.start.isoformat(), "to": p.end.isoformat()} for k, p in periods.items()
        },
        "figures": {k: f.as_dict() for k, f in fs.comparisons.items()},
        "trend": [
            {"from": p.start.isoformat(), "to": p.end.isoformat(), "figures": f.as_dict()}
            for p, f in fs.trend
        ],
    }


@cli.command()
@click.option(
    "--from",
    "start",
    required=True,
    metavar="NGÀY",
    help="Ngày đầu kỳ (2020-09-21 hoặc 21/09/2020).",
)
@click.option("--to", "end", required=True, metavar="NGÀY", help="Ngày cuối kỳ (tính cả ngày này).")
@click.option("--unit", help="Mã đơn vị (tính cả các đơn vị trực thuộc).")
@click.option("--json", "as_json", is_flag=True, help="In ra JSON.")
@click.pass_context
def figures(ctx: click.Context, start: str, end: str, unit: str | None, as_json: bool) -> None:
    """In các số liệu của kỳ, với kỳ trước, cùng kỳ năm trước và lũy kế từ đầu năm."""
    from reports.indicators import engine_figure_set

    settings = _settings(ctx)
    fs = engine_figure_set(_engine(ctx), _period(start, end), unit, settings.report.trend_periods)
    if as_json:
        click.echo(json.dumps(_figures_json(fs), ensure_ascii=False, indent=2))
    else:
        _echo_lines(_figures_table(fs))


@cli.command()
@click.option("--parent", help="Chỉ các đơn vị trực thuộc đơn vị này.")
@click.pass_context
def units(ctx: click.Context, parent: str | None) -> None:
    """Liệt kê các đơn vị (mã, tên, đơn vị cấp trên)."""
    from reports.indicators import list_units

    with _engine(ctx).connect() as conn:
        rows = list_units(conn, parent)
    for code, name, parent_code in rows:
        click.echo(f"{code}\t{name}\t{parent_code or ''}")


# --- reports ------------------------------------------------------------------------------


@cli.command()
@click.option("--from", "start", required=True, metavar="NGÀY", help="Ngày đầu kỳ.")
@click.option("--to", "end", required=True, metavar="NGÀY", help="Ngày cuối kỳ (tính cả ngày này).")
@click.option("--unit", help="Báo cáo cho một đơn vị (tính cả các đơn vị trực thuộc).")
@click.option(
    "--format",
    "formats",
    default="docx,xlsx",
    show_default=True,
    help="docx, xlsx, pdf, cách nhau bởi dấu phẩy.",
)
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), help="Thư mục ghi tệp (mặc định: out/)."
)
@click.option(
    "--date", "issued", metavar="NGÀY", help="Ngày ban hành ghi trên báo cáo (mặc định: hôm nay)."
)
@click.option("--no-figures-section", is_flag=True, help="Bỏ phần III (bảng số liệu và biểu đồ).")
@click.option(
    "--all-units", is_flag=True, help="Một báo cáo cho mỗi đơn vị, mỗi đơn vị một thư mục."
)
@click.option("--parent", help="Với --all-units: chỉ các đơn vị trực thuộc đơn vị này.")
@click.option("--workers", type=click.IntRange(1, 64), help="Số tiến trình (mặc định: số lõi CPU).")
@click.option(
    "--email", "emails", metavar="ĐỊA_CHỈ,…", help="Gửi ngay các tệp tới những địa chỉ này."
)
@click.pass_context
def generate(
    ctx: click.Context,
    start: str,
    end: str,
    unit: str | None,
    formats: str,
    out_dir: str | None,
    issued: str | None,
    no_figures_section: bool,
    all_units: bool,
    parent: str | None,
    workers: int | None,
    emails: str | None,
) -> None:
    """Viết báo cáo của kỳ (Word, Excel, PDF) và in đường dẫn từng tệp."""
    from reports.errors import UsageError
    from reports.periods import parse_cli_date
    from reports.pipeline import generate as run_generate
    from reports.pipeline import parse_formats

    chosen = parse_formats(formats)
    period = _period(start, end)
    settings = _settings(ctx)
    if all_units or parent:
        if unit:
            raise UsageError(
                "--unit và --all-units không dùng cùng nhau; dùng --parent để chọn nhánh"
            )
        _generate_all(
            ctx,
            period,
            chosen,
            Path(out_dir).resolve() if out_dir else settings.output_dir,
            parent=parent,
            workers=workers,
            issued_on=parse_cli_date(issued, "--date") if issued else None,
        )
        return
    report, paths = run_generate(
        _engine(ctx),
        settings,
        period,
        unit=unit,
        formats=chosen,
        out_dir=Path(out_dir).resolve() if out_dir else settings.output_dir,
        issued_on=parse_cli_date(issued, "--date") if issued else None,
        show_figures_section=False if no_figures_section else None,
    )
    _echo_lines([str(p) for p in paths])
    if emails:
        from reports.deliver.manual import send_now

        for line in send_now(settings, report, paths, emails):
            click.echo(line, err=True)


def _generate_all(
    ctx: click.Context,
    period: ReportPeriod,
    formats: Sequence[str],
    out_dir: Path,
    *,
    parent: str | None,
    workers: int | None,
    issued_on: date | None,
) -> None:
    from reports.batch import UnitOutcome, generate_all_units

    settings = _settings(ctx)
    interactive = sys.stderr.isatty()
    state: dict[str, Any] = {}

    def on_start(total: int) -> None:
        if interactive:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            progress = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                transient=True,
            )
            progress.start()
            state["progress"] = progress
            state["task"] = progress.add_task("Đang viết báo cáo các đơn vị", total=total)
        else:
            click.echo(f"Viết báo cáo cho {total} đơn vị…", err=True)
        state["total"] = total
        state["done"] = 0

    def on_done(outcome: UnitOutcome) -> None:
        state["done"] += 1
        if "progress" in state:
            state["progress"].advance(state["task"])
        else:
            status = "xong" if outcome.ok else f"LỖI: {outcome.error}"
            click.echo(f"[{state['done']}/{state['total']}] {outcome.code}: {status}", err=True)

    try:
        summary = generate_all_units(
            _engine(ctx),
            settings,
            period,
            parent=parent,
            formats=formats,
            out_dir=out_dir,
            workers=workers,
            issued_on=issued_on,
            on_start=on_start,
            on_done=on_done,
        )
    finally:
        if "progress" in state:
            state["progress"].stop()
    for outcome in summary.written:
        _echo_lines([str(p) for p in outcome.paths])
    click.echo(
        f"Đã viết báo cáo cho {len(summary.written)} đơn vị, lỗi {len(summary.failed)} đơn vị "
        f"(thư mục {out_dir}).",
        err=True,
    )
    for outcome in summary.failed:
        click.echo(f"  {outcome.code} ({outcome.name}): {outcome.error}", err=True)
    if summary.failed:
        ctx.exit(8)


@cli.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Tạo dữ liệu mẫu, nhập vào SQLite và viết báo cáo tuần 21/9-28/9/2020."""
    from reports.periods import ReportPeriod
    from reports.pipeline import generate as run_generate
    from reports.sample import write_sample
    from reports.sources.importer import import_files

    settings = _settings(ctx)
    folder = settings.data_dir / "sample"
    files = write_sample(folder)
    click.echo(f"Dữ liệu mẫu: {folder}")
    order = [
        "units",
        "documents",
        "dossiers",
        "receptions",
        "petitions",
        "directives",
        "highlights",
    ]
    results = import_files(_engine(ctx), [files[k] for k in order if k in files])
    _echo_lines(_import_lines(results))
    period = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
    _, paths = run_generate(
        _engine(ctx),
        settings,
        period,
        formats=("docx", "xlsx"),
        out_dir=settings.output_dir,
        issued_on=date(2020, 9, 28),
    )
    click.echo(f"Cơ sở dữ liệu: {settings.database_url}")
    click.echo("Báo cáo tuần 21/9-28/9/2020:")
    _echo_lines([f"  {p}" for p in paths])


# --- schedule & delivery -----------------------------------------------------------------


@cli.command()
@click.pass_context
def scheduler(ctx: click.Context) -> None:
    """Chạy các công việc trong jobs/ theo lịch cho đến khi dừng (Ctrl-C / SIGTERM)."""
    from reports.schedule.service import serve

    settings = _settings(ctx)
    click.echo(
        f"Bộ lập lịch đang chạy với các công việc trong {settings.jobs_dir}. Ctrl-C để dừng."
    )
    serve(_engine(ctx), settings)
    click.echo("Đã dừng bộ lập lịch.")


@cli.group()
def jobs() -> None:
    """Các công việc theo lịch (tệp jobs/*.toml)."""


@jobs.command("list")
@click.pass_context
def jobs_list(ctx: click.Context) -> None:
    """Mỗi công việc: lịch, lần chạy tới, lần chạy gần nhất và kết quả."""
    from datetime import UTC, datetime

    from reports import vi
    from reports.schedule import ledger
    from reports.schedule.jobs import load_jobs
    from reports.schedule.service import next_run_times

    settings = _settings(ctx)
    found = load_jobs(settings.jobs_dir, settings.smtp.owner)
    if not found:
        click.echo(f"Không có công việc nào trong {settings.jobs_dir}.")
        return
    upcoming = next_run_times(settings, found, datetime.now(UTC))
    runs = {job.id: ledger.history(_engine(ctx), job.id, limit=1) for job in found}
    for job in found:
        nxt = upcoming[job.id]
        last = runs[job.id]
        if last:
            run, _ = last[0]
            last_text = (
                f"{vi.period_short(run.period)} {ledger.STATUS_VI.get(run.status, run.status)}"
            )
        else:
            last_text = "chưa chạy"
        next_text = f"{nxt.astimezone(job.tz):%d/%m/%Y %H:%M}" if nxt else "-"
        click.echo(
            f"{job.id}\t{job.schedule} ({job.timezone})\tlần tới: {next_text}\t"
            f"gần nhất: {last_text}\tgửi: {', '.join(job.recipients) or '-'}"
        )


@jobs.command("run")
@click.argument("job_id")
@click.option("--from", "start", metavar="NGÀY", help="Ngày đầu kỳ (mặc định: tuần trước).")
@click.option("--to", "end", metavar="NGÀY", help="Ngày cuối kỳ.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Thư mục ghi tệp.")
@click.option("--force", is_flag=True, help="Gửi lại dù kỳ này đã gửi.")
@click.pass_context
def jobs_run(
    ctx: click.Context,
    job_id: str,
    start: str | None,
    end: str | None,
    out_dir: str | None,
    force: bool,
) -> None:
    """Chạy một công việc cho một kỳ, đúng như bộ lập lịch sẽ chạy."""
    from datetime import UTC, datetime

    from reports.errors import UsageError
    from reports.schedule.jobs import find_job
    from reports.schedule.runner import run_job

    settings = _settings(ctx)
    job = find_job(settings.jobs_dir, job_id, settings.smtp.owner)
    if bool(start) != bool(end):
        raise UsageError("--from và --to phải đi cùng nhau")
    if start and end:
        period = _period(start, end)
    else:
        period = job.period_for(datetime.now(UTC), settings.report.week_convention)
    outcome = run_job(
        _engine(ctx),
        settings,
        job,
        period,
        force=force,
        out_dir=Path(out_dir).resolve() if out_dir else None,
    )
    _echo_lines([str(p) for p in outcome.files if outcome.status == "delivered"])
    click.echo(outcome.message, err=outcome.status == "failed")
    if outcome.exit_code:
        ctx.exit(outcome.exit_code)


@cli.command()
@click.option("--job", "job_id", help="Chỉ các lần chạy của công việc này.")
@click.option("--limit", default=20, show_default=True, help="Số lần chạy gần nhất.")
@click.pass_context
def runs(ctx: click.Context, job_id: str | None, limit: int) -> None:
    """Lịch sử chạy: các lần chạy, tệp đã viết, trạng thái gửi tới từng người nhận."""
    from reports import vi
    from reports.schedule import ledger

    tz = _settings(ctx).tz
    found = ledger.history(_engine(ctx), job_id, limit)
    if not found:
        click.echo("Chưa có lần chạy nào.")
        return
    for run, sent in found:
        finished = f"{run.finished_at.astimezone(tz):%d/%m/%Y %H:%M}" if run.finished_at else "-"
        unit = f" đơn vị {run.unit}" if run.unit else ""
        click.echo(
            f"#{run.id} {run.job_id} kỳ {vi.period_short(run.period)}{unit} lần {run.attempt}: "
            f"{ledger.STATUS_VI.get(run.status, run.status)} "
            f"(bắt đầu {run.started_at.astimezone(tz):%d/%m/%Y %H:%M}, xong {finished}, "
            f"{run.owner})"
        )
        for f in run.files:
            click.echo(f"    tệp: {f}")
        for d in sent:
            when = f" lúc {d.sent_at.astimezone(tz):%d/%m/%Y %H:%M}" if d.sent_at else ""
            error = f" - {d.last_error}" if d.last_error else ""
            status = ledger.STATUS_VI.get(d.status, d.status)
            click.echo(f"    {d.recipient}: {status}{when} ({d.attempts} lần){error}")
        if run.error:
            click.echo(f"    lỗi: {run.error}")


# --- entry point --------------------------------------------------------------------------


def _click_message(exc: click.ClickException) -> str:
    """Click's own usage errors, in Vietnamese."""
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx else "baocao"
    hint = f" Xem '{command} --help'."
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        names = "/".join(getattr(exc.param, "opts", []) or [exc.param.name or ""])
        return f"thiếu {names}.{hint}"
    if isinstance(exc, click.NoSuchOption):
        return f"không có tùy chọn {exc.option_name}.{hint}"
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        names = "/".join(getattr(exc.param, "opts", []) or [exc.param.name or ""])
        return f"giá trị không hợp lệ cho {names}: {exc.message}.{hint}"
    if isinstance(exc, click.UsageError):
        return f"{exc.message}.{hint}"
    return exc.format_message()


def _crash_log(exc: BaseException) -> Path:
    fd, name = tempfile.mkstemp(prefix="baocao-loi-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("".join(traceback.format_exception(exc)))
    return Path(name)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; every failure becomes a message and an exit code, never a traceback."""
    try:
        # standalone_mode=False: click returns ctx.exit()'s code instead of exiting
        code = cli.main(
            args=list(argv) if argv is not None else None, prog_name="baocao", standalone_mode=False
        )
        if isinstance(code, int) and code:
            return code
    except BaocaoError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
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
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback to users
        path = _crash_log(exc)
        click.echo(
            f"Lỗi không mong đợi: {exc.__class__.__name__}: {exc}\n"
            f"Chi tiết kỹ thuật đã ghi vào {path}; gửi tệp này cho bộ phận CNTT.",
            err=True,
        )
        return 70
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
