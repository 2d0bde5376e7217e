"""Issue 21 in a real browser (Playwright, Debian's Chromium, a real ``baocao web`` subprocess):
the return loop closed on a 390 px phone, approval through the confirmation, and no page that
scrolls sideways at 390 px or 1366 px. Screenshots of every page at both widths are kept in
``$BAOCAO_SCREENSHOTS`` when set."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need
from tests.smtp import SmtpServer
from tests.web.conftest import AROUND, ORDER
from tests.web.test_e2e import ARGS, CHROMIUM, _started

SHOTS = Path(os.environ["BAOCAO_SCREENSHOTS"]) if os.environ.get("BAOCAO_SCREENSHOTS") else None
LEADER, SPECIALIST = "lanhdao@vp.hanoi.gov.vn", "chuyenvien@vp.hanoi.gov.vn"
RECIPIENTS = ("nhan1@vp.hanoi.gov.vn", "nhan2@vp.hanoi.gov.vn")
USERS = {
    "quantri": ("quan-tri", "", "mat-khau-quan-tri-1"),
    "lanhdao": ("lanh-dao", LEADER, "mat-khau-lanh-dao-1"),
    "chuyenvien": ("chuyen-vien", SPECIALIST, "mat-khau-chuyen-vien-1"),
}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def office(tmp_path: Path, smtp_server: SmtpServer) -> Iterator[tuple[str, SmtpServer]]:
    """A real server with the sample city, three users and a job that needs approval, whose
    draft of the week 21/9-28/9/2020 waits for the leader."""
    from reports.sample.city import write_sample
    from reports.sources.importer import import_files
    from reports.store.db import open_store

    db, jobs = tmp_path / "baocao.sqlite", tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "bao-cao-tuan.toml").write_text(
        'id = "bao-cao-tuan"\nschedule = "0 8 * * 1"\nformats = ["docx"]\napproval = true\n'
        f'approvers = ["{LEADER}"]\nspecialist = "{SPECIALIST}"\n'
        f"[email]\nto = {list(RECIPIENTS)!r}\n".replace("'", '"'),
        encoding="utf-8",
    )
    settings = tmp_path / "baocao.toml"
    settings.write_text(
        f'[database]\nurl = "sqlite:///{db}"\n'
        f'[paths]\ndata = "{tmp_path / "data"}"\noutput = "{tmp_path / "out"}"\njobs = "{jobs}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\n'
        'mail_from = "baocao@vp.hanoi.gov.vn"\nowner = "it@vp.hanoi.gov.vn"\n'
        'retry_backoff_s = 0.01\n[signer]\nname = "Nguyễn Văn A"\n',
        encoding="utf-8",
    )
    files = write_sample(tmp_path / "sample", **AROUND)
    engine = open_store(f"sqlite:///{db}")
    import_files(engine, [files[k] for k in ORDER])
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
    env["BAOCAO_SETTINGS"] = str(settings)
    base = [sys.executable, "-m", "reports"]
    for name, (role, email, password) in USERS.items():
        extra = ["--email", email] if email else []
        done = subprocess.run(
            [*base, "users", "add", name, "--role", role, *extra],
            input=password + "\n",
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    run = subprocess.run(
        [*base, "jobs", "run", "bao-cao-tuan", "--from", "2020-09-21", "--to", "2020-09-28"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    proc = subprocess.Popen(
        [*base, "web", "--host", "127.0.0.1", "--port", "0"],  # the port it takes is read back
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        port = _started(proc)
        yield f"http://127.0.0.1:{port}", smtp_server
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stderr:
            proc.stderr.close()


def _fits(page: object, where: str) -> None:
    """No sideways scrolling: the page is no wider than the window."""
    wide = page.evaluate(  # type: ignore[attr-defined]
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert wide[0] <= wide[1], f"{where}: the page is {wide[0]} px wide in {wide[1]} px"


def _shot(page: object, name: str) -> None:
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _login(page: object, url: str, name: str) -> None:
    page.goto(url + "/dang-nhap")  # type: ignore[attr-defined]
    page.get_by_label("Tên đăng nhập").fill(name)  # type: ignore[attr-defined]
    page.get_by_label("Mật khẩu").fill(USERS[name][2])  # type: ignore[attr-defined]
    page.get_by_role("button", name="Đăng nhập").click()  # type: ignore[attr-defined]


@pytest.mark.slow
def test_the_return_loop_on_a_phone_and_every_page_fits(
    office: tuple[str, SmtpServer],
) -> None:
    need(Path(CHROMIUM).exists(), f"Chromium not installed at {CHROMIUM}")
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
    need(shutil.which("pdftoppm") is not None, "poppler-utils not installed")
    from playwright.sync_api import expect, sync_playwright

    url, smtp = office
    assert [m["X-Envelope-To"] for m in smtp.handler.messages] == [LEADER]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        phone = browser.new_context(viewport=PHONE, locale="vi-VN", has_touch=True)
        page = phone.new_page()
        page.set_default_timeout(120_000)

        # the leader, on a phone: the landing page says first what waits, the menu counts it
        _login(page, url, "lanhdao")
        waiting = page.locator("section.waiting")
        expect(waiting).to_contain_text("Duyệt báo cáo tuần 39/2020")
        expect(page.locator("label.menu-button")).to_contain_text("1 việc chờ")
        _fits(page, "Tuần này (điện thoại)")
        _shot(page, "390-01-tuan-nay-lanh-dao")
        waiting.get_by_role("link").first.click()
        expect(page.get_by_role("img", name="Trang 1 của bản dự thảo")).to_be_visible()
        _fits(page, "bản dự thảo (điện thoại)")
        _shot(page, "390-02-ban-du-thao")
        # Trả lại needs a comment
        page.get_by_label("Ý kiến (điều cần sửa)").fill("Bổ sung số liệu tiếp công dân.")
        page.get_by_role("button", name="Trả lại").click()
        expect(page.locator("p.flash")).to_contain_text("Đã trả lại bản dự thảo")
        page.locator("label.menu-button").click()
        page.get_by_role("button", name="Đăng xuất").click()

        # the specialist sees the returned draft with the comment and makes it again
        _login(page, url, "chuyenvien")
        waiting = page.locator("section.waiting")
        expect(waiting).to_contain_text("«Bổ sung số liệu tiếp công dân.»")
        waiting.get_by_role("link").first.click()
        expect(page.get_by_role("heading", name="Bị trả lại")).to_be_visible()
        _fits(page, "bản bị trả lại (điện thoại)")
        _shot(page, "390-03-bi-tra-lai")
        page.get_by_role("button", name="Tạo lại và gửi duyệt").click()
        page.get_by_role("link", name=re.compile("Đã tạo lại: xem bản mới")).click()
        expect(page.locator("main")).to_contain_text(
            "đã trả lại với ý kiến: «Bổ sung số liệu tiếp công dân.»"
        )
        assert len(smtp.handler.to(SPECIALIST)) == 1
        page.locator("label.menu-button").click()
        page.get_by_role("button", name="Đăng xuất").click()

        # the leader gets one mail for the new draft, approves it through the confirmation
        assert len(smtp.handler.to(LEADER)) == 2
        again = smtp.handler.to(LEADER)[1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "«Bổ sung số liệu tiếp công dân.»" in again
        assert "baocao " not in again and "bao-cao-tuan" not in again
        _login(page, url, "lanhdao")
        page.locator("section.waiting").get_by_role("link").first.click()
        expect(page.locator("main")).to_contain_text("Bản này làm lại bản dự thảo")
        page.get_by_role("link", name="Duyệt…").click()
        expect(page.locator(".confirm")).to_contain_text(
            re.compile(r"Số: 01/BC-VP, ngày \d\d/\d\d/\d{4}")
        )
        _fits(page, "xác nhận duyệt (điện thoại)")
        _shot(page, "390-04-xac-nhan-duyet")
        assert [smtp.handler.to(r) for r in RECIPIENTS] == [[], []]  # nothing sent yet
        page.get_by_role("button", name="Duyệt và gửi").click()
        expect(page.locator("p.flash").first).to_contain_text("Đã duyệt. Số: 01/BC-VP.")
        _shot(page, "390-05-da-duyet")
        assert [len(smtp.handler.to(r)) for r in RECIPIENTS] == [
            1,
            1,
        ]  # the numbered document, once
        phone.close()

        # every page fits at both widths, for quản trị (who sees every page)
        for size, tag in ((PHONE, "390"), (DESKTOP, "1366")):
            context = browser.new_context(viewport=size, locale="vi-VN")
            page = context.new_page()
            page.set_default_timeout(120_000)
            _login(page, url, "quantri")
            for n, (path, name) in enumerate(
                [
                    ("/", "tuan-nay"),
                    ("/?ky_go=1900", "tuan-nay-loi"),
                    ("/nhap-du-lieu/", "nhap-du-lieu"),
                    ("/bao-cao/", "bao-cao"),
                    ("/drafts/", "duyet-bao-cao"),
                    ("/drafts/2", "ban-da-duyet"),
                    ("/lich-gui", "lich-gui"),
                    ("/lich-su", "lich-su"),
                    ("/nguoi-dung", "nguoi-dung"),
                    ("/nhat-ky", "nhat-ky"),
                    ("/doi-mat-khau", "doi-mat-khau"),
                    (f"/drafts/{2**63}", "khong-co"),
                ],
                start=10,
            ):
                page.goto(url + path)
                _fits(page, f"{path} at {tag} px")
                _shot(page, f"{tag}-{n}-{name}")
                if path == "/nhat-ky":  # a day never breaks inside itself ("05/12/20|26")
                    broken = page.evaluate(
                        "[...document.querySelectorAll('td .nowrap')]"
                        ".filter(s => s.getClientRects().length > 1).length"
                    )
                    assert page.locator("td .nowrap").count() > 0 and broken == 0
            if tag == "1366":
                # "0 8 * * 1" in the job file: next run on a Monday; set again on the page
                page.goto(url + "/lich-gui")
                job = page.locator("section.job")
                expect(job).to_contain_text("08:00 thứ Hai hằng tuần")
                expect(job.locator("dd").nth(1)).to_contain_text(re.compile(r"^thứ Hai \d\d/"))
                job.get_by_text("Sửa lịch và người nhận").click()
                job.get_by_label("thứ Hai", exact=True).uncheck()
                job.get_by_label("thứ Tư", exact=True).check()
                job.get_by_role("button", name="Lưu").click()
                expect(page.locator("p.flash")).to_contain_text("(lần tới thứ Tư ")
                job = page.locator("section.job")
                job.get_by_text("Sửa lịch và người nhận").click()
                job.get_by_label("thứ Tư", exact=True).uncheck()
                job.get_by_label("thứ Hai", exact=True).check()
                job.get_by_role("button", name="Lưu").click()
                expect(page.locator("p.flash")).to_contain_text(
                    re.compile(r"08:00 thứ Hai hằng tuần \(lần tới thứ Hai \d\d/")
                )
                _shot(page, "1366-30-lich-gui-da-sua")
            context.close()
        browser.close()
