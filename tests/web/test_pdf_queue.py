"""Conversions to PDF queue through one gate per process (``[pdf] max_parallel``): six pages
asking at once never run six LibreOffice conversions; a page that waited past ``[pdf] wait_s``
says "đang bận, thử lại sau" (503), never a 500."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reports.accounts import users as accounts
from reports.core.errors import BusyError
from reports.produce import background
from reports.render import pdf_gate
from reports.render.pdf import soffice
from reports.settings.load import Settings, load_settings
from reports.settings.sections import PdfSettings
from reports.web import create_app
from tests.conftest import mail_settings, need
from tests.smtp import SmtpServer
from tests.web.conftest import AuthActions, make_app


def _wait_until(condition: object, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_six_holders_run_at_most_max_parallel_at_once_in_arrival_order() -> None:
    gate = pdf_gate.Gate(size=2)
    lock = threading.Lock()
    running, most, order = [0], [0], []

    def work(n: int) -> None:
        with gate.held(f"{n}.docx"):
            with lock:
                order.append(n)
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1

    with gate.held("first.docx"), gate.held("second.docx"):
        threads = []
        for n in range(6):  # each one in line before the next arrives
            threads.append(threading.Thread(target=work, args=(n,)))
            threads[-1].start()
            _wait_until(lambda n=n: gate.waiting == n + 1)
        assert order == []  # both places held: all six wait
    for thread in threads:
        thread.join(30)
    assert most[0] == 2
    assert order == [0, 1, 2, 3, 4, 5]
    assert gate.running == 0 and gate.waiting == 0


def test_a_caller_waiting_past_wait_s_is_told_busy_and_leaves_the_line() -> None:
    gate = pdf_gate.Gate(size=1, wait_s=0.2)
    with gate.held("a.docx"):
        started = time.monotonic()
        with pytest.raises(BusyError) as err, gate.held("bao-cao.docx"):
            pass
        assert time.monotonic() - started >= 0.2
    assert "chưa chuyển được bao-cao.docx: đang bận, thử lại sau" in str(err.value)
    assert gate.waiting == 0
    with gate.held("b.docx"):  # the place is free again
        assert gate.running == 1


def test_the_setting_is_read_and_checked(tmp_path: Path) -> None:
    from reports.core.errors import ConfigError

    toml = tmp_path / "baocao.toml"
    toml.write_text("[pdf]\nmax_parallel = 2\nwait_s = 15\n", encoding="utf-8")
    settings = load_settings(toml, environ={})
    assert settings.pdf == PdfSettings(timeout_s=120.0, max_parallel=2, wait_s=15.0)
    toml.write_text("[pdf]\nmax_parallel = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(toml, environ={})
    assert "pdf.max_parallel" in str(err.value) and "phải từ 1 đến 16" in str(err.value)


def _clients(web_settings: Settings, n: int, app: Flask | None = None) -> list[FlaskClient]:
    """``n`` logged-in browsers of a page made with ``web_settings`` (a new one on the same
    store when ``app`` is given: its settings configure the process's gate)."""
    if app is None:
        app = make_app(web_settings)
    else:
        engine = app.extensions["baocao"]["engine"]
        app = create_app(
            {"BAOCAO_SETTINGS": web_settings, "BAOCAO_ENGINE": engine, "TESTING": True}
        )
    clients = []
    for _ in range(n):
        client = app.test_client()
        AuthActions(client).login("chuyenvien")
        clients.append(client)
    return clients


def _post_all(clients: list[FlaskClient]) -> list[tuple[int, str]]:
    answers: list[tuple[int, str]] = [(0, "")] * len(clients)

    def one(i: int) -> None:
        got = AuthActions(clients[i]).post(
            "/bao-cao/", {"ky_go": "2020-09", "don_vi": ""}, page="/bao-cao/"
        )
        answers[i] = (got.status_code, got.get_data(as_text=True))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return answers


def test_six_report_pages_at_once_queue_for_one_conversion_and_none_is_lost(
    web_settings: Settings,
) -> None:
    """Báo cáo writes in the background (issue 21): six pages asking at once are all taken
    (302 to their progress page) while another conversion holds the only place past wait_s;
    the work waits its turn instead of failing "đang bận" (no page is waiting on it), and
    never more than one conversion runs."""
    need(soffice() is not None, "LibreOffice (apt-get install libreoffice-writer)")
    busy = replace(web_settings, pdf=PdfSettings(max_parallel=1, wait_s=0.5))
    clients = _clients(busy, 6)
    most = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            most[0] = max(most[0], pdf_gate.conversions.running)
            time.sleep(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with pdf_gate.conversions.held("another.docx"):
            answers = _post_all(clients)
            time.sleep(1.0)  # past wait_s, the line still full
        assert [code for code, _ in answers] == [302] * 6
        works = []
        for _, html in answers:
            match = re.search(r"/bao-cao/dang-viet/([0-9a-f]{16})", html)
            assert match, html
            works.append(background.report_progress(match[1]))
        for work in works:
            assert work is not None and work.wait(600), "a queued report was not written"
            assert work.error is None, work.error
            assert work.report_id is not None
    finally:
        done.set()
        watcher.join()
    assert most[0] == 1
    clients[0].application.extensions["baocao"]["engine"].dispose()


def test_a_page_that_converts_while_it_waits_says_busy_not_500(
    web_settings: Settings, smtp_server: SmtpServer
) -> None:
    """The draft page makes its page images itself: past wait_s in line it still shows the
    draft, saying the preview is "đang bận, thử lại sau" (never a 500); once the line is free
    it shows the pages."""
    from tests.web.test_drafts import DIRECTOR, _submit

    need(soffice() is not None, "LibreOffice (apt-get install libreoffice-writer)")
    office = mail_settings(web_settings, smtp_server)
    app = make_app(replace(office, pdf=PdfSettings(max_parallel=1, wait_s=0.5)))
    engine = app.extensions["baocao"]["engine"]
    accounts.add_user(engine, DIRECTOR, "lanh-dao", "mat-khau-chanh-vp", by="test")
    run_id = _submit(app, [DIRECTOR])
    client = app.test_client()
    AuthActions(client).login("lanhdao")
    with pdf_gate.conversions.held("another.docx"):
        answer = client.get(f"/drafts/{run_id}")
    assert answer.status_code == 200
    busy_page = answer.get_data(as_text=True)
    assert "đang bận, thử lại sau" in busy_page
    assert f"/drafts/{run_id}/trang/1" not in busy_page
    shown = client.get(f"/drafts/{run_id}")
    assert shown.status_code == 200
    assert f"/drafts/{run_id}/trang/1" in shown.get_data(as_text=True)
    engine.dispose()


def test_an_approval_making_its_frozen_pdf_waits_its_turn_however_long() -> None:
    """Numbered already, an approval never stops half-way on "đang bận" (pdf_gate.patient)."""
    gate = pdf_gate.Gate(size=1, wait_s=0.1)
    released = threading.Event()

    def hold() -> None:
        with gate.held("another.docx"):
            released.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    _wait_until(lambda: gate.running == 1)
    threading.Timer(0.5, released.set).start()
    started = time.monotonic()
    with pdf_gate.patient(), gate.held("bao-cao-co-so.docx"):
        assert time.monotonic() - started >= 0.4  # it waited past wait_s, not refused
    holder.join(10)
    with pytest.raises(BusyError), gate.held("a.docx"), gate.held("b.docx"):
        pass  # outside patient() the limit holds again
