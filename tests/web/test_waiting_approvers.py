"""What waits for whom (issue 21): a draft counts in a leader's badge and on their landing page
only when its job names them among its approvers; a quản trị sees the others apart, labelled as
waiting for someone else, and not counted as theirs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from flask import Flask

from reports.accounts import users as accounts
from reports.core.periods import ReportPeriod
from reports.runs.jobs import find_job
from reports.schedule.runner import run_job
from reports.settings.load import Settings
from tests.conftest import mail_settings
from tests.smtp import SmtpServer
from tests.web.conftest import AuthActions, make_app

WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
FIRST, SECOND = "lanhdao1@ubnd.gov.vn", "lanhdao2@ubnd.gov.vn"
PASSWORD = "mat-khau-lanh-dao-x"


def _job(s: Settings, job_id: str, approver: str) -> None:
    (s.jobs_dir / f"{job_id}.toml").write_text(
        f'id = "{job_id}"\nschedule = "0 8 * * 1"\nformats = ["docx"]\napproval = true\n'
        f'approvers = ["{approver}"]\n[email]\nto = ["nhan@ubnd.gov.vn"]\n',
        encoding="utf-8",
    )


@pytest.fixture
def two_jobs(web_settings: Settings, smtp_server: SmtpServer) -> Iterator[tuple[Flask, int, int]]:
    s = mail_settings(web_settings, smtp_server)
    s = replace(s, web=replace(s.web, base_url="https://baocao.vp.hanoi.gov.vn"))
    app = make_app(s)
    engine = app.extensions["baocao"]["engine"]
    accounts.add_user(engine, "lanhdao1", "lanh-dao", PASSWORD, by="test", email=FIRST)
    accounts.add_user(engine, "lanhdao2", "lanh-dao", PASSWORD, by="test", email=SECOND)
    runs = []
    for job_id, approver in (("tuan-mot", FIRST), ("tuan-hai", SECOND)):
        _job(s, job_id, approver)
        outcome = run_job(engine, s, find_job(s.jobs_dir, job_id), WEEK)
        assert outcome.status == "awaiting", outcome.message
        assert outcome.run_id is not None
        runs.append(outcome.run_id)
    yield app, runs[0], runs[1]
    engine.dispose()


def _badge(html: str) -> str | None:
    found = re.search(r'<span class="badge" title="Bản dự thảo chờ bạn duyệt">([^<]+)</span>', html)
    return found.group(1) if found else None


def _waiting_section(html: str) -> str:
    found = re.search(r'<section class="waiting".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_each_leader_counts_only_the_drafts_that_name_them(
    two_jobs: tuple[Flask, int, int],
) -> None:
    app, first_run, second_run = two_jobs
    for name, mine, theirs in (
        ("lanhdao1", first_run, second_run),
        ("lanhdao2", second_run, first_run),
    ):
        client = app.test_client()
        AuthActions(client).login(name, PASSWORD)
        html = client.get("/").get_data(as_text=True)
        assert _badge(html) == "1 chờ duyệt", (name, _badge(html))
        assert "1 việc chờ" in html
        waiting = _waiting_section(html)
        assert f'href="/drafts/{mine}"' in waiting
        assert f'href="/drafts/{theirs}"' not in waiting
        assert "Đang chờ người khác duyệt" not in html  # a leader is not shown the others


def test_a_leader_named_by_no_job_has_nothing_waiting(two_jobs: tuple[Flask, int, int]) -> None:
    app, _, _ = two_jobs
    client = app.test_client()
    AuthActions(client).login("lanhdao")  # lãnh đạo, but neither job names them
    html = client.get("/").get_data(as_text=True)
    assert _badge(html) is None and "việc chờ" not in html
    assert "Đang chờ bạn" not in html


def test_quan_tri_sees_every_waiting_draft_apart_and_counts_none(
    two_jobs: tuple[Flask, int, int],
) -> None:
    app, first_run, second_run = two_jobs
    client = app.test_client()
    AuthActions(client).login("quantri")
    html = client.get("/").get_data(as_text=True)
    assert _badge(html) is None and "Đang chờ bạn" not in html
    others = re.search(r'<section class="waiting-others".*?</section>', html, re.S)
    assert others is not None
    assert "Đang chờ người khác duyệt" in others.group(0)
    assert f'href="/drafts/{first_run}"' in others.group(0) and FIRST in others.group(0)
    assert f'href="/drafts/{second_run}"' in others.group(0) and SECOND in others.group(0)
