"""A signed PDF of an approved report: signed here with a throwaway key through pyHanko."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from sqlalchemy.engine import Engine

from reports import approval
from reports.approval.signed import accept_signed
from reports.cli.steps import cli_words
from reports.core.errors import ApprovalError
from reports.core.periods import ReportPeriod
from reports.runs.jobs import find_job
from reports.sample.city import write_sample
from reports.schedule.runner import run_job
from reports.settings.load import PROJECT_ROOT, Settings, SigningSettings
from reports.sources.importer import import_files
from reports.store.db import open_store
from reports.web.steps import say
from tests import pki as pki_
from tests.conftest import mail_settings, need
from tests.smtp import SmtpServer

WEEK = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
LEADERS = ("lanhdao1@ubnd.gov.vn", "lanhdao2@ubnd.gov.vn")
APPROVER = "chanhvanphong@ubnd.gov.vn"
APPROVED_ON = datetime(2020, 9, 28, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def pki() -> dict[str, pki_.Identity]:
    root = pki_.make_ca("Test RootCA chuyên dùng G2")
    inter = pki_.make_ca("Test CA phục vụ các cơ quan Nhà nước G2", root)
    other_root = pki_.make_ca("Gốc lạ")
    now = pki_.NOW
    return {
        "root": root,
        "inter": inter,
        "approver": pki_.make_leaf(inter, APPROVER),
        "colleague": pki_.make_leaf(inter, LEADERS[0], cn="Trần Văn B"),
        "stranger": pki_.make_leaf(other_root, APPROVER),
        "expired": pki_.make_leaf(
            inter, APPROVER, not_before=now - timedelta(days=400), not_after=now - timedelta(days=1)
        ),
        "not-yet-valid": pki_.make_leaf(
            inter, APPROVER, not_before=now + timedelta(days=1), not_after=now + timedelta(days=400)
        ),
        "self-signed": pki_.make_leaf(None, APPROVER),
        "no-non-repudiation": pki_.make_leaf(inter, APPROVER, non_repudiation=False),
        "crl": pki_.make_leaf(inter, APPROVER, crl=True),
    }


def _signing(s: Settings, pki: dict[str, pki_.Identity], folder: Path, **extra: object) -> Settings:
    roots = (str(pki["root"].pem(folder, "root")),)
    others = (str(pki["inter"].pem(folder, "inter")),)
    return replace(s, signing=SigningSettings(trust_roots=roots, other_certs=others, **extra))  # type: ignore[arg-type]


@pytest.fixture
def engine(sqlite_url: str, tmp_path: Path) -> Iterator[Engine]:
    files = write_sample(tmp_path / "sample", start=date(2020, 9, 1), end=date(2020, 10, 5))
    eng = open_store(sqlite_url)
    import_files(eng, list(files.values()))
    yield eng
    eng.dispose()


def test_a_signed_pdf_of_the_approved_report_is_accepted_and_another_refused(
    settings: Settings,
    smtp_server: SmtpServer,
    engine: Engine,
    tmp_path: Path,
    pki: dict[str, pki_.Identity],
) -> None:
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) is needed for the PDF")
    s = _signing(mail_settings(settings, smtp_server), pki, tmp_path)
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
    assert cli_words(waiting.said) == (
        f"Văn bản số 01/BC-VP đã duyệt; chờ bản PDF đã ký. Tải {pdf.path}, ký bằng công cụ ký "
        f"số của cơ quan, rồi gửi lại: baocao sign {run_id} TEP_DA_KY.pdf"
    )
    assert say(waiting.said) == (  # the page: no command, no server path (issue 21)
        "Văn bản số 01/BC-VP đã duyệt; chờ bản PDF đã ký. Bấm «Ký số» ở cuối văn bản (cắm USB "
        "ký số; cần dịch vụ ký số VGCA trên máy này)."
    )
    assert all(smtp_server.handler.to(leader) == [] for leader in LEADERS)
    approved = pdf.path.read_bytes()

    draft_pdf = next(p for p in outcome.files if p.suffix == ".pdf").read_bytes()
    with pytest.raises(ApprovalError) as info:  # the unnumbered draft, signed: other content
        accept_signed(engine, s, run_id, pki_.sign(draft_pdf, pki["approver"]))
    assert str(info.value) == (
        "Tệp PDF đã ký không phải bản PDF đã duyệt của văn bản số 01/BC-VP (nội dung khác); "
        "ký đúng tệp PDF đã tải về từ baocao rồi gửi lại."
    )
    with pytest.raises(ApprovalError, match="không do nơi cấp tin cậy phát hành"):
        accept_signed(engine, s, run_id, pki_.sign(approved, pki["stranger"]))
    with pytest.raises(ApprovalError, match="Chữ ký không phải của người đã duyệt"):
        accept_signed(engine, s, run_id, pki_.sign(approved, pki["colleague"]))
    tampered = bytearray(pki_.sign(approved, pki["approver"]))
    tampered[len(approved) - 200] ^= 0x01  # a byte of the approved part changed after signing
    with pytest.raises(ApprovalError, match="nội dung khác"):
        accept_signed(engine, s, run_id, bytes(tampered))
    assert all(smtp_server.handler.to(leader) == [] for leader in LEADERS)

    signed = pki_.sign(approved, pki["approver"])
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


@pytest.fixture(scope="module")
def office_pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A PDF as LibreOffice writes it (no /AcroForm, one revision), showing "1.406"."""
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) is needed for the PDF")
    import subprocess

    folder = tmp_path_factory.mktemp("pdf")
    (folder / "bao-cao.txt").write_text("Số hồ sơ tiếp nhận: 1.406\n", encoding="utf-8")
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{folder}/profile",
         "--convert-to", "pdf", "--outdir", str(folder), str(folder / "bao-cao.txt")],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return (folder / "bao-cao.pdf").read_bytes()


