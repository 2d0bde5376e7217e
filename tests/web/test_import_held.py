"""The page's import goes on with the runs held for that data, as ``baocao import`` does: both
call :func:`reports.schedule.intake.import_and_go_on`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from reports.core.periods import ReportPeriod
from reports.runs import ledger
from reports.runs.jobs import find_job
from reports.sample.city import write_sample
from reports.schedule.runner import run_job
from reports.settings.load import Settings
from reports.settings.sections import CompletenessSettings
from tests.conftest import imported_store, mail_settings
from tests.smtp import SmtpServer
from tests.web.conftest import ORDER, AuthActions, make_app

WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
LEADERS = ("lanhdao1@ubnd.gov.vn", "lanhdao2@ubnd.gov.vn")
DOSSIERS = (
    "id,received_on,due_on,returned_on,unit,field,online\n"
    "HS-WEB-1,2020-10-20,2020-10-27,,UBND-BA-DINH,do_thi,true\n"
    "HS-WEB-2,2020-10-20,2020-10-27,,UBND-CAU-GIAY,kinh_te,false\n"
)  # rows of several units: the whole office's export (one unit's covers only that unit)


def test_importing_on_the_page_sends_the_run_held_for_that_data(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BAOCAO_SECRET_KEY", raising=False)
    files = write_sample(tmp_path / "s", start=date(2020, 8, 1), end=date(2020, 10, 15))
    others = [files[k] for k in ORDER if k != "dossiers"]
    engine = imported_store(
        settings.database_url, [(others, None), ([files["dossiers"]], date(2020, 9, 25))]
    )
    s = replace(
        mail_settings(settings, smtp_server),
        completeness=CompletenessSettings(sources=("dossiers",)),
    )
    s.jobs_dir.mkdir(parents=True, exist_ok=True)
    (s.jobs_dir / "bao-cao-tuan.toml").write_text(
        'id = "bao-cao-tuan"\nschedule = "0 8 * * MON"\nformats = ["docx", "xlsx"]\n'
        f'hold_hours = 24\n[email]\nto = ["{LEADERS[0]}", "{LEADERS[1]}"]\n',
        encoding="utf-8",
    )
    job = find_job(s.jobs_dir, "bao-cao-tuan")
    assert run_job(engine, s, job, WEEK).status == "held"
    engine.dispose()

    app = make_app(s)
    try:
        client = app.test_client()
        auth = AuthActions(client)
        auth.login("chuyenvien")
        uploaded = auth.upload(DOSSIERS.encode(), "dossiers.csv")
        assert uploaded.status_code == 302
        file_id = int(uploaded.headers["Location"].rsplit("/", 1)[1])
        done = auth.post(f"/nhap-du-lieu/{file_id}/nhap", {}, page=f"/nhap-du-lieu/{file_id}")
        assert done.status_code == 302
        page = client.get(f"/nhap-du-lieu/{file_id}").get_data(as_text=True)
        assert "Công việc bao-cao-tuan kỳ 21/9-28/9/2020: đã gửi 2 người nhận." in page
        store = app.extensions["baocao"]["engine"]
        assert ledger.latest(store, job.id, WEEK).status == ledger.DELIVERED  # type: ignore[union-attr]
        assert all(len(smtp_server.handler.to(leader)) == 1 for leader in LEADERS)
    finally:
        app.extensions["baocao"]["engine"].dispose()
