"""The completeness gate: what each import covers, provisional reports, held runs, the CLI."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports import approval
from reports.core import vi
from reports.core.periods import ReportPeriod
from reports.figures.completeness import gaps, provisional_line
from reports.produce.pipeline import generate
from reports.runs import ledger
from reports.runs.jobs import find_job
from reports.sample.city import write_sample
from reports.schedule.held import retry_held
from reports.schedule.runner import run_job
from reports.settings.load import PROJECT_ROOT, CompletenessSettings, Settings
from reports.sources.importer import import_files
from reports.store.db import open_store
from reports.store.schema import imports
from tests.conftest import imported_store, mail_settings
from tests.smtp import SmtpServer

WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
LEADERS = ("lanhdao1@ubnd.gov.vn", "lanhdao2@ubnd.gov.vn")
SPECIALIST = "chuyenvien@ubnd.gov.vn"
APPROVER = "chanhvanphong@ubnd.gov.vn"
OTHERS = ["units", "documents", "receptions", "petitions", "directives", "highlights"]
LINE = "Số liệu tạm tính: chưa có số liệu của hồ sơ TTHC sau ngày 25/9/2020."


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_sample(
        tmp_path_factory.mktemp("sample"), start=date(2020, 8, 1), end=date(2020, 10, 15)
    )


_OPEN: list[Engine] = []


@pytest.fixture(autouse=True)
def _dispose_engines() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().dispose()


def _store(url: str, sample: dict[str, Path], dossiers_as_of: date | None) -> Engine:
    """Every kind up to mid-October; the dossiers' export cut off at ``dossiers_as_of``."""
    engine = imported_store(
        url, [([sample[k] for k in OTHERS], None), ([sample["dossiers"]], dossiers_as_of)]
    )
    _OPEN.append(engine)
    return engine


def _expecting(settings: Settings, *sources: str) -> Settings:
    return replace(settings, completeness=CompletenessSettings(sources=sources))


def _write_job(s: Settings, **extra: object) -> None:
    body = "".join(
        f"{k} = {str(v).lower() if isinstance(v, bool) else repr(v)}\n".replace("'", '"')
        for k, v in extra.items()
    )
    s.jobs_dir.mkdir(parents=True, exist_ok=True)
    (s.jobs_dir / "bao-cao-tuan.toml").write_text(
        'id = "bao-cao-tuan"\nschedule = "0 8 * * MON"\nformats = ["docx", "xlsx"]\n'
        f'{body}[email]\nto = ["{LEADERS[0]}", "{LEADERS[1]}"]\n',
        encoding="utf-8",
    )


def test_each_import_records_the_day_its_data_covers(
    settings: Settings, tmp_path: Path, db_url: str
) -> None:
    files = write_sample(tmp_path / "s", start=date(2020, 9, 1), end=date(2020, 9, 25))
    with files["receptions"].open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    own = [rows[0], *(r for r in rows[1:] if r[3] == "SO-YT")]
    unit_file = tmp_path / "receptions-so-yt.csv"
    unit_file.write_text("\n".join(",".join(r) for r in own) + "\n", encoding="utf-8")
    engine = open_store(db_url)
    _OPEN.append(engine)
    import_files(engine, [files[k] for k in ("units", "documents", "highlights")])
    import_files(engine, [unit_file])
    import_files(engine, [files["petitions"]], as_of=date(2020, 9, 20))
    with engine.connect() as conn:
        found = {
            r.kind: (r.data_until, r.unit)
            for r in conn.execute(sa.select(imports.c.kind, imports.c.data_until, imports.c.unit))
        }
    with files["documents"].open(encoding="utf-8") as fh:
        last_document = max(r["received_on"][:10] for r in csv.DictReader(fh))
    assert found["documents"] == (date.fromisoformat(last_document), None)
    assert found["receptions"] == (max(date.fromisoformat(r[1][:10]) for r in own[1:]), "SO-YT")
    assert found["petitions"] == (date(2020, 9, 20), None)  # --as-of: the export's cut-off
    assert found["units"] == (None, None) and found["highlights"] == (None, None)
    # a unit's own export covers that unit only; a source never imported is named alone
    s = replace(CompletenessSettings(), sources=("receptions:SO-YT", "receptions"))
    with engine.connect() as conn:
        line = provisional_line(gaps(conn, replace(settings, completeness=s), WEEK))
    assert line == (
        "Số liệu tạm tính: chưa có số liệu của tiếp công dân của Sở Y tế sau ngày "
        f"{vi.numeric_date(found['receptions'][0])}; tiếp công dân."
    )