def _check(s: Settings, approved: bytes, signed: bytes) -> object:
    from reports.approval.signed import check_signed

    return check_signed(s, approved, signed, "01/BC-VP", APPROVER, APPROVED_ON)


def test_a_signing_revision_that_also_edits_the_page_is_refused(
    settings: Settings, pki: dict[str, pki_.Identity], office_pdf: bytes, tmp_path: Path
) -> None:
    """pyHanko alone reports such a file intact (the signature covers the whole file, so it
    reviews nothing); the review from the approved revision finds the page changed."""
    s = _signing(settings, pki, tmp_path)
    forged = pki_.sign(office_pdf, pki["approver"], forge=b"BT /F1 24 Tf 72 700 Td (9.999) Tj ET")
    assert forged[: len(office_pdf)] == office_pdf
    with pytest.raises(ApprovalError) as info:
        _check(s, office_pdf, forged)
    assert str(info.value) == (
        "Bản đã ký của văn bản số 01/BC-VP sửa nội dung ngoài chữ ký (bản ký thêm thay đổi "
        "trang hoặc đối tượng khác của bản đã duyệt); không nhận. Ký lại đúng tệp PDF đã tải "
        "về, không chỉnh sửa."
    )


def test_a_good_signature_from_a_trusted_root_is_accepted_and_refused_without_it(
    settings: Settings, pki: dict[str, pki_.Identity], office_pdf: bytes, tmp_path: Path
) -> None:
    from reports.approval.signer import SignatureReport

    s = _signing(settings, pki, tmp_path)
    signed = pki_.sign(office_pdf, pki["approver"])
    report = _check(s, office_pdf, signed)
    assert isinstance(report, SignatureReport)
    lines = report.lines(s.tz)
    assert lines[0] == "Người ký: Nguyễn Văn A"
    assert "Cơ quan, tổ chức: Văn phòng UBND Thử nghiệm" in lines
    assert f"Thư điện tử: {APPROVER}" in lines
    assert "Nơi cấp chứng thư số: Test CA phục vụ các cơ quan Nhà nước G2" in lines
    assert "Toàn vẹn: nguyên vẹn" in lines
    assert "Hiệu lực tại thời điểm ký: hợp lệ (chuỗi tin cậy đến Test RootCA chuyên dùng G2)" in (
        lines
    )
    without = replace(s, signing=replace(s.signing, trust_roots=()))
    with pytest.raises(ApprovalError, match="chứng thư số không do nơi cấp tin cậy phát hành"):
        _check(without, office_pdf, signed)
    # the fingerprint listed for the approver wins over the mail address
    other = "A" * 64
    listed = replace(s, signing=replace(s.signing, signer_certificates=(f"{APPROVER} {other}",)))
    with pytest.raises(ApprovalError, match="Chữ ký không phải của người đã duyệt"):
        _check(listed, office_pdf, signed)
    mine = f"{APPROVER} {report.sha256}"
    listed = replace(s, signing=replace(s.signing, signer_certificates=(mine,)))
    assert _check(listed, office_pdf, signed) == report


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("expired", "chứng thư số đã hết hạn"),
        ("not-yet-valid", "chứng thư số chưa đến thời hạn có hiệu lực"),
        ("self-signed", "chứng thư số tự ký (không do nơi cấp chứng thư số nào phát hành)"),
        (
            "no-non-repudiation",
            "chứng thư số không dùng để ký văn bản (thiếu mục đích chống chối bỏ)",
        ),  # fmt: skip
        ("stranger", "chứng thư số không do nơi cấp tin cậy phát hành"),
    ],
)
def test_a_certificate_that_may_not_sign_is_refused_with_its_reason(
    settings: Settings,
    pki: dict[str, pki_.Identity],
    office_pdf: bytes,
    tmp_path: Path,
    who: str,
    reason: str,
) -> None:
    s = _signing(settings, pki, tmp_path)
    with pytest.raises(ApprovalError) as info:
        _check(s, office_pdf, pki_.sign(office_pdf, pki[who]))
    assert str(info.value) == (
        f"Chứng thư số ký văn bản số 01/BC-VP không được chấp nhận: {reason}. Ký bằng chứng "
        "thư số còn hiệu lực do nơi cấp có trong signing.trust_roots (baocao.toml) phát hành."
    )


