"""What is sent is what was approved (issue 18): resend of the frozen files, drafts kept per
attempt, only the job's approvers decide, nothing sent before its period ends, a period keeps
its kind, LibreOffice outside the register's transaction. Real SQLite, real SMTP."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.engine import Engine

from reports import approval
from reports.accounts.audit import audit_entries
from reports.approval import register
from reports.core.errors import ApprovalError, UsageError
from reports.core.periods import ReportPeriod, month_period
from reports.program import main
from reports.runs import ledger
from reports.schedule.resend import resend
from reports.schedule.runner import run_job
from reports.settings.load import PROJECT_ROOT, Settings
from reports.sources.importer import import_files
from reports.store.schema import approvals
from tests.conftest import need
from tests.smtp import SmtpServer
from tests.test_approval import (
    APPROVED_ON,
    APPROVER,
    LEADERS,
    WEEK,
    _approval_settings,
    _attachments,
    _job,
    _number_line,
    _store,
)
from tests.test_approval import _dispose_engines as _dispose_engines  # noqa: F401
from tests.test_approval import sample as sample  # noqa: F401

HCM = "Asia/Ho_Chi_Minh"


def _config(tmp_path: Path, s: Settings, db_url: str, port: int) -> Path:
    path = tmp_path / "baocao.toml"
    path.write_text(
        f'[database]\nurl = "{db_url}"\n'
        f'[paths]\ntemplates = "{PROJECT_ROOT / "templates"}"\njobs = "{s.jobs_dir}"\n'
        f'output = "{s.output_dir}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nmail_from = "baocao@vp.hanoi.gov.vn"\n'
        "retry_backoff_s = 0.01\n",
        encoding="utf-8",
    )
    return path


def _baocao(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_resend_of_an_approved_run_sends_the_numbered_files_of_the_first_delivery(
    settings: Settings,
    smtp_server: SmtpServer,
    sqlite_url: str,
    sample: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = _store(sqlite_url, sample)
    s = _approval_settings(settings, smtp_server)
    run_id = run_job(engine, s, _job(s), WEEK).run_id
    assert run_id is not None
    approval.approve(engine, s, run_id, APPROVER, now=APPROVED_ON)
    handler = smtp_server.handler
    (first,) = handler.to(LEADERS[0])
    sent = _attachments(first)
    docx = next(name for name in sent if name.endswith(".docx"))
    assert _number_line(sent[docx]) == "Số: 01/BC-VP"

    # the draft's files on disk are changed (someone edits them): the frozen files are sent
    draft = approval.draft(engine, run_id)
    for f in draft.final_files:
        f.path.write_bytes(b"changed")
    resend(engine, s, run_id, LEADERS[0], by="vanthu")  # "Gửi lại" on the page calls this
    again = handler.to(LEADERS[0])[-1]
    assert _attachments(again) == sent

    config = _config(tmp_path, s, sqlite_url, smtp_server.port)
    code, out, err = _baocao(capsys, "--settings", str(config), "resend", str(run_id),
                             "--to", LEADERS[0], "--by", "vanthu")  # fmt: skip
    assert code == 0, err
    assert out.startswith(f"Đã gửi lại tới {LEADERS[0]} (Message-ID <")
    third = handler.to(LEADERS[0])[-1]
    assert len(handler.to(LEADERS[0])) == 3
    assert _attachments(third) == sent
    assert _number_line(_attachments(third)[docx]) == "Số: 01/BC-VP"
    # Lịch sử: the run's files are the frozen ones, each with the SHA-256 it was sent with
    run = ledger.get(engine, run_id)
    assert run is not None
    assert set(ledger.sent_hashes(engine, run_id).values()) == {f.sha256 for f in draft.final_files}
    assert {p.name for p in run.files} == set(sent)
    code, out, _ = _baocao(capsys, "--settings", str(config), "resend", str(run_id),
                           "--to", "ai@khac.vn")  # fmt: skip
    assert code != 0


def test_three_attempts_keep_three_drafts(
    settings: Settings,
    smtp_server: SmtpServer,
    sqlite_url: str,
    sample: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = _store(sqlite_url, sample)
    s = _approval_settings(settings, smtp_server)
    seen: list[tuple[int, dict[Path, str]]] = []
    for n in range(3):
        outcome = run_job(engine, s, _job(s), WEEK)
        assert outcome.status == "awaiting", outcome.message
        assert outcome.run_id is not None
        d = approval.draft(engine, outcome.run_id)
        seen.append((outcome.run_id, {f.path: f.sha256 for f in d.files}))
        if n < 2:
            approval.return_draft(engine, s, outcome.run_id, APPROVER, f"Sửa lần {n + 1}")
    paths = [p for _, files in seen for p in files]
    assert len(set(paths)) == len(paths) == 6  # docx and xlsx, three attempts, none shared
    for run_id, files in seen:
        for path, sha in files.items():
            assert register.sha256(path.read_bytes()) == sha  # never overwritten
            assert f"/lan-{ledger.get(engine, run_id).attempt}/" in str(path)  # type: ignore[union-attr]
    config = _config(tmp_path, s, sqlite_url, smtp_server.port)
    code, out, _ = _baocao(capsys, "--settings", str(config), "runs")
    assert code == 0
    listed = [line for line in out.splitlines() if line.startswith("    dự thảo: ")]
    assert len(listed) == 6 and len(set(listed)) == 6
    # the evidence pack's timeline tells the returned attempts before the approved one
    from reports.approval.evidence import timeline

    last = seen[-1][0]
    approval.approve(engine, s, last, APPROVER, now=APPROVED_ON)
    lines = timeline(engine, s, last)
    returned = [line for line in lines if f"trả lại: {APPROVER}" in line]
    assert [line.split("ý kiến: ")[1] for line in returned] == ["Sửa lần 1", "Sửa lần 2"]
    assert any(f"duyệt: {APPROVER}" in line and "số 01/BC-VP" in line for line in lines)


def test_only_the_jobs_approvers_decide_on_the_cli(
    settings: Settings,
    smtp_server: SmtpServer,
    sqlite_url: str,
    sample: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = _store(sqlite_url, sample)
    s = _approval_settings(settings, smtp_server)
    run_id = run_job(engine, s, _job(s), WEEK).run_id
    config = _config(tmp_path, s, sqlite_url, smtp_server.port)
    code, out, err = _baocao(capsys, "--settings", str(config), "approve", str(run_id),
                             "--by", "lanhdao1@ubnd.gov.vn")  # fmt: skip
    assert code == 7
    assert err == (
        f"Lỗi: lanhdao1@ubnd.gov.vn không phải người duyệt của công việc bao-cao-tuan; không "
        f"duyệt được bản dự thảo của lần chạy #{run_id}. Người duyệt: {APPROVER} (approvers "
        "trong tệp công việc).\n"
    )
    code, _, err = _baocao(capsys, "--settings", str(config), "approve", str(run_id))
    assert code == 7 and "không phải người duyệt" in err  # the machine's login is no one
    assert approval.draft(engine, run_id).state == approval.PENDING  # type: ignore[arg-type]
    assert register.last_number(engine, "BC-VP", datetime.now(UTC).year) == 0
    assert len(smtp_server.handler.messages) == 1  # only the approver's notice
    refused = [e for e in audit_entries(engine) if e.action == "draft.approve.refused"]
    assert [e.user_name for e in refused][-1] == "lanhdao1@ubnd.gov.vn"
    assert "dòng lệnh, máy " in refused[-1].detail
    with pytest.raises(ApprovalError, match="không trả lại được"):
        approval.return_draft(engine, s, run_id, "ai-do", "Sửa")  # type: ignore[arg-type]
    code, _, err = _baocao(capsys, "--settings", str(config), "approve", str(run_id),
                           "--by", APPROVER)  # fmt: skip
    assert code == 0, err
    with engine.connect() as conn:
        where = conn.execute(
            sa.select(approvals.c.decided_from).where(approvals.c.run_id == run_id)
        ).scalar()
    assert str(where).startswith("dòng lệnh, máy ")


def test_a_week_ending_tomorrow_is_not_run_and_a_future_as_of_is_refused(
    settings: Settings,
    smtp_server: SmtpServer,
    sqlite_url: str,
    sample: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = _store(sqlite_url, sample)
    s = _approval_settings(settings, smtp_server, approval=False)
    config = _config(tmp_path, s, sqlite_url, smtp_server.port)
    saturday = datetime(2020, 9, 26, 17, 0, tzinfo=UTC)  # Sunday 00:00 in Hà Nội
    with time_machine.travel(saturday, tick=False):
        code, out, err = _baocao(capsys, "--settings", str(config), "jobs", "run",
                                 "bao-cao-tuan", "--from", "2020-09-21",
                                 "--to", "2020-09-28")  # fmt: skip
        assert code == 2, out + err
        assert err == (
            "Công việc bao-cao-tuan: kỳ từ 21/9/2020 đến 28/9/2020 chưa kết thúc (hôm nay "
            "27/9/2020); không gửi báo cáo của kỳ chưa kết thúc. Gửi từ ngày 28/9/2020. Xem "
            "trước bằng 'baocao generate' (ghi rõ số liệu đến ngày nào).\n"
        )
        assert smtp_server.handler.messages == []
        assert ledger.latest(engine, "bao-cao-tuan", WEEK) is None  # nothing claimed
        # an ISO week (Monday to Sunday) ends on its Sunday: sent from the Monday
        iso = ReportPeriod(date(2020, 9, 21), date(2020, 9, 27))
        assert run_job(engine, s, _job(s), iso).status == "not-ended"
        code, _, err = _baocao(capsys, "--settings", str(config), "import",
                               str(sample["dossiers"]), "--as-of", "28/09/2020")  # fmt: skip
        assert code == 2
        assert err.startswith("Lỗi: --as-of: ngày 28/9/2020 chưa đến (hôm nay 27/9/2020)")
        with pytest.raises(UsageError, match="chưa đến"):
            import_files(engine, [sample["dossiers"]], as_of=date(2020, 9, 28), tz=s.tz)
    with time_machine.travel(saturday + timedelta(days=1), tick=False):  # Monday in Hà Nội
        outcome = run_job(engine, s, _job(s), WEEK)
        assert outcome.status == "delivered", outcome.message


def test_a_cut_off_month_stored_held_retried_and_resent_keeps_its_comparisons(
    settings: Settings,
    smtp_server: SmtpServer,
    sqlite_url: str,
    sample: dict[str, Path],  # noqa: F811
) -> None:
    from reports.schedule.held import retry_held
    from reports.settings.load import CompletenessSettings

    engine = _store(sqlite_url, sample, skip=("dossiers",))
    import_files(engine, [sample["dossiers"]], as_of=date(2020, 9, 10))
    s = _approval_settings(settings, smtp_server)
    s = replace(s, completeness=CompletenessSettings(sources=("dossiers",)))
    cut = month_period(2020, 9, cutoff=True)  # 15/8 to 14/9/2020
    assert (cut.start, cut.end, cut.kind, cut.cutoff) == (
        date(2020, 8, 15), date(2020, 9, 14), "month", True,
    )  # fmt: skip
    # rebuilt from the two dates alone it would be a plain range, with other comparisons
    assert ReportPeriod(cut.start, cut.end).kind == "range"
    assert ReportPeriod(cut.start, cut.end).comparisons() != cut.comparisons()

    held = run_job(engine, s, _job(s), cut)
    assert held.status == "held", held.message
    run = ledger.get(engine, held.run_id)  # type: ignore[arg-type]
    assert run is not None and run.status == ledger.HELD
    assert (run.period.kind, run.period.cutoff) == ("month", True)

    import_files(engine, [sample["dossiers"]], as_of=date(2020, 9, 14))
    retry_held(engine, s)  # the held run goes on, rebuilt from the ledger
    d = approval.draft(engine, run.id)
    assert d.state == approval.PENDING
    assert (d.period.kind, d.period.cutoff) == ("month", True)
    report = approval.report_of(engine, d.id)
    assert report.period.comparisons() == cut.comparisons()
    assert [p.start for p in report.period.comparisons().values()] == [
        p.start for p in cut.comparisons().values()
    ]
    approval.approve(engine, s, run.id, APPROVER, now=APPROVED_ON)
    (first,) = smtp_server.handler.to(LEADERS[0])
    resend(engine, s, run.id, LEADERS[0], by="vanthu")
    again = smtp_server.handler.to(LEADERS[0])[-1]
    assert _attachments(again) == _attachments(first)
    body = again.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert body == first.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_an_import_is_not_blocked_while_an_approval_converts_its_pdf(
    settings: Settings,
    smtp_server: SmtpServer,
    sqlite_url: str,
    sample: dict[str, Path],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil

    need(shutil.which("soffice") is not None, "LibreOffice (soffice) is not installed")
    from reports.render import pdf

    engine: Engine = _store(sqlite_url, sample)
    s = _approval_settings(settings, smtp_server)
    job_file = s.jobs_dir / "bao-cao-tuan.toml"
    job_file.write_text(
        job_file.read_text(encoding="utf-8").replace('"xlsx"', '"pdf"'), encoding="utf-8"
    )
    run_id = run_job(engine, s, _job(s), WEEK).run_id
    converting, imported = threading.Event(), threading.Event()
    real = pdf.convert_to_pdf

    def convert(*args: object, **kwargs: object) -> Path:
        converting.set()
        imported.wait(timeout=60)  # the import below must finish while we are here
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pdf, "convert_to_pdf", convert)
    result: list[approval.Decision] = []
    worker = threading.Thread(
        target=lambda: result.append(
            approval.approve(engine, s, run_id, APPROVER, now=APPROVED_ON)  # type: ignore[arg-type]
        )
    )
    worker.start()
    assert converting.wait(timeout=120)
    try:
        import_files(engine, [sample["highlights"]])  # a write on SQLite, during the conversion
        assert not result  # the approval is still converting
    finally:
        imported.set()
        worker.join(timeout=180)
    assert result and result[0].draft.reference == "01/BC-VP"


def test_generate_email_is_a_ledger_run_and_a_running_period_is_not_mailed(
    settings: Settings,
    smtp_server: SmtpServer,
    sqlite_url: str,
    sample: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = _store(sqlite_url, sample)
    s = _approval_settings(settings, smtp_server, approval=False)
    config = _config(tmp_path, s, sqlite_url, smtp_server.port)
    week = ("--from", "2020-09-21", "--to", "2020-09-28", "--format", "docx")
    with time_machine.travel(datetime(2020, 9, 26, 17, 0, tzinfo=UTC), tick=False):
        code, out, err = _baocao(capsys, "--settings", str(config), "generate", *week,
                                 "--email", LEADERS[0])  # fmt: skip
        assert code == 2 and "chưa kết thúc" in err and out == ""
        code, out, err = _baocao(capsys, "--settings", str(config), "generate", *week)
        assert code == 0, err  # a preview of a running period is allowed, and says so
        (preview,) = [Path(line) for line in out.splitlines()]
        text = [p.text for p in docx.Document(str(preview)).paragraphs]
        assert (
            "Số liệu đến ngày 27/9/2020: kỳ chưa kết thúc (đến hết ngày 28/9/2020), số liệu "
            "còn thay đổi."
        ) in text
    assert smtp_server.handler.messages == []
    code, out, err = _baocao(capsys, "--settings", str(config), "generate", *week,
                             "--email", LEADERS[0])  # fmt: skip
    assert code == 0, err
    ((run, deliveries),) = ledger.history(engine, "generate")
    assert run.status == ledger.DELIVERED and [d.recipient for d in deliveries] == [LEADERS[0]]
    assert f"Đã gửi tới {LEADERS[0]} (lần chạy #{run.id})" in err
    (written,) = [Path(line) for line in out.splitlines()]
    assert ledger.sent_hashes(engine, run.id) == {
        str(written): register.sha256(written.read_bytes())
    }
    resend(engine, s, run.id, LEADERS[0], by="vanthu")
    first, again = smtp_server.handler.to(LEADERS[0])
    assert _attachments(first) == _attachments(again)


def test_a_failed_conversion_leaves_the_draft_undecided_and_keeps_its_number(
    settings: Settings,
    smtp_server: SmtpServer,
    sqlite_url: str,
    sample: dict[str, Path],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil

    from reports.core.errors import RenderError
    from reports.render import pdf

    need(shutil.which("soffice") is not None, "LibreOffice (soffice) is not installed")
    engine = _store(sqlite_url, sample)
    s = _approval_settings(settings, smtp_server)
    job_file = s.jobs_dir / "bao-cao-tuan.toml"
    job_file.write_text(
        job_file.read_text(encoding="utf-8").replace('"xlsx"', '"pdf"'), encoding="utf-8"
    )
    run_id = run_job(engine, s, _job(s), WEEK).run_id
    assert run_id is not None
    real = pdf.convert_to_pdf

    def broken(*args: object, **kwargs: object) -> Path:
        raise RenderError("LibreOffice dừng giữa chừng")

    monkeypatch.setattr(pdf, "convert_to_pdf", broken)
    with pytest.raises(RenderError):
        approval.approve(engine, s, run_id, APPROVER, now=APPROVED_ON)
    d = approval.draft(engine, run_id)
    assert d.state == approval.PENDING and d.decided_by is None
    assert d.number == 1 and register.last_number(engine, "BC-VP", 2020) == 1
    monkeypatch.setattr(pdf, "convert_to_pdf", real)
    done = approval.approve(engine, s, run_id, APPROVER, now=APPROVED_ON)
    assert done.draft.reference == "01/BC-VP"  # the same number: no gap in the register
    assert register.last_number(engine, "BC-VP", 2020) == 1
    assert all(len(smtp_server.handler.to(leader)) == 1 for leader in LEADERS)
