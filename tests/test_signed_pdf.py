"""A signed PDF of an approved report: signed here with a throwaway key through pyHanko."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from reports import approval
from reports.approval.signed import accept_signed
from reports.core.errors import ApprovalError
from reports.core.periods import ReportPeriod
from reports.runs.jobs import find_job
from reports.sample.city import write_sample
from reports.schedule.runner import run_job
from reports.settings.load import Settings, SigningSettings
from reports.sources.importer import import_files
from reports.store.db import open_store
from tests.conftest import mail_settings, need
from tests.smtp import SmtpServer

WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
LEADERS = ("lanhdao1@ubnd.gov.vn", "lanhdao2@ubnd.gov.vn")
APPROVER = "chanhvanphong@ubnd.gov.vn"
APPROVED_ON = datetime(2020, 9, 28, 3, 0, tzinfo=UTC)


def _key_and_certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A throwaway signing key and its self-signed certificate (the real openssl)."""
    key, cert = folder / f"{name}-key.pem", folder / f"{name}-cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={name}/O=UBND TP Ha Noi", "-keyout", str(key), "-out", str(cert),
         "-addext", "keyUsage=critical,digitalSignature,nonRepudiation"],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


def _sign(pdf: bytes, key: Path, cert: Path) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load(str(key), str(cert))
    assert signer is not None
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        signers.PdfSignatureMetadata(field_name="ChuKyLanhDao"),
        signer=signer,
    )
    return bytes(out.getvalue())


@pytest.fixture
def engine(sqlite_url: str, tmp_path: Path) -> Iterator[Engine]:
    files = write_sample(tmp_path / "sample", start=date(2020, 9, 1), end=date(2020, 10, 5))
    eng = open_store(sqlite_url)
    import_files(eng, list(files.values()))
    yield eng
    eng.dispose()


def test_a_signed_pdf_of_the_approved_report_is_accepted_and_another_refused(
    settings: Settings, smtp_server: SmtpServer, engine: Engine, tmp_path: Path
) -> None:
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) is needed for the PDF")
    key, cert = _key_and_certificate(tmp_path, "lanh-dao")
    s = mail_settings(settings, smtp_server)
    s = replace(s, signing=SigningSettings(trust_roots=(str(cert),)))
    s.jobs_dir.mkdir(parents=True, exist_ok=True)
    (s.jobs_dir / "bao-cao-tuan.toml").write_text(
        'schedule = "0 8 * * MON"\nformats = ["docx", "pdf"]\napproval = true\n'
        f'approvers = ["{APPROVER}"]\nsigned_pdf = true\n'
        f'[email]\nto = ["{LEADERS[0]}", "{LEADERS[1]}"]\n',
        encoding="utf-8",
    )
    job = find_job(s.jobs_dir, "bao-cao-tuan")
    outcome = run_job(engine, s, job, WEEK)
    assert outcome.status == "awaiting", outcome.message
    run_id = outcome.run_id
    assert run_id is not None
    waiting = approval.approve(engine, s, run_id, APPROVER, now=APPROVED_ON)
    pdf = next(f for f in waiting.draft.final_files if f.path.suffix == ".pdf")
    assert waiting.message == (
        f"Văn bản số 01/BC-VP đã duyệt; chờ bản PDF đã ký: tải {pdf.path}, ký bằng công cụ ký "
        f"số của cơ quan, rồi gửi lại: baocao sign {run_id} TEP_DA_KY.pdf"
    )
    assert all(smtp_server.handler.to(leader) == [] for leader in LEADERS)
    approved = pdf.path.read_bytes()

    draft_pdf = next(p for p in outcome.files if p.suffix == ".pdf").read_bytes()
    with pytest.raises(ApprovalError) as info:  # the unnumbered draft, signed: other content
        accept_signed(engine, s, run_id, _sign(draft_pdf, key, cert))
    assert str(info.value) == (
        "Tệp PDF đã ký không phải bản PDF đã duyệt của văn bản số 01/BC-VP (nội dung khác); "
        "ký đúng tệp PDF đã tải về từ baocao rồi gửi lại."
    )
    stranger_key, stranger_cert = _key_and_certificate(tmp_path, "nguoi-la")
    with pytest.raises(ApprovalError, match="không do nơi cấp tin cậy phát hành"):
        accept_signed(engine, s, run_id, _sign(approved, stranger_key, stranger_cert))
    tampered = bytearray(_sign(approved, key, cert))
    tampered[len(approved) - 200] ^= 0x01  # a byte of the approved part changed after signing
    with pytest.raises(ApprovalError, match="nội dung khác"):
        accept_signed(engine, s, run_id, bytes(tampered))
    assert all(smtp_server.handler.to(leader) == [] for leader in LEADERS)

    signed = _sign(approved, key, cert)
    with pytest.raises(ApprovalError, match="nội dung khác"):  # bytes after the signature
        accept_signed(engine, s, run_id, signed + b"\n% sau chu ky\n")
    decision = accept_signed(engine, s, run_id, signed)
    assert decision.message == (
        "Văn bản số 01/BC-VP (bao-cao-tuan kỳ 21/9-28/9/2020): đã gửi 2 người nhận."
    )
    for leader in LEADERS:
        (msg,) = smtp_server.handler.to(leader)
        sent = {str(a.get_filename()): a.get_content() for a in msg.iter_attachments()}
        assert sent[pdf.path.stem + "-da-ky.pdf"] == signed
        assert len(sent) == 2  # the Word report and the signed PDF, not the unsigned one
    assert decision.draft.state == approval.RELEASED
    with pytest.raises(ApprovalError, match="không chờ bản PDF đã ký"):
        accept_signed(engine, s, run_id, signed)