def test_unknown_revocation_is_refused_unless_the_office_allows_offline_checks(
    settings: Settings, pki: dict[str, pki_.Identity], office_pdf: bytes, tmp_path: Path
) -> None:
    s = _signing(settings, pki, tmp_path)
    signed = pki_.sign(office_pdf, pki["crl"])
    with pytest.raises(ApprovalError, match=r"tình trạng thu hồi .* \(không xác định\)"):
        _check(s, office_pdf, signed)
    offline = _signing(settings, pki, tmp_path, allow_unknown_revocation=True)
    report = _check(offline, office_pdf, signed)
    assert "Tình trạng thu hồi: không xác định (không kiểm tra trực tuyến)" in (
        report.lines(s.tz)  # type: ignore[attr-defined]
    )


def test_a_signature_made_before_the_approval_is_refused(
    settings: Settings, pki: dict[str, pki_.Identity], office_pdf: bytes, tmp_path: Path
) -> None:
    from reports.approval.signed import check_signed

    s = _signing(settings, pki, tmp_path)
    signed = pki_.sign(office_pdf, pki["approver"])
    later = datetime.now(UTC) + timedelta(hours=1)
    with pytest.raises(ApprovalError, match="trước thời điểm duyệt"):
        check_signed(s, office_pdf, signed, "01/BC-VP", APPROVER, later)


