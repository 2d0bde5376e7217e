"""The approval path end to end for the sample week: approve → number → freeze → PDF → mail to
3 recipients through a local SMTP server (aiosmtpd, tests/smtp.py).

    python bench/bench_approval.py [--runs 3]

Each run: a fresh store with the sample city, the weekly job (.docx, .xlsx, .pdf; approval on)
run to a draft (not timed), then ``approval.approve`` timed — it numbers the document, renders
the final files, converts the PDF, freezes them and mails every recipient. Prints a Markdown
table; ``bench/run.py`` collects it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reports import approval  # noqa: E402
from reports.core.periods import ReportPeriod  # noqa: E402
from reports.render import office_worker  # noqa: E402
from reports.runs.jobs import find_job  # noqa: E402
from reports.sample.city import write_sample  # noqa: E402
from reports.schedule.runner import run_job  # noqa: E402
from reports.settings.load import settings_from_mapping  # noqa: E402
from reports.sources.importer import import_files  # noqa: E402
from reports.store.db import open_store  # noqa: E402
from tests.smtp import SmtpServer  # noqa: E402

WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
APPROVER = "chanhvanphong@ubnd.gov.vn"
RECIPIENTS = ("lanhdao1@ubnd.gov.vn", "lanhdao2@ubnd.gov.vn", "lanhdao3@ubnd.gov.vn")


def one_run(server: SmtpServer, sample: list[Path], work: Path, *, cold: bool) -> float:
    url = f"sqlite:///{work / 'store.sqlite'}"
    s = settings_from_mapping(
        {
            "database": {"url": url},
            "paths": {
                "templates": str(ROOT / "templates"),
                "jobs": str(work / "jobs"),
                "output": str(work / "out"),
                "data": str(work / "data"),
            },
            "signer": {"name": "Nguyễn Văn A"},
        },
        base_dir=work,
        environ={},
    )
    s = replace(
        s,
        smtp=replace(
            s.smtp, host="127.0.0.1", port=server.port, mail_from="baocao@vp.hanoi.gov.vn"
        ),
        web=replace(s.web, base_url="https://baocao.vp.hanoi.gov.vn"),
    )
    s.jobs_dir.mkdir(parents=True, exist_ok=True)
    to = ", ".join(f'"{r}"' for r in RECIPIENTS)
    (s.jobs_dir / "tuan.toml").write_text(
        'id = "tuan"\nschedule = "0 8 * * MON"\nformats = ["docx", "xlsx", "pdf"]\n'
        f'approval = true\napprovers = ["{APPROVER}"]\n[email]\nto = [{to}]\n',
        encoding="utf-8",
    )
    engine = open_store(url)
    import_files(engine, sample)
    outcome = run_job(engine, s, find_job(s.jobs_dir, "tuan"), WEEK)
    assert outcome.status == "awaiting", outcome.message
    if cold:  # as in a web process that has not converted anything yet
        office_worker.shutdown()
    before = len(server.handler.messages)
    t = time.perf_counter()
    decision = approval.approve(
        engine, s, outcome.run_id or 0, APPROVER, now=datetime(2020, 9, 28, 3, tzinfo=UTC)
    )
    wall = time.perf_counter() - t
    assert decision.draft.state == approval.RELEASED, decision.message
    assert len(server.handler.messages) - before == len(RECIPIENTS)
    assert any(f.path.suffix == ".pdf" for f in decision.draft.final_files)
    engine.dispose()
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    times: dict[bool, list[float]] = {False: [], True: []}
    with tempfile.TemporaryDirectory(prefix="baocao-bench-approval-") as tmp, SmtpServer() as srv:
        files = write_sample(Path(tmp) / "sample", start=date(2020, 8, 1), end=date(2020, 10, 15))
        order = ["units", "documents", "dossiers", "receptions", "petitions", "directives"]
        sample = [files[k] for k in order]
        for k in range(args.runs):
            for cold in (False, True):
                work = Path(tmp) / f"run{k}-{cold}"
                work.mkdir()
                times[cold].append(one_run(srv, sample, work, cold=cold))
    print("| measure | result |\n|---|---|")
    for cold, how in (
        (False, "its process's LibreOffice already running (it made the draft's PDF)"),
        (True, "LibreOffice not yet running in its process (it starts)"),
    ):
        runs = ", ".join(f"{t:.2f}" for t in times[cold])
        print(
            f"| approve → number → freeze → PDF → mail to {len(RECIPIENTS)} recipients (local "
            f"SMTP), sample week, {how}; median of {args.runs} (runs: {runs} s; target ≤ 3 s) "
            f"| {statistics.median(times[cold]):.2f} s |"
        )


if __name__ == "__main__":
    main()
