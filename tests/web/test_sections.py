"""The sections a person writes, edited on the draft's page (issue 19): in a real browser
(Playwright, Debian's Chromium) against the app served on a free port; what is typed is in
the Word report and in the approved file's hash, an empty section is left out, and an edit
after approval voids the approval."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from flask import Flask

from reports import approval
from reports.approval import register
from reports.core.periods import ReportPeriod
from reports.runs.jobs import find_job
from reports.schedule.runner import run_job
from reports.settings.load import Settings
from tests.conftest import mail_settings, need
from tests.smtp import SmtpServer
from tests.web.conftest import PASSWORDS, AuthActions, make_app, served

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
NEXT_WEEK = ReportPeriod(date(2020, 9, 28), date(2020, 10, 5))
APPROVER = "chanhvanphong@ubnd.gov.vn"


@pytest.fixture
def office_app(
    web_settings: Settings, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    monkeypatch.delenv("BAOCAO_SECRET_KEY", raising=False)
    s = mail_settings(web_settings, smtp_server)
    (s.jobs_dir / "bao-cao-tuan.toml").write_text(
        'id = "bao-cao-tuan"\nschedule = "0 8 * * MON"\nformats = ["docx", "pdf"]\n'
        f'approval = true\napprovers = ["{APPROVER}"]\nsigned_pdf = true\n'
        '[email]\nto = ["lanhdao@ubnd.gov.vn"]\n',
        encoding="utf-8",
    )
    app = make_app(s)
    yield app
    app.extensions["baocao"]["engine"].dispose()


@pytest.fixture
def base_url(office_app: Flask) -> Iterator[str]:
    with served(office_app, office_app.extensions["baocao"]["settings"]) as base:
        yield base


def _submit(app: Flask, period: ReportPeriod) -> int:
    engine, s = app.extensions["baocao"]["engine"], app.extensions["baocao"]["settings"]
    outcome = run_job(engine, s, find_job(s.jobs_dir, "bao-cao-tuan"), period)
    assert outcome.status == "awaiting", outcome.message
    assert outcome.run_id is not None
    return outcome.run_id


def _docx(d: approval.Draft, final: bool = False) -> tuple[Path, list[str]]:
    path = next(f.path for f in (d.final_files if final else d.files) if f.path.suffix == ".docx")
    return path, [p.text for p in Document(str(path)).paragraphs]


@pytest.mark.slow
def test_sections_written_on_the_page_are_approved_and_an_edit_voids_the_approval(
    office_app: Flask, base_url: str
) -> None:
    need(Path(CHROMIUM).exists(), f"Chromium not installed at {CHROMIUM}")
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
    from playwright.sync_api import expect, sync_playwright

    engine, settings = (
        office_app.extensions["baocao"]["engine"],
        office_app.extensions["baocao"]["settings"],
    )
    run_id = _submit(office_app, WEEK)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(locale="vi-VN")
        page.set_default_timeout(120_000)
        page.goto(base_url + "/dang-nhap")
        page.get_by_label("Tên đăng nhập").fill("chuyenvien")
        page.get_by_label("Mật khẩu").fill(PASSWORDS["chuyenvien"])
        page.get_by_role("button", name="Đăng nhập").click()
        page.goto(f"{base_url}/drafts/{run_id}")
        page.get_by_label("Đánh giá chung").fill("Các nhiệm vụ trong tuần cơ bản hoàn thành.")
        page.get_by_label("Nhiệm vụ trọng tâm kỳ tới").fill(
            "- Đẩy nhanh giải ngân vốn đầu tư công.\n- Chuẩn bị Đại hội Đảng bộ Thành phố."
        )
        page.get_by_role("button", name="Lưu các phần và viết lại báo cáo").click()
        expect(page.get_by_text("Đã lưu các phần do người viết")).to_be_visible()

        d = approval.draft(engine, run_id)
        assert d.state == approval.PENDING
        path, paragraphs = _docx(d)
        at = paragraphs.index("IV. ĐÁNH GIÁ CHUNG")
        assert paragraphs[at : at + 5] == [
            "IV. ĐÁNH GIÁ CHUNG",
            "Các nhiệm vụ trong tuần cơ bản hoàn thành.",
            "V. NHIỆM VỤ TRỌNG TÂM TUẦN TỚI",  # "kỳ tới" names the period after this one
            "- Đẩy nhanh giải ngân vốn đầu tư công.",
            "- Chuẩn bị Đại hội Đảng bộ Thành phố.",
        ]
        assert not any("KIẾN NGHỊ" in p for p in paragraphs)  # left empty: left out
        recorded = next(f.sha256 for f in d.files if f.path.suffix == ".docx")
        assert recorded == register.sha256(path.read_bytes())  # the hash the approver approves

        decision = approval.approve(engine, settings, run_id, APPROVER)
        approved = approval.draft(engine, run_id)
        assert approved.state == approval.APPROVED, decision.message  # waits for the signed PDF
        _, final = _docx(approved, final=True)
        assert "- Chuẩn bị Đại hội Đảng bộ Thành phố." in final

        # fixed after approval: the approval is void, the draft pending again
        page.goto(f"{base_url}/drafts/{run_id}")
        expect(page.get_by_text("lưu thay đổi thì phải duyệt lại")).to_be_visible()
        page.get_by_label("Kiến nghị, đề xuất").fill("Đề nghị Bộ Tài chính bổ sung vốn.")
        page.get_by_role("button", name="Lưu các phần và viết lại báo cáo").click()
        expect(page.get_by_text("nay phải duyệt lại")).to_be_visible()
        browser.close()

    again = approval.draft(engine, run_id)
    assert again.state == approval.PENDING and again.id != approved.id
    assert again.number is None
    _, paragraphs = _docx(again)
    assert "VI. KIẾN NGHỊ, ĐỀ XUẤT" in paragraphs
    assert approval.drafts(engine, (approval.VOID,))[0].id == approved.id

    # the next week's draft starts from these sections
    following = approval.draft(engine, _submit(office_app, NEXT_WEEK))
    carried = approval.report_of(engine, following.id).written
    assert [s.title for s in carried if not s.empty] == [
        "Đánh giá chung",
        "Nhiệm vụ trọng tâm kỳ tới",
        "Kiến nghị, đề xuất",
    ]
    _, paragraphs = _docx(following)
    assert "- Đẩy nhanh giải ngân vốn đầu tư công." in paragraphs


def test_saving_sections_needs_the_form_token_and_a_draft(office_app: Flask) -> None:
    client = office_app.test_client()
    auth = AuthActions(client)
    auth.login("chuyenvien")
    refused = client.post("/drafts/1/phan-viet", data={"phan_danh_gia_chung": "x"})
    assert refused.status_code == 400  # no CSRF token
    missing = auth.post("/drafts/999/phan-viet", {"phan_danh_gia_chung": "x"})
    assert missing.status_code == 404