def test_the_evidence_pack_holds_every_file_its_hash_and_the_timeline(
    settings: Settings,
    smtp_server: SmtpServer,
    engine: Engine,
    tmp_path: Path,
    pki: dict[str, pki_.Identity],
    capsys: pytest.CaptureFixture[str],
) -> None:
    import hashlib
    import io
    import zipfile

    from reports.approval.evidence import evidence_pack

    need(shutil.which("soffice") is not None, "LibreOffice (soffice) is needed for the PDF")
    s = _signing(mail_settings(settings, smtp_server), pki, tmp_path)
    s.jobs_dir.mkdir(parents=True, exist_ok=True)
    (s.jobs_dir / "bao-cao-tuan.toml").write_text(
        'schedule = "0 8 * * MON"\nformats = ["docx", "pdf"]\napproval = true\n'
        f'approvers = ["{APPROVER}"]\nsigned_pdf = true\n[email]\nto = ["{LEADERS[0]}"]\n',
        encoding="utf-8",
    )
    run_id = run_job(engine, s, find_job(s.jobs_dir, "bao-cao-tuan"), WEEK).run_id
    assert run_id is not None
    with pytest.raises(ApprovalError, match="chưa có văn bản đã duyệt"):
        evidence_pack(engine, s, run_id)
    waiting = approval.approve(engine, s, run_id, APPROVER, now=APPROVED_ON, where="máy thử")
    pdf = next(f for f in waiting.draft.final_files if f.path.suffix == ".pdf")
    approved = pdf.path.read_bytes()
    signed = pki_.sign(approved, pki["approver"])
    from reports.program import main

    config = tmp_path / "baocao.toml"
    config.write_text(
        f'[database]\nurl = "{engine.url.render_as_string(hide_password=False)}"\n'
        f'[paths]\ntemplates = "{PROJECT_ROOT / "templates"}"\njobs = "{s.jobs_dir}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\n'
        'mail_from = "baocao@vp.hanoi.gov.vn"\n'
        f"[signing]\ntrust_roots = {list(s.signing.trust_roots)!r}\n"
        f"other_certs = {list(s.signing.other_certs)!r}\n".replace("'", '"'),
        encoding="utf-8",
    )
    signed_file = tmp_path / "da-ky.pdf"
    signed_file.write_bytes(signed)
    capsys.readouterr()
    assert main(["--settings", str(config), "sign", str(run_id), str(signed_file)]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[:3] == [
        "Kết quả kiểm tra chữ ký số:",
        "  Người ký: Nguyễn Văn A",
        "  Cơ quan, tổ chức: Văn phòng UBND Thử nghiệm",
    ]
    assert "  Hiệu lực tại thời điểm ký: hợp lệ (chuỗi tin cậy đến Test RootCA chuyên dùng G2)" in (
        shown
    )
    name, data = evidence_pack(engine, s, run_id)
    assert name == f"ho-so-so-01-BC-VP-lan-chay-{run_id}.zip"
    assert evidence_pack(engine, s, run_id)[1] == data  # the same pack, byte for byte
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    assert files[f"da-ky/{pdf.path.stem}-da-ky.pdf"] == signed
    assert files[f"da-duyet/{pdf.path.name}"] == approved
    assert any(n.startswith("du-thao/") and n.endswith(".docx") for n in files)
    sums = dict(reversed(line.split("  ", 1)) for line in files["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(files) - {"SHA256SUMS"}
    assert all(hashlib.sha256(files[n]).hexdigest() == h for n, h in sums.items())
    timeline = files["dong-thoi-gian.txt"].decode()
    assert f"duyệt: {APPROVER}, từ máy thử, số 01/BC-VP, ngày ban hành 28/09/2020" in timeline
    assert "ký số: Nguyễn Văn A <chanhvanphong@ubnd.gov.vn>" in timeline
    assert f"gửi {LEADERS[0]}: đã gửi, 1 lần, Message-ID <" in timeline
    checked = files["kiem-tra-chu-ky.txt"].decode().splitlines()
    assert checked[:2] == [
        "Kết quả kiểm tra chữ ký số trên văn bản số 01/BC-VP:",
        "Người ký: Nguyễn Văn A",
    ]
    assert "Toàn vẹn: nguyên vẹn" in checked
    out = tmp_path / "ho-so.zip"
    assert main(["--settings", str(config), "evidence", str(run_id), "--out", str(out)]) == 0
    assert out.read_bytes() == data


def test_doctor_shows_each_signing_certificate_with_its_sha256(
    settings: Settings, pki: dict[str, pki_.Identity], tmp_path: Path
) -> None:
    from reports.ops.checks import check_signing

    assert list(check_signing(settings)) == []  # nothing configured: no line
    s = _signing(settings, pki, tmp_path)
    (check,) = check_signing(s)
    digest = pki["root"].cert.fingerprint(hashes.SHA256()).hex().upper()
    assert check.ok and check.name == "Chứng thư ký số"
    assert check.detail.startswith(
        "Test RootCA chuyên dùng G2 (SHA-256 "
        + ":".join(digest[i : i + 2] for i in range(0, 64, 2))
    )
    assert "Test CA phục vụ các cơ quan Nhà nước G2 (SHA-256 " in check.detail
