"""A written section the office's Word template declares (``{{ muc("…") }}``) is one of the
draft page's text areas without touching the settings, and what is typed there is printed in
the report under its own heading; left empty, it is left out (issue 19)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from flask import Flask

from reports import approval
from reports.core.periods import ReportPeriod
from reports.runs.jobs import find_job
from reports.schedule.runner import run_job
from reports.settings.load import Settings
from tests.conftest import mail_settings
from tests.smtp import SmtpServer
from tests.test_kind_templates import template_declaring
from tests.web.conftest import AuthActions, make_app

WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
SECURITY = "Tình hình an ninh, trật tự"


@pytest.fixture
def office_app(
    web_settings: Settings,
    smtp_server: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Flask]:
    monkeypatch.delenv("BAOCAO_SECRET_KEY", raising=False)
    template = template_declaring(tmp_path, "bao-cao-tuan.docx", f"{{{{ muc(“{SECURITY}”) }}}}")
    s = mail_settings(web_settings, smtp_server)
    s = replace(s, report=replace(s.report, template_docx=str(template)))
    (s.jobs_dir / "bao-cao-tuan.toml").write_text(
        'id = "bao-cao-tuan"\nschedule = "0 8 * * MON"\nformats = ["docx"]\n'
        'approval = true\napprovers = ["chanhvanphong@ubnd.gov.vn"]\n'
        '[email]\nto = ["lanhdao@ubnd.gov.vn"]\n',
        encoding="utf-8",
    )
    app = make_app(s)
    yield app
    app.extensions["baocao"]["engine"].dispose()


def _texts(app: Flask, run_id: int) -> list[str]:
    d = approval.draft(app.extensions["baocao"]["engine"], run_id)
    path = next(f.path for f in d.files if f.path.suffix == ".docx")
    return [p.text for p in Document(str(path)).paragraphs]


def test_a_section_the_template_declares_is_edited_on_the_page(office_app: Flask) -> None:
    engine, s = (
        office_app.extensions["baocao"]["engine"],
        office_app.extensions["baocao"]["settings"],
    )
    outcome = run_job(engine, s, find_job(s.jobs_dir, "bao-cao-tuan"), WEEK)
    assert outcome.status == "awaiting", outcome.message
    run_id = outcome.run_id
    assert run_id is not None
    assert not any("AN NINH" in t or "muc(" in t for t in _texts(office_app, run_id))

    client = office_app.test_client()
    auth = AuthActions(client)
    auth.login("chuyenvien")
    page = html.unescape(client.get(f"/drafts/{run_id}").get_data(as_text=True))
    field = "phan_tinh_hinh_an_ninh_trat_tu"
    assert f'<label for="{field}">{SECURITY}</label>' in page
    assert f'name="{field}"' in page and 'name="phan_danh_gia_chung"' in page  # settings' too

    saved = auth.post(
        f"/drafts/{run_id}/phan-viet",
        {
            field: "Giữ vững an ninh chính trị.\n\n- Không để bị động, bất ngờ.",
            "phan_danh_gia_chung": "",
        },
        page=f"/drafts/{run_id}",
    )
    assert saved.status_code == 302
    texts = _texts(office_app, run_id)
    at = texts.index("IV. TÌNH HÌNH AN NINH, TRẬT TỰ")  # after I, II and III of the week
    assert texts[at + 1 : at + 3] == ["Giữ vững an ninh chính trị.", "- Không để bị động, bất ngờ."]

    auth.post(f"/drafts/{run_id}/phan-viet", {field: ""}, page=f"/drafts/{run_id}")
    assert not any("AN NINH" in t for t in _texts(office_app, run_id))
