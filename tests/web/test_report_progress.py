"""Báo cáo (issue 21): a single report with its PDF is written in the background, in the same
queue as the all-units batches, its steps shown; the page may be left, and the report is found
again on Báo cáo and in Lịch sử."""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from reports.produce import background
from reports.store.schema import units
from tests.web.conftest import AuthActions

WEEK = {"tu": "21/09/2020", "den": "28/09/2020", "don_vi": ""}


def test_a_report_waits_its_turn_shows_its_steps_and_stays_in_lich_su(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("chuyenvien")
    with background.TURNS:  # another batch holds the one turn: this report waits behind it
        started = auth.post("/bao-cao/", WEEK, page="/bao-cao/")
        assert started.status_code == 302
        where = started.headers["Location"]
        assert re.fullmatch(r"/bao-cao/dang-viet/[0-9a-f]{16}", where), where
        progress = background.report_progress(where.rsplit("/", 1)[1])
        assert progress is not None and progress.waiting and not progress.finished
        waiting = client.get(where).get_data(as_text=True)
        assert 'http-equiv="refresh"' in waiting
        assert "đang chờ lượt (mỗi lúc viết một việc)" in waiting
        assert '<progress id="tien-do" max="5" value="0">' in waiting  # figures…preview
        for step in ("Tính số liệu", "Viết bản Word", "Viết bản Excel", "Chuyển sang PDF"):
            assert step in waiting
        assert "Có thể rời trang" in waiting
        # the page left: Lịch sử says what is under way, with its link
        history = client.get("/lich-su").get_data(as_text=True)
        assert f'href="{where}">Báo cáo, kỳ 21/9-28/9/2020</a>: đang chờ lượt' in history
    assert progress.wait(240), "the report was not written in 240 s"
    assert progress.error is None, progress.error
    assert progress.done == len(progress.steps) and progress.report_id is not None
    done = client.get(where)
    assert done.status_code == 302
    assert done.headers["Location"] == f"/bao-cao/{progress.report_id}"
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Đã viết báo cáo." in shown and 'alt="Trang 1 của báo cáo"' in shown
    history = client.get("/lich-su").get_data(as_text=True)
    assert f'href="{where}">Báo cáo, kỳ 21/9-28/9/2020</a>: xong' in history
    assert f'href="/bao-cao/{progress.report_id}">Kỳ 21/9-28/9/2020</a>' in history
    report_page = client.get("/bao-cao/").get_data(as_text=True)
    assert f'href="/bao-cao/{progress.report_id}">21/9-28/9/2020</a>' in report_page
    assert client.get("/bao-cao/dang-viet/khong-co").status_code == 404


def test_a_report_that_cannot_be_written_says_why_on_its_progress_page(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    engine = app.extensions["baocao"]["engine"]
    with engine.begin() as conn:  # a unit whose report would be signed by a blank
        conn.execute(
            sa.update(units).where(units.c.code == "UBND-BA-DINH").values(signer_name=None)
        )
    auth.login("chuyenvien")
    started = auth.post("/bao-cao/", {**WEEK, "don_vi": "UBND-BA-DINH"}, page="/bao-cao/")
    assert started.status_code == 302
    progress = background.report_progress(started.headers["Location"].rsplit("/", 1)[1])
    assert progress is not None and progress.wait(240)
    assert progress.report_id is None and progress.error is not None
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    assert "không viết được" in page
    assert "chưa có tên người ký báo cáo của" in page and "UBND-BA-DINH" in page


def test_the_typed_quarter_and_the_quarter_preset_give_the_same_report(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    import time_machine
    from docx import Document

    from reports.produce import keep

    engine = app.extensions["baocao"]["engine"]
    texts = []
    with time_machine.travel(datetime(2020, 10, 5, 9, 0).astimezone(), tick=False):
        auth.login("chuyenvien")
        for fields in ({"ky_go": "2020-Q3"}, {"ky": "quy-truoc"}):
            started = auth.post("/bao-cao/", {**fields, "don_vi": ""}, page="/bao-cao/")
            assert started.status_code == 302, started.get_data(as_text=True)
            progress = background.report_progress(started.headers["Location"].rsplit("/", 1)[1])
            assert progress is not None and progress.wait(240) and progress.error is None
            assert progress.report_id is not None
            kept = keep.get_file(engine, progress.report_id)
            assert kept is not None
            assert (kept.meta["from"], kept.meta["to"]) == ("2020-07-01", "2020-09-30")
            texts.append([p.text for p in Document(str(kept.path)).paragraphs])
    assert texts[0] == texts[1]
    assert any("quý III" in t for t in texts[0]), texts[0][:12]
