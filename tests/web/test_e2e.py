"""End to end in a real browser: Playwright driving Debian's Chromium against a real
``baocao web`` subprocess on a free port, a real SQLite file and the real SMTP server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import imported_store, need
from tests.smtp import SmtpServer
from tests.web.conftest import AROUND, ORDER

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = (
    Path(os.environ.get("BAOCAO_SCREENSHOTS", "")) if os.environ.get("BAOCAO_SCREENSHOTS") else None
)
PASSWORD = "mat-khau-e2e-quan-tri"
FIGURES = (
    "Tuần qua (21/9-28/9/2020), UBND Thành phố đã tiếp nhận, xử lý công việc tại 1.406 văn bản "
    "hành chính nhà nước; tiếp nhận mới 61 hồ sơ thủ tục hành chính có thời hạn trả kết quả"
)


def _started(proc: subprocess.Popen[bytes]) -> int:
    """The port ``baocao web --port 0`` says it took (it listens before it says so)."""
    assert proc.stderr is not None
    said = []
    for raw in proc.stderr:
        said.append(raw.decode())
        found = re.search(r"Trang web baocao: http://127\.0\.0\.1:(\d+)/", said[-1])
        if found:
            return int(found.group(1))
    raise AssertionError(f"baocao web did not start: {''.join(said)}")


@pytest.fixture
def site(tmp_path: Path, smtp_server: SmtpServer) -> Iterator[tuple[str, Path, SmtpServer]]:
    from reports.sample.city import write_sample

    db = tmp_path / "baocao.sqlite"
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "bao-cao-tuan.toml").write_text(
        'id = "bao-cao-tuan"\nschedule = "0 8 * * MON"\nformats = ["docx", "xlsx"]\n'
        '[email]\nto = ["lanhdao@vp.hanoi.gov.vn", "chanhvanphong@vp.hanoi.gov.vn"]\n',
        encoding="utf-8",
    )
    settings = tmp_path / "baocao.toml"
    settings.write_text(
        f'[database]\nurl = "sqlite:///{db}"\n'
        f'[paths]\ndata = "{tmp_path / "data"}"\noutput = "{tmp_path / "out"}"\njobs = "{jobs}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nmail_from = "baocao@vp.hanoi.gov.vn"\n'
        'owner = "it@vp.hanoi.gov.vn"\nretry_backoff_s = 0.01\n'
        '[signer]\nname = "Nguyễn Văn A"\n',
        encoding="utf-8",
    )
    files = write_sample(tmp_path / "sample", **AROUND)
    imported_store(f"sqlite:///{db}", [([files[k] for k in ORDER], None)]).dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
    env["BAOCAO_SETTINGS"] = str(settings)
    base = [sys.executable, "-m", "reports"]
    added = subprocess.run(
        [*base, "users", "add", "quantri", "--role", "quan-tri"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "Đã thêm người dùng quantri (Quản trị)."
    proc = subprocess.Popen(
        [*base, "web", "--host", "127.0.0.1", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        port = _started(proc)
        yield f"http://127.0.0.1:{port}", tmp_path, smtp_server
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


def _shot(page: object, name: str, folder: Path) -> None:
    for target in [folder, *([SHOTS] if SHOTS else [])]:
        target.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _csv(bad: bool) -> str:
    rows = [
        "id,received_on,due_on,returned_on,unit,field,online",
        "HS-E2E-1,2020-10-20,2020-10-27,,UBND-BA-DINH,do_thi,true",
        "HS-E2E-2,2020-10-21,2020-10-28,2020-10-22,UBND-BA-DINH,do_thi,false",
        f"HS-E2E-3,{'21/13/2020' if bad else '2020-10-21'},2020-10-29,,UBND-BA-DINH,kinh_te,false",
    ]
    return "\n".join(rows) + "\n"


@pytest.mark.slow
def test_browser_end_to_end(site: tuple[str, Path, SmtpServer], tmp_path: Path) -> None:
    need(
        Path(CHROMIUM).exists(), f"Chromium not installed at {CHROMIUM} (apt-get install chromium)"
    )
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) not installed")
    need(shutil.which("pdftoppm") is not None, "poppler-utils not installed")
    from docx import Document
    from playwright.sync_api import expect, sync_playwright

    url, folder, smtp = site
    shots = folder / "shots"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(locale="vi-VN", accept_downloads=True)
        page.set_default_timeout(120_000)

        page.goto(url + "/")
        expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
        _shot(page, "01-dang-nhap", shots)
        page.get_by_label("Tên đăng nhập").fill("quantri")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.get_by_role("heading", name="Tuần này", exact=True)).to_be_visible()

        page.goto(url + "/?tu=21/09/2020&den=28/09/2020")
        expect(page.locator("table.figures")).to_contain_text("1.406")
        _shot(page, "02-tuan-nay", shots)

        # one bad row: its error, row by row, before anything is stored
        bad = tmp_path / "dossiers.csv"
        bad.write_text(_csv(bad=True), encoding="utf-8")
        page.get_by_role("navigation").get_by_role("link", name="Nhập dữ liệu", exact=True).click()
        page.get_by_label("Tệp xuất từ hệ thống (CSV hoặc .xlsx)").set_input_files(str(bad))
        page.get_by_role("button", name="Tải lên và kiểm tra").click()
        expect(page.locator("table.problems")).to_contain_text("dossiers.csv:4:received_on")
        expect(page.locator("table.problems")).to_contain_text("21/13/2020")
        _shot(page, "03-nhap-du-lieu-loi", shots)
        # fixed, uploaded again, imported
        bad.write_text(_csv(bad=False), encoding="utf-8")
        page.get_by_role("navigation").get_by_role("link", name="Nhập dữ liệu", exact=True).click()
        page.get_by_label("Tệp xuất từ hệ thống (CSV hoặc .xlsx)").set_input_files(str(bad))
        page.get_by_role("button", name="Tải lên và kiểm tra").click()
        expect(page.get_by_text("Mọi dòng đều hợp lệ.")).to_be_visible()
        page.get_by_role("button", name="Nhập", exact=True).click()
        expect(page.locator("p.ok").last).to_contain_text(
            "dossiers.csv (dossiers): thêm 3, thay 0, không đổi 0"
        )
        _shot(page, "04-nhap-du-lieu-xong", shots)
        page.get_by_role("navigation").get_by_role("link", name="Nhập dữ liệu", exact=True).click()
        expect(page.get_by_role("table").last).to_contain_text("dossiers")
        _shot(page, "05-nhat-ky-nhap", shots)

        # the reference week: generated, previewed, downloaded
        page.get_by_role("navigation").get_by_role("link", name="Báo cáo", exact=True).click()
        generate = page.locator("form").filter(has=page.get_by_role("button", name="Viết báo cáo"))
        generate.get_by_text("Kỳ khác: gõ kỳ hoặc chọn ngày").click()
        generate.get_by_label("Từ ngày").fill("21/09/2020")
        generate.get_by_label("Đến ngày").fill("28/09/2020")
        page.get_by_role("button", name="Viết báo cáo").click()
        # written in the background: its steps, then the report itself (issue 21)
        expect(page.get_by_role("heading", name="Kỳ 21/9-28/9/2020")).to_be_visible()
        _shot(page, "06-bao-cao-dang-viet", shots)
        expect(page.get_by_text("Đã viết báo cáo.")).to_be_visible(timeout=300_000)
        expect(page.get_by_role("heading", name="Kỳ 21/9-28/9/2020")).to_be_visible()
        expect(page.get_by_role("img", name="Trang 1 của báo cáo")).to_be_visible()
        page.get_by_text("Chữ của trang 1", exact=True).click()
        preview = page.locator("pre.page-text").first
        expect(preview).to_be_visible()
        expect(preview).to_contain_text("1.406")
        _shot(page, "06-bao-cao-xem-truoc", shots)
        with page.expect_download() as info:
            page.get_by_role("link", name=re.compile(r"\.docx$")).click()
        saved = tmp_path / "downloaded.docx"
        info.value.save_as(saved)
        paragraphs = [p.text for p in Document(str(saved)).paragraphs]
        assert any(p.startswith(FIGURES) for p in paragraphs), paragraphs

        # every unit's report, with its progress bar, then one zip
        page.get_by_role("navigation").get_by_role("link", name="Báo cáo", exact=True).click()
        batch = page.locator("form").filter(
            has=page.get_by_role("button", name="Viết cho các đơn vị")
        )
        batch.get_by_text("Kỳ khác: gõ kỳ hoặc chọn ngày").click()
        batch.get_by_label("Từ ngày").fill("21/09/2020")
        batch.get_by_label("Đến ngày").fill("28/09/2020")
        page.get_by_role("button", name="Viết cho các đơn vị").click()
        expect(page.get_by_label("Tiến độ")).to_be_visible()
        _shot(page, "07-bao-cao-cac-don-vi-dang-viet", shots)
        expect(page.get_by_role("link", name="Tải về tất cả (.zip)")).to_be_visible(timeout=300_000)
        expect(page.locator("main")).to_contain_text(re.compile(r"(\d+)/\1 đơn vị: xong"))
        _shot(page, "07-bao-cao-cac-don-vi-xong", shots)

        # a job paused and resumed, then run now, through the ledger; each recipient in Lịch sử
        page.get_by_role("navigation").get_by_role("link", name="Lịch gửi", exact=True).click()
        expect(page.get_by_text("08:00 thứ Hai hằng tuần")).to_be_visible()
        page.get_by_role("button", name="Tạm dừng").click()
        expect(page.get_by_text("không chạy (đang tạm dừng)")).to_be_visible()
        _shot(page, "07-lich-gui-tam-dung", shots)
        page.get_by_role("button", name="Tiếp tục").click()
        expect(page.get_by_role("button", name="Tạm dừng")).to_be_visible()
        _shot(page, "07-lich-gui", shots)
        page.get_by_text("Chạy ngay", exact=True).first.click()  # opens its panel
        run = page.locator("form").filter(has=page.get_by_role("button", name="Chạy ngay"))
        run.get_by_text("Kỳ khác: gõ kỳ hoặc chọn ngày").click()
        run.get_by_label("Từ ngày").fill("21/09/2020")
        run.get_by_label("Đến ngày").fill("28/09/2020")
        page.get_by_role("button", name="Chạy ngay").click()
        expect(page.get_by_role("heading", name="Lịch sử")).to_be_visible()
        deadline = time.monotonic() + 180
        while (
            "đã gửi xong" not in page.locator("main").inner_text() and time.monotonic() < deadline
        ):
            time.sleep(1)
            page.reload()
        runs = page.locator("section.run").first
        expect(runs).to_contain_text("đã gửi xong")
        for rcpt in ("lanhdao@vp.hanoi.gov.vn", "chanhvanphong@vp.hanoi.gov.vn"):
            row = runs.get_by_role("row").filter(has_text=rcpt)
            expect(row).to_contain_text("đã gửi")
            assert smtp.handler.to(rcpt), rcpt
            message_id = smtp.handler.to(rcpt)[0]["Message-ID"]
            expect(row).to_contain_text(message_id.strip("<>"))
        expect(runs).to_contain_text("BC-tuan-2020-09-21_2020-09-28.docx")
        # the SHA-256 shown is that of the very attachment the leader received
        import hashlib

        (attached,) = [
            part.get_content()
            for part in smtp.handler.to("lanhdao@vp.hanoi.gov.vn")[0].iter_attachments()
            if part.get_filename() == "BC-tuan-2020-09-21_2020-09-28.docx"
        ]
        files = runs.get_by_role("row").filter(has_text="BC-tuan-2020-09-21_2020-09-28.docx")
        expect(files).to_contain_text(hashlib.sha256(attached).hexdigest())
        _shot(page, "08-lich-su", shots)
        # one recipient again, recorded as a second attempt with its own Message-ID
        page.get_by_role("button", name="Gửi lại tới lanhdao@vp.hanoi.gov.vn").first.click()
        expect(page.locator("p.flash")).to_contain_text("Đã gửi lại tới lanhdao@vp.hanoi.gov.vn")
        assert len(smtp.handler.to("lanhdao@vp.hanoi.gov.vn")) == 2
        assert len(smtp.handler.to("chanhvanphong@vp.hanoi.gov.vn")) == 1
        resent = smtp.handler.to("lanhdao@vp.hanoi.gov.vn")[1]["Message-ID"].strip("<>")
        row = page.locator("section.run").first.get_by_role("row").filter(has_text="lanhdao@")
        expect(row).to_contain_text(resent)

        page.get_by_role("navigation").get_by_role("link", name="Người dùng", exact=True).click()
        expect(page.get_by_role("cell", name="quantri", exact=True)).to_be_visible()
        _shot(page, "09-nguoi-dung", shots)
        page.get_by_role("navigation").get_by_role("link", name="Nhật ký", exact=True).click()
        expect(page.locator("main")).to_contain_text("chạy công việc")
        expect(page.locator("main")).to_contain_text(
            "gửi lại lần chạy #1 (bao-cao-tuan) tới lanhdao@"
        )
        _shot(page, "10-nhat-ky", shots)
        page.get_by_role("link", name="Đổi mật khẩu").click()
        expect(page.get_by_label("Mật khẩu hiện tại")).to_be_visible()
        _shot(page, "11-doi-mat-khau", shots)
        page.get_by_role("button", name="Đăng xuất").click()
        expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
        browser.close()
    assert date(2020, 9, 28)  # the reference week's last day, as generated above
