"""Duyệt báo cáo: a draft made by a real approval run, approved or returned on the page, with
CSRF enforced and a real SMTP server."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from markupsafe import escape

from reports import approval
from reports.accounts import users as accounts
from reports.accounts.audit import audit_entries
from reports.core.errors import ApprovalError
from reports.core.periods import ReportPeriod
from reports.render.pdf import soffice
from reports.runs.jobs import find_job
from reports.schedule.runner import run_job
from reports.settings.load import CompletenessSettings, Settings
from reports.store.schema import imports
from tests.conftest import mail_settings, need
from tests.smtp import SmtpServer
from tests.web.conftest import AuthActions, csrf_token, make_app

WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
LEADERS = ("lanhdao1@ubnd.gov.vn", "lanhdao2@ubnd.gov.vn")
SPECIALIST = "chuyenvien@ubnd.gov.vn"
DIRECTOR = "chanhvanphong@ubnd.gov.vn"
DIRECTOR_PASSWORD = "mat-khau-chanh-vp"


def _write_job(s: Settings, approvers: list[str], *extra: str) -> None:
    quoted = ", ".join(f'"{a}"' for a in approvers)
    leaders = ", ".join(f'"{a}"' for a in LEADERS)
    (s.jobs_dir / "bao-cao-tuan.toml").write_text(
        "\n".join(
            [
                'id = "bao-cao-tuan"',
                'schedule = "0 8 * * MON"',
                'formats = ["docx", "xlsx"]',
                "approval = true",
                f"approvers = [{quoted}]",
                f'specialist = "{SPECIALIST}"',
                *extra,
                "[email]",
                f"to = [{leaders}]",
            ]
        )
        + "\n",
        encoding="utf-8",
    )


@pytest.fixture
def office(web_settings: Settings, smtp_server: SmtpServer) -> Settings:
    s = mail_settings(web_settings, smtp_server)
    return replace(s, web=replace(s.web, base_url="https://baocao.vp.hanoi.gov.vn"))


@pytest.fixture
def mail_app(office: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.delenv("BAOCAO_SECRET_KEY", raising=False)
    app = make_app(office)
    engine = app.extensions["baocao"]["engine"]
    accounts.add_user(engine, DIRECTOR, "lanh-dao", DIRECTOR_PASSWORD, by="test")
    yield app
    engine.dispose()


def _submit(app: Flask, approvers: list[str], *extra: str) -> int:
    """Run the approval job as the scheduler would: its draft waits for the approver."""
    engine, s = app.extensions["baocao"]["engine"], app.extensions["baocao"]["settings"]
    _write_job(s, approvers, *extra)
    outcome = run_job(engine, s, find_job(s.jobs_dir, "bao-cao-tuan"), WEEK)
    assert outcome.status == "awaiting", outcome.message
    assert outcome.run_id is not None
    return outcome.run_id


def _to(server: SmtpServer) -> list[str]:
    return [str(m["X-Envelope-To"]) for m in server.handler.messages]


def test_a_role_in_approvers_reaches_its_users_and_the_draft_waits_on_the_page(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    run_id = _submit(mail_app, ["lanh-dao"])
    assert _to(smtp_server) == [DIRECTOR]  # the one leader whose login is an address
    (ask,) = smtp_server.handler.messages
    body = ask.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"https://baocao.vp.hanoi.gov.vn/drafts/{run_id}" in body

    client = mail_app.test_client()
    away = client.get(f"/drafts/{run_id}")  # the mail's link, before logging in
    assert away.status_code == 302
    assert away.headers["Location"] == f"/dang-nhap?next=/drafts/{run_id}"
    AuthActions(client).login("chuyenvien")
    html = client.get("/drafts/").get_data(as_text=True)
    assert ">Duyệt báo cáo</a>" in html  # in the menu
    # one card per draft (a phone reads cards, not a five-column table): named by its period
    assert f'href="/drafts/{run_id}">Báo cáo tuần 39/2020</a>' in html
    assert "bao-cao-tuan" in html and "21/9-28/9/2020" in html
    assert "Văn bản hành chính tiếp nhận, xử lý: " in html
    assert "Bạn chỉ xem được danh sách" in html
    created = approval.draft(mail_app.extensions["baocao"]["engine"], run_id).created_at
    local = created.astimezone(mail_app.extensions["baocao"]["settings"].tz)
    assert f"<time>{local:%d/%m/%Y}</time>" in html

    show = client.get(f"/drafts/{run_id}")
    page = show.get_data(as_text=True)
    assert show.status_code == 200 and "chờ duyệt" in page
    assert page.count('id="csrf_token"') == 1  # the logout form's only
    assert '<button type="submit">Duyệt</button>' not in page  # read-only for chuyên viên
    files = re.findall(rf'href="(/drafts/{run_id}/tep/\d+)">([^<]+)</a>', page)
    assert [name.rsplit(".", 1)[1] for _, name in files] == ["docx", "xlsx"]
    with client.get(files[0][0]) as got:
        assert got.status_code == 200 and got.data[:2] == b"PK"
    assert client.get(f"/drafts/{run_id}/tep/9").status_code == 404
    assert client.get("/drafts/999999").status_code == 404


def test_a_login_without_an_address_is_told_to_write_one(mail_app: Flask) -> None:
    from reports.accounts.users import approver_lookup

    # the lookup every door's run path uses (reports.schedule.runner passes it)
    lookup = approver_lookup(mail_app.extensions["baocao"]["engine"])
    with pytest.raises(ApprovalError) as info:
        approval.resolve_approvers(["lanhdao"], lookup)
    assert str(info.value) == (
        # users have a mail address since issue 21: the message says where to write it
        "Người dùng 'lanhdao' không có địa chỉ thư; thêm địa chỉ thư cho người dùng (Người "
        "dùng) hoặc ghi địa chỉ thư vào approvers trong tệp công việc."
    )
    assert approval.resolve_approvers([DIRECTOR], lookup) == (DIRECTOR,)
    with pytest.raises(ApprovalError, match="'ai-do': không có người dùng hay vai trò này"):
        approval.resolve_approvers(["ai-do"], lookup)
    with pytest.raises(ApprovalError, match=r"Vai trò 'chuyen-vien' \(Chuyên viên\) không có"):
        approval.resolve_approvers(["chuyen-vien"], lookup)


def test_leader_approves_the_number_is_shown_and_recipients_are_mailed_once(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    run_id = _submit(mail_app, [DIRECTOR])
    client = mail_app.test_client()
    auth = AuthActions(client)
    auth.login("chuyenvien")
    page = f"/drafts/{run_id}"
    refused = auth.post(f"/drafts/{run_id}/duyet", page=page)
    assert refused.status_code == 403
    assert "Bạn không có quyền" in refused.get_data(as_text=True)
    back = auth.post(f"/drafts/{run_id}/tra-lai", {"comment": "Sửa"}, page=page)
    assert back.status_code == 403
    auth.logout()

    # a lãnh đạo the job does not name cannot approve; the attempt is in Nhật ký
    auth.login("lanhdao")
    other = auth.post(f"/drafts/{run_id}/duyet", page=page)
    assert other.status_code == 400
    assert (
        f"lanhdao không phải người duyệt của công việc bao-cao-tuan; không duyệt được bản dự "
        f"thảo của lần chạy #{run_id}. Người duyệt: {DIRECTOR}"
    ) in other.get_data(as_text=True)
    auth.logout()

    auth.login(DIRECTOR, DIRECTOR_PASSWORD)
    forms = client.get(page).get_data(as_text=True)
    # Duyệt is at the end of the document and leads to a confirmation with the number and date
    assert forms.index('id="van-ban"') < forms.index(f'href="/drafts/{run_id}/duyet">Duyệt…</a>')
    assert '<button type="submit" class="secondary">Trả lại</button>' in forms
    confirm = client.get(f"/drafts/{run_id}/duyet").get_data(as_text=True)
    today = datetime.now(mail_app.extensions["baocao"]["settings"].tz)
    assert f"Số: 01/BC-VP, ngày {today:%d/%m/%Y}" in confirm
    assert '<button type="submit">Duyệt và gửi</button>' in confirm
    assert _to(smtp_server) == [DIRECTOR]  # looking at the confirmation decides nothing
    no_token = client.post(f"/drafts/{run_id}/duyet")
    assert no_token.status_code == 400
    assert "thiếu mã bảo vệ (CSRF)" in no_token.get_data(as_text=True)
    assert _to(smtp_server) == [DIRECTOR]  # nothing sent by the refused posts

    done = auth.post(f"/drafts/{run_id}/duyet", page=page, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "Đã duyệt. Số: 01/BC-VP." in html
    assert "<strong>Số: 01/BC-VP</strong>" in html and "đã phát hành" in html
    assert '<button type="submit">' not in html.split("</header>")[1]  # nothing left to decide
    assert sorted(_to(smtp_server)[1:]) == sorted(LEADERS)

    again = auth.post(f"/drafts/{run_id}/duyet", page=page, follow_redirects=True)
    assert "không gửi lại" in again.get_data(as_text=True)
    assert sorted(_to(smtp_server)[1:]) == sorted(LEADERS)  # once each
    assert f'href="/drafts/{run_id}"' not in client.get("/drafts/").get_data(as_text=True)

    engine = mail_app.extensions["baocao"]["engine"]
    final = re.findall(rf'href="(/drafts/{run_id}/tep/1)"', html)
    frozen = approval.frozen_paths(engine, approval.draft(engine, run_id))[0]
    with client.get(final[0]) as got:
        assert got.data == frozen.read_bytes()
    logged = [(e.user_name, e.action) for e in audit_entries(engine)]
    assert (DIRECTOR, "draft.approve") in logged
    assert ("lanhdao", "draft.approve.refused") in logged


def test_return_needs_a_comment_and_reaches_the_specialist(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    run_id = _submit(mail_app, [DIRECTOR])
    client = mail_app.test_client()
    auth = AuthActions(client)
    auth.login(DIRECTOR, DIRECTOR_PASSWORD)  # only the job's approvers decide (not quantri)
    page = f"/drafts/{run_id}"
    empty = auth.post(f"/drafts/{run_id}/tra-lai", {"comment": "  "}, page=page)
    assert empty.status_code == 400
    assert "Trả lại cần ý kiến" in empty.get_data(as_text=True)

    back = auth.post(
        f"/drafts/{run_id}/tra-lai",
        {"comment": "Sửa số hồ sơ tồn"},
        page=page,
        follow_redirects=True,
    )
    html = back.get_data(as_text=True)
    assert back.status_code == 200
    assert f"Đã trả lại bản dự thảo của lần chạy #{run_id}; đã báo {SPECIALIST}." in html
    assert "trả lại để sửa" in html and "Sửa số hồ sơ tồn" in html
    assert _to(smtp_server) == [DIRECTOR, SPECIALIST]

    late = auth.post(f"/drafts/{run_id}/duyet", page=page)
    assert late.status_code == 400
    text = late.get_data(as_text=True)
    assert "trả lại để sửa; không duyệt được" in text and "Traceback" not in text
    engine = mail_app.extensions["baocao"]["engine"]
    logged = [(e.user_name, e.action) for e in audit_entries(engine)]
    assert (DIRECTOR, "draft.return") in logged


def test_the_draft_page_shows_its_pages(mail_app: Flask) -> None:
    need(soffice() is not None and shutil.which("pdftoppm") is not None, "LibreOffice, poppler")
    run_id = _submit(mail_app, [DIRECTOR])
    client = mail_app.test_client()
    AuthActions(client).login("lanhdao")
    html = client.get(f"/drafts/{run_id}").get_data(as_text=True)
    images = re.findall(rf'src="(/drafts/{run_id}/trang/\d+)"', html)
    assert images, html
    with client.get(images[0]) as first:
        assert first.status_code == 200 and first.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert csrf_token(client, f"/drafts/{run_id}")


def test_a_provisional_draft_is_flagged_in_red(
    office: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BAOCAO_SECRET_KEY", raising=False)
    expecting = replace(office, completeness=CompletenessSettings(sources=("dossiers",)))
    app = make_app(expecting)
    try:
        with app.extensions["baocao"]["engine"].begin() as conn:  # the export cut off at 25/9
            conn.execute(
                sa.update(imports)
                .where(imports.c.kind == "dossiers")
                .values(data_until=date(2020, 9, 25))
            )
        run_id = _submit(app, [DIRECTOR], 'incomplete = "send-provisional"')
        line = approval.draft(app.extensions["baocao"]["engine"], run_id).provisional
        assert line == "Số liệu tạm tính: chưa có số liệu của hồ sơ TTHC sau ngày 25/9/2020."
        client = app.test_client()
        AuthActions(client).login("lanhdao")
        for path in ("/drafts/", f"/drafts/{run_id}"):
            html = client.get(path).get_data(as_text=True)
            assert f'<p class="error">{escape(line)}</p>' in html, path
    finally:
        app.extensions["baocao"]["engine"].dispose()


def test_a_failed_send_is_told_and_sent_on_to_those_not_reached(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    run_id = _submit(mail_app, [DIRECTOR])
    client = mail_app.test_client()
    auth = AuthActions(client)
    auth.login(DIRECTOR, DIRECTOR_PASSWORD)
    page = f"/drafts/{run_id}"
    smtp_server.handler.reject = {LEADERS[1]}
    first = auth.post(f"/drafts/{run_id}/duyet", page=page, follow_redirects=True)
    html = first.get_data(as_text=True)
    assert "Đã duyệt. Số: 01/BC-VP." in html
    assert f"Chưa gửi được cho: {LEADERS[1]} (" in html
    assert '<button type="submit">Gửi tiếp cho người chưa nhận</button>' in html
    assert "đã duyệt" in html
    smtp_server.handler.reject = set()
    again = auth.post(f"/drafts/{run_id}/duyet", page=page, follow_redirects=True)
    assert "đã phát hành" in again.get_data(as_text=True)
    for leader in LEADERS:
        assert len(smtp_server.handler.to(leader)) == 1
