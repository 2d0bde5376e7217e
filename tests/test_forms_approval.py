"""A job that files Biểu 06/VPCP/KSTT: its files are the form's; a store whose records break an
identity blocks approval, naming the row, the columns and the records."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from reports import approval
from reports.core.errors import ApprovalError
from reports.runs.jobs import find_job
from reports.schedule.runner import run_job
from reports.settings.load import Settings
from reports.sources.importer import import_files
from reports.store.db import open_store
from reports.store.schema import dossiers
from tests.conftest import mail_settings
from tests.smtp import SmtpServer
from tests.test_forms import DOSSIERS, Q1, _write_data

APPROVER = "chanhvanphong@ubnd.gov.vn"


def test_form_job_blocks_approval_on_a_broken_identity(
    settings: Settings, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    engine = open_store(settings.database_url)
    import_files(engine, _write_data(tmp_path, DOSSIERS))
    s = replace(mail_settings(settings, smtp_server))
    s.jobs_dir.mkdir(parents=True, exist_ok=True)
    (s.jobs_dir / "bieu-06.toml").write_text(
        'schedule = "0 8 5 1,4,7,10 *"\nperiod = "previous-quarter"\nform = "06/VPCP/KSTT"\n'
        f'formats = ["xlsx", "docx"]\napproval = true\napprovers = ["{APPROVER}"]\n'
        '[email]\nto = ["lanhdao@ubnd.gov.vn"]\n',
        encoding="utf-8",
    )
    job = find_job(s.jobs_dir, "bieu-06")
    outcome = run_job(engine, s, job, Q1)
    assert outcome.status == "awaiting", outcome.message
    assert sorted(f.name for f in outcome.files) == [
        "Bieu-06-VPCP-KSTT-2021-01-01_2021-03-31.docx",
        "Bieu-06-VPCP-KSTT-2021-01-01_2021-03-31.xlsx",
    ]
    with engine.begin() as conn:  # a hand-edited store: returned in Q1, received after it
        conn.execute(
            sa.update(dossiers)
            .where(dossiers.c.id == "after")
            .values(returned_on=date(2021, 3, 20))
        )
    with pytest.raises(ApprovalError) as refused:
        approval.approve(
            engine, s, outcome.run_id, APPROVER, now=datetime(2021, 4, 5, 3, tzinfo=UTC)
        )  # type: ignore[arg-type]
    message = str(refused.value)
    assert "“III Cấp xã”" in message and "(3) = (7) + (11)" in message and "after" in message
    assert approval.draft(engine, outcome.run_id).state == approval.PENDING  # type: ignore[arg-type]

    with engine.begin() as conn:
        conn.execute(sa.update(dossiers).where(dossiers.c.id == "after").values(returned_on=None))
    decision = approval.approve(
        engine, s, outcome.run_id, APPROVER, now=datetime(2021, 4, 5, 3, tzinfo=UTC)
    )  # type: ignore[arg-type]
    assert decision.draft.state == approval.RELEASED, decision.message
    drafted = {f.name: f.read_bytes() for f in outcome.files}
    assert {f.path.name: f.path.read_bytes() for f in decision.draft.final_files} == drafted
    engine.dispose()


def test_check_names_a_form_job_for_a_period_the_form_does_not_take(settings: Settings) -> None:
    from reports.ops.checks import check_jobs

    settings.jobs_dir.mkdir(parents=True, exist_ok=True)
    job = settings.jobs_dir / "bieu-06.toml"
    job.write_text(
        'schedule = "0 8 * * MON"\nform = "06/VPCP/KSTT"\n[email]\nto = ["a@x.gov.vn"]\n',
        encoding="utf-8",
    )
    found = check_jobs(settings)
    assert not found.ok and "biểu 06/VPCP/KSTT không lập theo tuần" in found.detail
    job.write_text(
        'schedule = "0 8 5 1 *"\nperiod = "previous-quarter"\nform = "99/X"\n[email]\nto = ["a@x.gov.vn"]\n',
        encoding="utf-8",
    )
    assert "không có biểu '99/X'" in check_jobs(settings).detail
    job.write_text(
        'schedule = "0 8 5 1 *"\nperiod = "previous-quarter"\nform = "06/VPCP/KSTT"\n[email]\nto = ["a@x.gov.vn"]\n',
        encoding="utf-8",
    )
    assert check_jobs(settings).ok
