"""Ký số on the draft page: the single-use link pair the VGCA signing service uses, the signed
PDF it posts back checked like 'baocao sign', and the evidence pack linked from Lịch sử."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import replace

import docx
import pytest
from flask import Flask

from reports import approval
from reports.settings.load import Settings, SigningSettings
from tests import pki as pki_
from tests.conftest import need
from tests.smtp import SmtpServer
from tests.web.conftest import AuthActions
from tests.web.test_drafts import DIRECTOR, DIRECTOR_PASSWORD, LEADERS
from tests.web.test_drafts import mail_app as mail_app  # noqa: F401
from tests.web.test_drafts import office as office_base  # noqa: F401


@pytest.fixture(scope="module")
def signer() -> dict[str, pki_.Identity]:
    root = pki_.make_ca("Test RootCA G2")
    inter = pki_.make_ca("Test CA G2", root)
    return {"root": root, "inter": inter, "director": pki_.make_leaf(inter, DIRECTOR)}


@pytest.fixture
def office(
    office_base: Settings,  # noqa: F811
    signer: dict[str, pki_.Identity],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Settings]:
    folder = tmp_path_factory.mktemp("pki")
    signing = SigningSettings(
        trust_roots=(str(signer["root"].pem(folder, "root")),),
        other_certs=(str(signer["inter"].pem(folder, "inter")),),
    )
    yield replace(office_base, signing=signing)


def _submit_pdf(app: Flask) -> int:
    """The approval job with a PDF to sign (formats docx and pdf)."""
    from reports.runs.jobs import find_job
    from reports.schedule.runner import run_job
    from tests.web.test_drafts import WEEK, _write_job

    engine, s = app.extensions["baocao"]["engine"], app.extensions["baocao"]["settings"]
    _write_job(s, [DIRECTOR], "signed_pdf = true")
    job_file = s.jobs_dir / "bao-cao-tuan.toml"
    job_file.write_text(job_file.read_text("utf-8").replace('"xlsx"', '"pdf"'), "utf-8")
    outcome = run_job(engine, s, find_job(s.jobs_dir, "bao-cao-tuan"), WEEK)
    assert outcome.status == "awaiting" and outcome.run_id is not None, outcome.message
    return outcome.run_id


def test_sign_on_the_page_hands_a_single_use_link_to_the_signing_service(
    mail_app: Flask,  # noqa: F811
    smtp_server: SmtpServer,
    signer: dict[str, pki_.Identity],
) -> None:
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) is needed for the PDF")
    run_id = _submit_pdf(mail_app)
    client = mail_app.test_client()
    auth = AuthActions(client)
    auth.login(DIRECTOR, DIRECTOR_PASSWORD)
    page = f"/drafts/{run_id}"
    auth.post(f"/drafts/{run_id}/duyet", page=page)
    html = client.get(page).get_data(as_text=True)
    assert '<section id="ky-so"' in html and "ky-so.js" in html
    got = auth.post(f"/drafts/{run_id}/ky-so", page=page)
    assert got.status_code == 200
    prms = got.get_json()
    assert prms["FileName"].startswith("https://baocao.vp.hanoi.gov.vn/ky-so/")
    assert prms["FileUploadHandler"].endswith("/tai-len")
    base = "https://baocao.vp.hanoi.gov.vn"

    # the signing service has no session: a fresh client, the token alone
    service = mail_app.test_client()
    approved = service.get(prms["FileName"].removeprefix(base))
    assert approved.status_code == 200 and approved.mimetype == "application/pdf"
    signed = pki_.sign(approved.data, signer["director"])
    upload = prms["FileUploadHandler"].removeprefix(base)
    answer = service.post(upload, data={"uploadfile": (io.BytesIO(signed), "da-ky.pdf")}).get_json()
    assert answer["Status"] == 0, answer
    assert answer["Message"].endswith("đã gửi 2 người nhận.")
    for leader in LEADERS:
        (msg,) = smtp_server.handler.to(leader)
        assert signed in [a.get_content() for a in msg.iter_attachments()]
    again = service.post(upload, data={"f": (io.BytesIO(signed), "x.pdf")}).get_json()
    assert again["Status"] == 1 and "không còn dùng được" in again["Message"]
    assert service.get(prms["FileName"].removeprefix(base)).status_code == 404
    engine = mail_app.extensions["baocao"]["engine"]
    assert approval.draft(engine, run_id).state == approval.RELEASED
    shown = client.get(page).get_data(as_text=True)
    assert '<h3 id="chu-ky-so">Chữ ký số</h3>' in shown
    assert "<li>Người ký: Nguyễn Văn A</li>" in shown and "<li>Toàn vẹn: nguyên vẹn</li>" in shown

    # "Gửi lại" in Lịch sử sends the first delivery's files, numbered and signed
    admin = mail_app.test_client()
    AuthActions(admin).login("quantri")
    resent = AuthActions(admin).post(
        f"/lich-su/{run_id}/gui-lai", {"recipient": LEADERS[0]}, page="/lich-su"
    )
    assert resent.status_code == 302
    first, again = smtp_server.handler.to(LEADERS[0])
    sent = {a.get_filename(): a.get_content() for a in first.iter_attachments()}
    assert {a.get_filename(): a.get_content() for a in again.iter_attachments()} == sent
    docx_name = next(n for n in sent if n and n.endswith(".docx"))
    number = docx.Document(io.BytesIO(sent[docx_name])).tables[0].rows[1].cells[0].paragraphs[0]
    assert number.text == "Số: 01/BC-VP"

    # Lịch sử links the evidence pack
    history = client.get("/lich-su").get_data(as_text=True)
    link = f"/lich-su/{run_id}/ho-so-chung-cu"
    assert link in history
    with client.get(link) as pack:
        assert pack.status_code == 200
        with zipfile.ZipFile(io.BytesIO(pack.data)) as zf:
            assert signed in [zf.read(n) for n in zf.namelist()]


def test_a_leader_the_job_does_not_name_gets_no_signing_link(
    mail_app: Flask,  # noqa: F811
) -> None:
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) is needed for the PDF")
    run_id = _submit_pdf(mail_app)
    client = mail_app.test_client()
    auth = AuthActions(client)
    auth.login("lanhdao")
    got = auth.post(f"/drafts/{run_id}/ky-so", page=f"/drafts/{run_id}")
    assert got.status_code == 400
    assert "lanhdao không phải người duyệt" in got.get_json()["error"]
