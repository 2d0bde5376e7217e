"""The approval chain: drafts stop the run, approval numbers and freezes, real SMTP and stores."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports import approval
from reports.approval import register
from reports.cli.steps import cli_words
from reports.compose import report_json
from reports.core.errors import ApprovalError
from reports.core.periods import ReportPeriod
from reports.runs import ledger
from reports.sample.city import write_sample
from reports.schedule.runner import run_job
from reports.settings.load import Settings
from reports.store.db import open_store
from reports.store.schema import approvals
from reports.web.steps import say
from tests.conftest import imported_store, mail_settings, make_report
from tests.smtp import SmtpServer

WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
NEXT_WEEK = ReportPeriod(date(2020, 9, 28), date(2020, 10, 5))
LEADERS = ("lanhdao1@ubnd.gov.vn", "lanhdao2@ubnd.gov.vn")
APPROVER = "chanhvanphong@ubnd.gov.vn"
SPECIALIST = "chuyenvien@ubnd.gov.vn"
ORDER = ["units", "documents", "dossiers", "receptions", "petitions", "directives", "highlights"]
APPROVED_ON = datetime(2020, 9, 28, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội


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


def _store(url: str, sample: dict[str, Path], skip: tuple[str, ...] = ()) -> Engine:
    engine = imported_store(url, [([sample[k] for k in ORDER if k not in skip], None)])
    _OPEN.append(engine)
    return engine


def _write_job(s: Settings, **extra: object) -> None:
    lines = [
        'id = "bao-cao-tuan"',
        'schedule = "0 8 * * MON"',
        'formats = ["docx", "xlsx"]',
        *(f"{k} = {_toml(v)}" for k, v in extra.items()),
        "[email]",
        f"to = {_toml(list(LEADERS))}",
    ]
    s.jobs_dir.mkdir(parents=True, exist_ok=True)
    (s.jobs_dir / "bao-cao-tuan.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return f'"{value}"' if isinstance(value, str) else str(value)


def _job(s: Settings):  # type: ignore[no-untyped-def]
    from reports.runs.jobs import find_job

    return find_job(s.jobs_dir, "bao-cao-tuan")


def _approval_settings(settings: Settings, server: SmtpServer, **job: object) -> Settings:
    s = mail_settings(settings, server)
    s = replace(s, web=replace(s.web, base_url="https://baocao.vp.hanoi.gov.vn"))
    options: dict[str, object] = {
        "approval": True,
        "approvers": [APPROVER],
        "specialist": SPECIALIST,
        **job,
    }
    _write_job(s, **options)
    return s


def _paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def _number_line(data: bytes) -> str:
    return str(docx.Document(io.BytesIO(data)).tables[0].rows[1].cells[0].paragraphs[0].text)


def _headers(data: bytes) -> list[str]:
    """The text of every page header that says something."""
    document = docx.Document(io.BytesIO(data))
    texts = []
    for section in document.sections:
        for header in (section.first_page_header, section.header):
            texts += [p.text for p in header.paragraphs if p.text.strip() and not p.text.isdigit()]
    return texts


def _date_line(data: bytes) -> str:
    return str(docx.Document(io.BytesIO(data)).tables[0].rows[1].cells[1].paragraphs[0].text)


def _attachments(msg: EmailMessage) -> dict[str, bytes]:
    return {str(a.get_filename()): a.get_content() for a in msg.iter_attachments()}


def test_report_survives_json_exactly(settings: Settings) -> None:
    report = replace(make_report(settings), provisional="Số liệu tạm tính: x.", replaces="y")
    assert report_json.loads(report_json.dumps(report)) == report


def test_approval_run_mails_only_the_approver_then_approve_sends_the_numbered_files_once(
    settings: Settings, smtp_server: SmtpServer, db_url: str, sample: dict[str, Path]
) -> None:
    engine = _store(db_url, sample)
    s = _approval_settings(settings, smtp_server)
    outcome = run_job(engine, s, _job(s), WEEK)
    assert outcome.status == "awaiting", outcome.message
    # the message is the same on every door; each door adds what to do (issue 21)
    assert cli_words(outcome.said) == (
        f"Công việc bao-cao-tuan kỳ 21/9-28/9/2020: bản dự thảo chờ duyệt (lần chạy "
        f"#{outcome.run_id}); đã gửi thư cho 1 người duyệt. Duyệt: baocao approve "
        f'{outcome.run_id}; trả lại: baocao return {outcome.run_id} --comment "…"'
    )
    assert say(outcome.said) == (
        f"Công việc bao-cao-tuan kỳ 21/9-28/9/2020: bản dự thảo chờ duyệt (lần chạy "
        f"#{outcome.run_id}); đã gửi thư cho 1 người duyệt. Duyệt hoặc trả lại ở trang Duyệt "
        "báo cáo."
    )
    handler = smtp_server.handler
    assert [m["X-Envelope-To"] for m in handler.messages] == [APPROVER]
    (ask,) = handler.messages
    # the period in words, no job id, no command, no server path (issue 21)
    assert ask["Subject"] == "[baocao] Chờ duyệt: báo cáo tuần 39/2020 (21/9-28/9/2020)"
    body = ask.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Báo cáo tuần 39/2020 (21/9-28/9/2020) đang chờ đồng chí duyệt." in body
    assert "- Văn bản hành chính tiếp nhận, xử lý: " in body
    # no sources are declared in these settings: the mail must not claim the data is complete
    assert "Tình trạng số liệu: Chưa kiểm tra được số liệu đã đủ hay chưa" in body
    assert f"Xem và duyệt: https://baocao.vp.hanoi.gov.vn/drafts/{outcome.run_id}" in body
    for word in ("baocao approve", "bao-cao-tuan", "/tmp", str(s.data_dir)):
        assert word not in body
    draft_files = {f.name: f.read_bytes() for f in outcome.files}
    assert _attachments(ask) == draft_files
    # the draft says it is one: in its name and on every page, with no number and no date
    draft_docx = draft_files["DU-THAO-BC-tuan-2020-09-21_2020-09-28.docx"]
    assert _number_line(draft_docx) == "Số: \xa0" * 0 + ("Số: " + "\xa0" * 6 + "/BC-VP")
    assert _headers(draft_docx) == ["DỰ THẢO", "DỰ THẢO"]  # first page and the others
    assert _date_line(draft_docx).endswith(
        "ngày \xa0\xa0\xa0\xa0\xa0 tháng \xa0\xa0\xa0\xa0\xa0 năm \xa0\xa0\xa0\xa0\xa0"
    )
    assert ledger.latest(engine, "bao-cao-tuan", WEEK).status == ledger.AWAITING  # type: ignore[union-attr]
    (queued,) = approval.drafts(engine)
    assert queued.run_id == outcome.run_id and queued.state == approval.PENDING
    assert [f.sha256 for f in queued.files] == [register.sha256(b) for b in draft_files.values()]
    again = run_job(engine, s, _job(s), WEEK)
    assert again.status == "awaiting" and "không tạo lại bản dự thảo" in again.message
    assert len(handler.messages) == 1

    decision = approval.approve(engine, s, outcome.run_id, APPROVER, now=APPROVED_ON)  # type: ignore[arg-type]
    assert decision.message == (
        "Văn bản số 01/BC-VP (bao-cao-tuan kỳ 21/9-28/9/2020): đã gửi 2 người nhận."
    )
    done = decision.draft
    assert done.state == approval.RELEASED and done.decided_by == APPROVER
    assert done.reference == "01/BC-VP" and done.issued_on == date(2020, 9, 28)
    frozen = {f.path.name: register.stored_file(engine, f.sha256) for f in done.final_files}
    assert {f.path.name: f.path.read_bytes() for f in done.final_files} == frozen
    for leader in LEADERS:
        (msg,) = handler.to(leader)
        assert _attachments(msg) == frozen
    final_docx = frozen["BC-tuan-2020-09-21_2020-09-28.docx"]
    assert final_docx is not None
    assert _number_line(final_docx) == "Số: 01/BC-VP"
    assert _headers(final_docx) == []  # no longer a draft
    assert _date_line(final_docx).endswith("ngày 28 tháng 9 năm 2020")
    # the workbook is the approved one, byte for byte
    xlsx = "BC-tuan-2020-09-21_2020-09-28.xlsx"
    assert frozen[xlsx] == draft_files["DU-THAO-" + xlsx]

    twice = approval.approve(engine, s, outcome.run_id, APPROVER, now=APPROVED_ON)  # type: ignore[arg-type]
    assert twice.message.startswith("Văn bản số 01/BC-VP (lần chạy #")
    assert twice.message.endswith("đã gửi; không gửi lại.")
    assert len(handler.messages) == 3
    assert run_job(engine, s, _job(s), WEEK).status == "already-delivered"

    second = run_job(engine, s, _job(s), NEXT_WEEK)
    assert second.status == "awaiting"
    numbered = approval.approve(engine, s, second.run_id, APPROVER, now=APPROVED_ON)  # type: ignore[arg-type]
    assert numbered.draft.reference == "02/BC-VP"
    docx_02 = next(f for f in numbered.draft.final_files if f.path.suffix == ".docx")
    assert _number_line(docx_02.path.read_bytes()) == "Số: 02/BC-VP"
    assert len(handler.messages) == 6


def test_two_approvals_racing_get_distinct_consecutive_numbers(
    settings: Settings, smtp_server: SmtpServer, pg_url: str, sample: dict[str, Path]
) -> None:
    engine = _store(pg_url, sample)
    s = _approval_settings(settings, smtp_server)
    weeks = [WEEK, NEXT_WEEK, ReportPeriod(date(2020, 10, 5), date(2020, 10, 12))]
    run_ids = [run_job(engine, s, _job(s), w).run_id for w in weeks]
    start = threading.Barrier(len(run_ids))
    numbers: dict[int, str | None] = {}
    errors: list[BaseException] = []

    def approve(run_id: int) -> None:
        own = open_store(pg_url)  # a connection pool of its own, as another machine has
        try:
            start.wait()
            numbers[run_id] = approval.approve(
                own, s, run_id, APPROVER, now=APPROVED_ON
            ).draft.reference
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=approve, args=(r,)) for r in run_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers.values()) == ["01/BC-VP", "02/BC-VP", "03/BC-VP"]  # type: ignore[type-var]
    assert register.last_number(engine, "BC-VP", 2020) == 3
    for leader in LEADERS:
        assert len(smtp_server.handler.to(leader)) == 3


def test_register_numbers_have_no_gap_or_duplicate_under_contention(db_url: str) -> None:
    engines = [open_store(db_url) for _ in range(4)]
    taken: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(len(engines))

    def take(engine: Engine) -> None:
        start.wait()
        for _ in range(5):
            with engine.begin() as conn:
                n = register.next_number(conn, "BC-VP", 2021)
            with lock:
                taken.append(n)

    threads = [threading.Thread(target=take, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == list(range(1, 21))
    with engines[0].begin() as conn:
        assert register.next_number(conn, "BC-VP", 2022) == 1  # a new year starts from 01
    for e in engines:
        e.dispose()


def test_revoke_during_delivery_stops_the_remaining_recipients(
    settings: Settings, smtp_server: SmtpServer, db_url: str, sample: dict[str, Path]
) -> None:
    engine = _store(db_url, sample)
    s = _approval_settings(settings, smtp_server)
    s = replace(s, smtp=replace(s.smtp, owner=""))  # nobody to mail from inside the server
    _write_job(s, approval=True, approvers=[APPROVER])
    run_id = run_job(engine, s, _job(s), WEEK).run_id
    assert run_id is not None

    def revoke() -> None:
        approval.return_draft(engine, s, run_id, APPROVER, "Sai số liệu hồ sơ, thu hồi.")

    smtp_server.handler.before_accept[LEADERS[0]] = revoke
    decision = approval.approve(engine, s, run_id, APPROVER, now=APPROVED_ON)
    assert decision.message == (
        "Văn bản số 01/BC-VP: phê duyệt đã bị thu hồi; dừng gửi (đã gửi 1 người nhận)."
    )
    assert len(smtp_server.handler.to(LEADERS[0])) == 1
    assert smtp_server.handler.to(LEADERS[1]) == []
    assert approval.draft(engine, run_id).state == approval.REVOKED
    assert ledger.get(engine, run_id).status == ledger.RETURNED  # type: ignore[union-attr]
    with pytest.raises(ApprovalError, match="đã thu hồi phê duyệt; không duyệt được"):
        approval.approve(engine, s, run_id, APPROVER)
    assert smtp_server.handler.to(LEADERS[1]) == []


def test_regenerating_after_approval_voids_it(
    settings: Settings, smtp_server: SmtpServer, sqlite_url: str, sample: dict[str, Path]
) -> None:
    engine = _store(sqlite_url, sample)
    s = _approval_settings(settings, smtp_server)
    run_id = run_job(engine, s, _job(s), WEEK).run_id
    assert run_id is not None
    smtp_server.handler.reject = set(LEADERS)  # approved, but the mail is refused
    failed = approval.approve(engine, s, run_id, APPROVER, now=APPROVED_ON)
    assert failed.exit_code == 6 and failed.draft.state == approval.APPROVED
    first_id = failed.draft.id
    smtp_server.handler.reject = set()
    regenerated = run_job(engine, s, _job(s), WEEK, force=True)
    assert regenerated.status == "awaiting", regenerated.message
    with engine.connect() as conn:
        state = conn.execute(
            sa.select(approvals.c.state).where(approvals.c.id == first_id)
        ).scalar()
    assert state == approval.VOID
    # the draft that was approved is kept as it was; the new one is written beside it
    for f in failed.draft.files:
        assert register.sha256(f.path.read_bytes()) == f.sha256
    new_files = approval.draft(engine, run_id).files
    assert not {f.path for f in new_files} & {f.path for f in failed.draft.files}
    assert [m["X-Envelope-To"] for m in smtp_server.handler.messages] == [APPROVER, APPROVER]
    # the voided approval sends nothing; the new draft needs its own, and its own number
    again = approval.approve(engine, s, run_id, APPROVER, now=APPROVED_ON)
    assert again.draft.reference == "02/BC-VP"
    for leader in LEADERS:
        assert len(smtp_server.handler.to(leader)) == 1


def test_a_draft_changed_on_disk_is_not_approved(
    settings: Settings, smtp_server: SmtpServer, sqlite_url: str, sample: dict[str, Path]
) -> None:
    engine = _store(sqlite_url, sample)
    s = _approval_settings(settings, smtp_server)
    outcome = run_job(engine, s, _job(s), WEEK)
    outcome.files[0].write_bytes(outcome.files[0].read_bytes() + b"x")
    with pytest.raises(ApprovalError) as info:
        approval.approve(engine, s, outcome.run_id, APPROVER)  # type: ignore[arg-type]
    assert str(info.value) == (
        f"Bản dự thảo của lần chạy #{outcome.run_id} đã bị sửa hoặc tạo lại sau khi gửi duyệt "
        f"({outcome.files[0]}); không duyệt. Chạy lại công việc để gửi duyệt bản mới."
    )
    assert approval.draft(engine, outcome.run_id).state == approval.VOID  # type: ignore[arg-type]
    assert register.last_number(engine, "BC-VP", 2020) == 0
    assert len(smtp_server.handler.messages) == 1


def test_return_with_a_comment_reaches_the_specialist_and_a_rerun_submits_again(
    settings: Settings, smtp_server: SmtpServer, sqlite_url: str, sample: dict[str, Path]
) -> None:
    engine = _store(sqlite_url, sample)
    s = _approval_settings(settings, smtp_server)
    run_id = run_job(engine, s, _job(s), WEEK).run_id
    assert run_id is not None
    decision = approval.return_draft(engine, s, run_id, APPROVER, "Bổ sung số liệu tiếp dân.")
    assert (
        decision.message == f"Đã trả lại bản dự thảo của lần chạy #{run_id}; đã báo {SPECIALIST}."
    )
    (told,) = smtp_server.handler.to(SPECIALIST)
    body = told.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # the mail says what to do on the page, not a command for the server (issue 21)
    assert f"{APPROVER} đã trả lại bản dự thảo báo cáo tuần 39/2020 (21/9-28/9/2020)." in body
    assert "Ý kiến: Bổ sung số liệu tiếp dân." in body
    assert f"https://baocao.vp.hanoi.gov.vn/drafts/{run_id}" in body
    assert "baocao jobs run" not in body and "bao-cao-tuan" not in body
    assert ledger.get(engine, run_id).status == ledger.RETURNED  # type: ignore[union-attr]
    with pytest.raises(ApprovalError, match="trả lại để sửa; không duyệt được"):
        approval.approve(engine, s, run_id, APPROVER)
    resubmitted = run_job(engine, s, _job(s), WEEK)
    assert resubmitted.status == "awaiting" and resubmitted.run_id != run_id
    assert len(smtp_server.handler.to(APPROVER)) == 2
    assert [
        m["X-Envelope-To"] for m in smtp_server.handler.messages if m["X-Envelope-To"] in LEADERS
    ] == []


def test_a_correction_after_release_replaces_the_old_document(
    settings: Settings, smtp_server: SmtpServer, sqlite_url: str, sample: dict[str, Path]
) -> None:
    engine = _store(sqlite_url, sample)
    s = _approval_settings(settings, smtp_server)
    first = run_job(engine, s, _job(s), WEEK).run_id
    assert first is not None
    approval.approve(engine, s, first, APPROVER, now=APPROVED_ON)
    correction = run_job(engine, s, _job(s), WEEK, force=True)
    assert correction.status == "awaiting" and correction.run_id != first
    line = "Thay thế văn bản số 01/BC-VP ngày 28/9/2020."
    draft_docx = next(f for f in correction.files if f.suffix == ".docx")
    paragraphs = _paragraphs(draft_docx.read_bytes())
    at = paragraphs.index(line)  # under the title and its rule
    assert (
        paragraphs[at - 2].startswith("Kết quả chỉ đạo, điều hành nổi bật")
        and not paragraphs[at - 1]
    )
    decision = approval.approve(engine, s, correction.run_id, APPROVER, now=APPROVED_ON)  # type: ignore[arg-type]
    new = decision.draft
    assert new.reference == "02/BC-VP" and new.replaces_id == approval.draft(engine, first).id
    final = next(f for f in new.final_files if f.path.suffix == ".docx").path.read_bytes()
    assert _number_line(final) == "Số: 02/BC-VP" and line in _paragraphs(final)
    old = approval.draft(engine, first)
    assert old.state == approval.RELEASED and old.reference == "01/BC-VP"
    assert all(f.path.is_file() for f in old.final_files)  # the old one stays as sent
    for leader in LEADERS:
        assert len(smtp_server.handler.to(leader)) == 2
    with pytest.raises(ApprovalError, match="đã phát hành; không thu hồi được"):
        approval.return_draft(engine, s, first, APPROVER, "muộn")


def test_approvers_by_login_need_a_lookup() -> None:
    assert approval.resolve_approvers([APPROVER]) == (APPROVER,)
    with pytest.raises(ApprovalError) as info:
        approval.resolve_approvers(["chanhvp"])
    assert str(info.value) == (
        "Người duyệt 'chanhvp' không phải địa chỉ thư và chưa có danh sách người dùng để tra; "
        "ghi địa chỉ thư vào approvers trong tệp công việc."
    )
    roles = {"lanh-dao": ["a@x.vn", "b@x.vn"], "chanhvp": ["a@x.vn"]}
    assert approval.resolve_approvers(["lanh-dao", "chanhvp", "c@x.vn"], roles.get) == (
        "a@x.vn",
        "b@x.vn",
        "c@x.vn",
    )
    with pytest.raises(ApprovalError, match="'ai-do': không có người dùng hay vai trò này"):
        approval.resolve_approvers(["ai-do"], lambda name: [])
    approval.set_approver_lookup(roles.get)  # as the users table will
    try:
        assert approval.resolve_approvers(["chanhvp"]) == ("a@x.vn",)
    finally:
        approval.set_approver_lookup(None)
    with pytest.raises(ApprovalError, match="chưa có danh sách người dùng"):
        approval.resolve_approvers(["chanhvp"])


def test_the_same_draft_approved_twice_at_once_is_numbered_and_sent_once(
    settings: Settings, smtp_server: SmtpServer, pg_url: str, sample: dict[str, Path]
) -> None:
    engine = _store(pg_url, sample)
    s = _approval_settings(settings, smtp_server)
    run_id = run_job(engine, s, _job(s), WEEK).run_id
    assert run_id is not None
    start = threading.Barrier(2)
    messages: list[str] = []

    def approve() -> None:
        own = open_store(pg_url)
        try:
            start.wait()
            messages.append(approval.approve(own, s, run_id, APPROVER, now=APPROVED_ON).message)
        finally:
            own.dispose()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = "Văn bản số 01/BC-VP (bao-cao-tuan kỳ 21/9-28/9/2020): đã gửi 2 người nhận."
    assert messages.count(sent) == 1, messages
    (other,) = (m for m in messages if m != sent)  # whatever it saw, it sent nothing
    assert other.endswith("không gửi lại."), other
    assert register.last_number(engine, "BC-VP", 2020) == 1
    for leader in LEADERS:
        assert len(smtp_server.handler.to(leader)) == 1


def test_approving_again_after_a_failed_send_mails_only_those_not_reached(
    settings: Settings, smtp_server: SmtpServer, sqlite_url: str, sample: dict[str, Path]
) -> None:
    engine = _store(sqlite_url, sample)
    s = _approval_settings(settings, smtp_server)
    run_id = run_job(engine, s, _job(s), WEEK).run_id
    assert run_id is not None
    smtp_server.handler.reject = {LEADERS[1]}
    first = approval.approve(engine, s, run_id, APPROVER, now=APPROVED_ON)
    assert first.exit_code == 6 and first.sent == [LEADERS[0]]
    assert first.message.startswith("Văn bản số 01/BC-VP: lỗi khi gửi (lanhdao2@ubnd.gov.vn: ")
    assert cli_words(first.said).endswith(f"Gửi tiếp những người còn lại: baocao approve {run_id}")
    assert say(first.said).endswith(
        "Gửi tiếp những người còn lại: bấm Duyệt… ở văn bản này lần nữa."
    )
    smtp_server.handler.reject = set()
    again = approval.approve(engine, s, run_id, APPROVER, now=APPROVED_ON)
    assert again.exit_code == 0 and again.draft.state == approval.RELEASED
    assert again.draft.reference == "01/BC-VP"
    frozen = {f.path.name: f.path.read_bytes() for f in again.draft.final_files}
    for leader in LEADERS:
        (msg,) = smtp_server.handler.to(leader)
        assert _attachments(msg) == frozen


def test_a_template_changed_after_the_draft_is_not_numbered(
    settings: Settings, smtp_server: SmtpServer, sqlite_url: str, sample: dict[str, Path],
    tmp_path: Path,
) -> None:  # fmt: skip
    import shutil

    from reports.settings.load import PROJECT_ROOT

    engine = _store(sqlite_url, sample)
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", templates)
    s = replace(_approval_settings(settings, smtp_server), templates_dir=templates)
    outcome = run_job(engine, s, _job(s), WEEK)
    assert outcome.status == "awaiting"
    edited = docx.Document(str(templates / "bao-cao-tuan.docx"))
    edited.add_paragraph("Một câu thêm vào mẫu sau khi gửi duyệt.")
    edited.save(str(templates / "bao-cao-tuan.docx"))
    with pytest.raises(ApprovalError) as info:
        approval.approve(engine, s, outcome.run_id, APPROVER, now=APPROVED_ON)  # type: ignore[arg-type]
    assert str(info.value) == (
        f"Mẫu báo cáo đã thay đổi sau khi gửi duyệt lần chạy #{outcome.run_id}: bản có số sẽ "
        "khác bản đã duyệt; không duyệt. Chạy lại công việc để gửi duyệt bản mới."
    )
    assert register.last_number(engine, "BC-VP", 2020) == 0  # the number was given back
    assert approval.draft(engine, outcome.run_id).state == approval.PENDING  # type: ignore[arg-type]
    assert [m["X-Envelope-To"] for m in smtp_server.handler.messages] == [APPROVER]


def test_approval_keys_of_a_job_file_and_settings_are_checked(tmp_path: Path) -> None:
    from reports.core.errors import ConfigError, JobError
    from reports.runs.jobs import parse_job
    from reports.settings.load import settings_from_mapping

    path = tmp_path / "tuan.toml"
    base = {"schedule": "0 8 * * MON", "email": {"to": list(LEADERS)}}
    cases = {
        "approvers: approval = true cần ít nhất một người duyệt": {"approval": True},
        "approval: phải là true hoặc false, nhận được 'co'": {"approval": "co"},
        "incomplete: chọn hold hoặc send-provisional, nhận được 'gui'": {"incomplete": "gui"},
        "hold_hours: phải là số giờ ≥ 1, nhận được 0": {"hold_hours": 0},
        'signed_pdf: cần "pdf" trong formats để có bản PDF để ký': {
            "approval": True,
            "approvers": [APPROVER],
            "signed_pdf": True,
        },
        "specialist: địa chỉ thư không hợp lệ 'chuyen vien'": {"specialist": "chuyen vien"},
    }
    for problem, extra in cases.items():
        with pytest.raises(JobError) as info:
            parse_job(path, {**base, **extra})
        assert str(info.value) == f"Tệp công việc {path}: {problem}"
    job = parse_job(path, {**base, "approval": True, "approvers": [APPROVER, "lanh-dao"]})
    assert job.approvers == (APPROVER, "lanh-dao") and job.incomplete == "hold"
    with pytest.raises(ConfigError) as bad:
        settings_from_mapping(
            {"completeness": {"sources": ["ho_so"]}}, base_dir=tmp_path, environ={}
        )
    assert str(bad.value) == (
        "Cấu hình completeness.sources: không có loại số liệu 'ho_so' (trong 'ho_so'); chọn "
        "trong documents, dossiers, receptions, petitions, directives, highlights, có thể kèm mã đơn vị: "
        '"dossiers:MA_DON_VI"'
    )


def test_a_scheduled_run_with_approval_mails_the_approver_and_no_recipient(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path, sqlite_url: str,
    sample: dict[str, Path],
) -> None:  # fmt: skip
    from zoneinfo import ZoneInfo

    import time_machine

    from reports.schedule.service import bind, scheduled_run
    from reports.settings.load import PROJECT_ROOT, load_settings

    _store(sqlite_url, sample)
    s = _approval_settings(settings, smtp_server)
    config = tmp_path / "baocao.toml"
    config.write_text(
        f'[paths]\ntemplates = "{PROJECT_ROOT / "templates"}"\noutput = "{tmp_path / "out"}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\n'
        'mail_from = "baocao@vp.hanoi.gov.vn"\nretry_backoff_s = 0.01\n',
        encoding="utf-8",
    )
    monday = datetime(2020, 9, 28, 8, 0, 5, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    with time_machine.travel(monday, tick=False):
        bind(load_settings(str(config)).with_database(sqlite_url).with_jobs_dir(str(s.jobs_dir)))
        scheduled_run("bao-cao-tuan")
    assert [m["X-Envelope-To"] for m in smtp_server.handler.messages] == [APPROVER]
    engine = open_store(sqlite_url)
    _OPEN.append(engine)
    (queued,) = approval.drafts(engine)
    assert queued.period == WEEK and queued.state == approval.PENDING