def test_a_source_missing_the_last_days_makes_the_report_provisional(
    settings: Settings, tmp_path: Path, db_url: str, sample: dict[str, Path]
) -> None:
    engine = _store(db_url, sample, dossiers_as_of=date(2020, 9, 25))
    s = _expecting(settings, "documents", "dossiers")
    report, paths = generate(engine, s, WEEK, out_dir=tmp_path / "out")
    assert report.provisional == LINE
    paragraphs = [p.text for p in docx.Document(str(paths[0])).paragraphs]
    at = paragraphs.index(LINE)
    assert paragraphs[at - 2].startswith("Kết quả chỉ đạo, điều hành nổi bật của UBND Thành phố")
    workbook = openpyxl.load_workbook(paths[1], read_only=True)
    assert workbook["Tổng hợp"]["A4"].value == LINE
    workbook.close()
    # complete when the export reaches the period's last day; a unit never imported is named
    import_files(engine, [sample["dossiers"]], as_of=date(2020, 9, 28))
    report, _ = generate(engine, s, WEEK, out_dir=tmp_path / "out2", formats=("docx",))
    assert report.provisional == ""


def test_approvers_mail_warns_of_provisional_data(
    settings: Settings, smtp_server: SmtpServer, sqlite_url: str, sample: dict[str, Path]
) -> None:
    engine = _store(sqlite_url, sample, dossiers_as_of=date(2020, 9, 25))
    s = _expecting(mail_settings(settings, smtp_server), "dossiers")
    _write_job(s, approval=True, approvers=[APPROVER], incomplete="send-provisional")
    outcome = run_job(engine, s, find_job(s.jobs_dir, "bao-cao-tuan"), WEEK)
    assert outcome.status == "awaiting"
    (ask,) = smtp_server.handler.to(APPROVER)
    assert ask["Subject"].endswith(" - SỐ LIỆU TẠM TÍNH")
    body = ask.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"Tình trạng số liệu: CẢNH BÁO - {LINE}" in body
    assert approval.draft(engine, outcome.run_id).provisional == LINE  # type: ignore[arg-type]


def test_hold_then_release_when_the_import_arrives(
    settings: Settings, smtp_server: SmtpServer, sqlite_url: str, sample: dict[str, Path]
) -> None:
    engine = _store(sqlite_url, sample, dossiers_as_of=date(2020, 9, 25))
    s = _expecting(mail_settings(settings, smtp_server), "dossiers")
    _write_job(s, specialist=SPECIALIST, hold_hours=24)
    job = find_job(s.jobs_dir, "bao-cao-tuan")
    held = run_job(engine, s, job, WEEK)
    assert held.status == "held"
    assert held.message == (
        f"Công việc bao-cao-tuan kỳ 21/9-28/9/2020: chưa gửi, chờ đủ số liệu ({LINE}). Sẽ thử "
        "lại khi nhập số liệu mới; quá 24 giờ sẽ báo người phụ trách."
    )
    assert [m["X-Envelope-To"] for m in smtp_server.handler.messages] == [SPECIALIST]
    body = smtp_server.handler.messages[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # the page, not a command: mails to people carry no commands (issue 21)
    assert LINE in body and "trang Nhập dữ liệu" in body and "--as-of" not in body
    assert ledger.latest(engine, job.id, WEEK).status == ledger.HELD  # type: ignore[union-attr]
    assert retry_held(engine, s) == []  # still missing: nothing is sent
    assert len(smtp_server.handler.messages) == 1
    import_files(engine, [sample["dossiers"]], as_of=date(2020, 9, 28))
    (line,) = retry_held(engine, s)
    assert line == "Công việc bao-cao-tuan kỳ 21/9-28/9/2020: đã gửi 2 người nhận."
    for leader in LEADERS:
        (msg,) = smtp_server.handler.to(leader)
        word = next(a for a in msg.iter_attachments() if str(a.get_filename()).endswith(".docx"))
        text = [p.text for p in docx.Document(io.BytesIO(word.get_content())).paragraphs]
        assert not any(t.startswith("Số liệu tạm tính") for t in text)  # rendered again
    assert ledger.latest(engine, job.id, WEEK).status == ledger.DELIVERED  # type: ignore[union-attr]


def test_a_hold_past_its_deadline_tells_the_owner(
    settings: Settings, smtp_server: SmtpServer, sqlite_url: str, sample: dict[str, Path]
) -> None:
    engine = _store(sqlite_url, sample, dossiers_as_of=date(2020, 9, 25))
    s = _expecting(mail_settings(settings, smtp_server), "dossiers")
    _write_job(s, hold_hours=24)
    start = datetime(2020, 9, 28, 1, 0, tzinfo=UTC)
    run_job(engine, s, find_job(s.jobs_dir, "bao-cao-tuan"), WEEK, now=start)
    assert retry_held(engine, s, now=start + timedelta(hours=23)) == []
    (line,) = retry_held(engine, s, now=start + timedelta(hours=25))
    assert line == (
        f"Công việc bao-cao-tuan kỳ 21/9-28/9/2020: Quá 24 giờ vẫn chưa đủ số liệu: {LINE}"
    )
    owner_mails = smtp_server.handler.to("it@vp.hanoi.gov.vn")
    assert [m["Subject"] for m in owner_mails] == [
        "[baocao] Chờ số liệu: báo cáo tuần 39/2020 (21/9-28/9/2020)",
        "[baocao] Lỗi công việc bao-cao-tuan kỳ 21/9-28/9/2020",
    ]
    assert ledger.latest(engine, "bao-cao-tuan", WEEK).status == ledger.FAILED  # type: ignore[union-attr]
    assert all(smtp_server.handler.to(leader) == [] for leader in LEADERS)


def test_one_core_call_imports_and_sends_the_runs_held_for_that_data(
    settings: Settings, smtp_server: SmtpServer, sqlite_url: str, sample: dict[str, Path]
) -> None:
    """What ``baocao import`` and the page's import both call: the import, then the held runs."""
    from reports.schedule.intake import import_and_go_on

    engine = _store(sqlite_url, sample, dossiers_as_of=date(2020, 9, 25))
    s = _expecting(mail_settings(settings, smtp_server), "dossiers")
    _write_job(s, hold_hours=24)
    job = find_job(s.jobs_dir, "bao-cao-tuan")
    assert run_job(engine, s, job, WEEK).status == "held"
    other = import_and_go_on(engine, s, [sample["highlights"]])
    assert [r.kind for r in other.results] == ["highlights"] and other.held == []
    intake = import_and_go_on(engine, s, [sample["dossiers"]], as_of=date(2020, 9, 28))
    assert [r.kind for r in intake.results] == ["dossiers"]
    assert intake.held == ["Công việc bao-cao-tuan kỳ 21/9-28/9/2020: đã gửi 2 người nhận."]
    assert ledger.latest(engine, job.id, WEEK).status == ledger.DELIVERED  # type: ignore[union-attr]


def test_an_all_zero_week_is_held(
    settings: Settings, smtp_server: SmtpServer, sqlite_url: str, sample: dict[str, Path]
) -> None:
    engine = _store(sqlite_url, sample, dossiers_as_of=None)
    s = mail_settings(settings, smtp_server)
    _write_job(s)
    empty = ReportPeriod(date(2019, 9, 23), date(2019, 9, 30))
    held = run_job(engine, s, find_job(s.jobs_dir, "bao-cao-tuan"), empty)
    assert held.status == "held"
    assert "Kỳ 23/9-30/9/2019: mọi số liệu của kỳ đều bằng 0 (chưa nhập số liệu của kỳ này?)." in (
        held.message
    )
    assert all(smtp_server.handler.to(leader) == [] for leader in LEADERS)
    assert [m["X-Envelope-To"] for m in smtp_server.handler.messages] == ["it@vp.hanoi.gov.vn"]


def _settings_file(tmp_path: Path, db_url: str, port: int) -> Path:
    path = tmp_path / "baocao.toml"
    path.write_text(
        f'[database]\nurl = "{db_url}"\n'
        f'[paths]\ntemplates = "{PROJECT_ROOT / "templates"}"\njobs = "{tmp_path / "jobs"}"\n'
        f'output = "{tmp_path / "out"}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nmail_from = "baocao@vp.hanoi.gov.vn"\n'
        'retry_backoff_s = 0.01\n[completeness]\nsources = ["dossiers"]\n',
        encoding="utf-8",
    )
    return path


def _baocao(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
    return subprocess.run(
        [sys.executable, "-m", "reports", "--settings", str(config), *args],
        capture_output=True, text=True, env=env, timeout=180,
    )  # fmt: skip


def test_cli_drafts_approve_return_and_import_as_of(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path, sqlite_url: str,
    sample: dict[str, Path],
) -> None:  # fmt: skip
    engine = _store(sqlite_url, sample, dossiers_as_of=date(2020, 9, 25))
    config = _settings_file(tmp_path, sqlite_url, smtp_server.port)
    s = _expecting(mail_settings(settings, smtp_server), "dossiers")
    _write_job(s, approval=True, approvers=[APPROVER], specialist=SPECIALIST)
    week = ("--from", "2020-09-21", "--to", "2020-09-28")
    held = _baocao(config, "jobs", "run", "bao-cao-tuan", *week)
    assert held.returncode == 0, held.stderr
    assert "chưa gửi, chờ đủ số liệu" in held.stdout
    assert _baocao(config, "drafts").stdout == "Không có bản dự thảo nào chờ duyệt.\n"
    # the import that brings the missing days sends the held run on, to its approver
    imported = _baocao(config, "import", str(sample["dossiers"]), "--as-of", "28/09/2020")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines()[-1].startswith(
        "Công việc bao-cao-tuan kỳ 21/9-28/9/2020: bản dự thảo chờ duyệt (lần chạy #1)"
    )
    listed = _baocao(config, "drafts").stdout.splitlines()
    assert listed[0].startswith("#1 bao-cao-tuan kỳ 21/9-28/9/2020: chờ duyệt (gửi duyệt ")
    assert listed[0].endswith(f"; người duyệt: {APPROVER})")
    assert listed[1].startswith("    - Văn bản hành chính tiếp nhận, xử lý: ")
    bad = _baocao(config, "approve", "9")
    assert bad.returncode == 7
    assert bad.stderr == (
        "Lỗi: Lần chạy #9 không có bản dự thảo nào. Xem các bản chờ duyệt bằng 'baocao drafts'.\n"
    )
    no_comment = _baocao(config, "return", "1", "--comment", " ")
    assert no_comment.returncode == 7
    assert no_comment.stderr == (
        'Lỗi: Trả lại cần ý kiến (điều cần sửa). Ghi ý kiến: --comment "điều cần sửa".\n'
    )
    office = ZoneInfo("Asia/Ho_Chi_Minh")  # the register numbers by the office's year
    years = {datetime.now(office).year}
    done = _baocao(config, "approve", "1", "--by", APPROVER)
    years.add(datetime.now(office).year)  # the command may have run across New Year
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == (
        "Văn bản số 01/BC-VP (bao-cao-tuan kỳ 21/9-28/9/2020): đã gửi 2 người nhận."
    )
    assert all(len(smtp_server.handler.to(leader)) == 1 for leader in LEADERS)
    history = _baocao(config, "drafts", "--all").stdout
    assert "#1 bao-cao-tuan kỳ 21/9-28/9/2020: đã phát hành số 01/BC-VP" in history
    assert any(f"/so-01-BC-VP-{y}/" in history for y in years)  # numbered in the year approved
    assert engine is not None


def test_the_scheduler_and_the_cli_resolve_a_role_through_the_users_table(
    settings: Settings, smtp_server: SmtpServer, sqlite_url: str, sample: dict[str, Path]
) -> None:
    """``approvers = ["lanh-dao"]`` works wherever the job runs (the run path looks the role
    up in the users table), not only inside the web page's process."""
    from reports.accounts import users as accounts

    approval.set_approver_lookup(None)  # no door has registered anything
    engine = _store(sqlite_url, sample, dossiers_as_of=None)
    accounts.add_user(engine, APPROVER, "lanh-dao", "mat-khau-du-dai", by="quantri")
    accounts.add_user(engine, "chuyenvien", "chuyen-vien", "mat-khau-du-dai", by="quantri")
    s = mail_settings(settings, smtp_server)
    _write_job(s, approval=True, approvers=["lanh-dao"])
    outcome = run_job(engine, s, find_job(s.jobs_dir, "bao-cao-tuan"), WEEK)
    assert outcome.status == "awaiting", outcome.message
    assert [m["X-Envelope-To"] for m in smtp_server.handler.messages] == [APPROVER]


def test_the_scheduler_tries_held_runs_again_on_its_own(
    settings: Settings, smtp_server: SmtpServer, sqlite_url: str, sample: dict[str, Path]
) -> None:
    """A held run goes on when its data has come, even if nobody runs ``baocao held``: the
    scheduler's watch loop tries the held runs every ``held_every_s``."""
    import threading

    from reports.schedule import service

    engine = _store(sqlite_url, sample, dossiers_as_of=date(2020, 9, 25))
    s = _expecting(mail_settings(settings, smtp_server), "dossiers").with_database(sqlite_url)
    _write_job(s, specialist=SPECIALIST)
    assert run_job(engine, s, find_job(s.jobs_dir, "bao-cao-tuan"), WEEK).status == "held"
    import_files(engine, [sample["dossiers"]], as_of=date(2020, 9, 28))  # no retry from the core
    assert all(smtp_server.handler.to(leader) == [] for leader in LEADERS)

    class _Scheduler:
        _thread = threading.current_thread()

    stopping = threading.Event()
    service._ACTIVE["health"] = service.Health()
    timer = threading.Timer(1.0, stopping.set)
    timer.start()
    try:
        service.watch(_Scheduler(), s, stopping, check_every_s=0.05, held_every_s=0.1)
    finally:
        timer.cancel()
    assert all(len(smtp_server.handler.to(leader)) == 1 for leader in LEADERS)
    assert ledger.latest(engine, "bao-cao-tuan", WEEK).status == ledger.DELIVERED  # type: ignore[union-attr]
