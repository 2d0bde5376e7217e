"""edXML: the package of an approved report carries the register's number and notation, the
signer and the frozen files byte for byte; packages read back store one document each."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from reports import approval
from reports.core.errors import ConfigError, FileFormatError
from reports.exchange.edxml_read import import_packages
from reports.exchange.edxml_write import edxml_package
from reports.schedule.runner import run_job
from reports.settings.load import Settings
from reports.store.schema import exchanged_documents
from tests.smtp import SmtpServer
from tests.test_approval import (  # noqa: F401 - the fixture is used by name
    APPROVED_ON,
    APPROVER,
    WEEK,
    _approval_settings,
    _job,
    _store,
    sample,
)

NS = {"e": "http://www.mic.gov.vn/TBT/QCVN_102_2016"}


def test_package_of_an_approved_report(
    settings: Settings,
    smtp_server: SmtpServer,
    sqlite_url: str,
    sample: dict[str, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    engine = _store(sqlite_url, sample)
    s = _approval_settings(settings, smtp_server)
    job_file = s.jobs_dir / "bao-cao-tuan.toml"
    text = job_file.read_text(encoding="utf-8")
    job_file.write_text(
        text.replace('formats = ["docx", "xlsx"]', 'formats = ["docx", "xlsx", "pdf"]'),
        encoding="utf-8",
    )
    run_id = run_job(engine, s, _job(s), WEEK).run_id
    with pytest.raises(Exception, match="chưa có văn bản ban hành"):
        edxml_package(
            engine, replace(s, office=replace(s.office, organ_id="000.00.00.H26")), run_id
        )  # type: ignore[arg-type]
    approval.approve(engine, s, run_id, APPROVER, now=APPROVED_ON)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="office.organ_id"):
        edxml_package(engine, s, run_id)  # type: ignore[arg-type]
    s = replace(s, office=replace(s.office, organ_id="000.00.00.H26"))
    data = edxml_package(engine, s, run_id)  # type: ignore[arg-type]

    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    assert etree.QName(root).localname == "edXML" and etree.QName(root).namespace == NS["e"]
    header = root.find("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader", NS)
    assert header is not None
    d = approval.draft(engine, run_id)  # type: ignore[arg-type]
    assert header.findtext("e:Code/e:CodeNumber", namespaces=NS) == "01"
    assert header.findtext("e:Code/e:CodeNotation", namespaces=NS) == "BC-VP"
    assert header.findtext("e:From/e:OrganId", namespaces=NS) == "000.00.00.H26"
    assert header.findtext("e:SignerInfo/e:FullName", namespaces=NS) == "Nguyễn Văn A"
    assert header.findtext("e:SignerInfo/e:Competence", namespaces=NS) == "KT. CHÁNH VĂN PHÒNG"
    assert header.findtext("e:DocumentType/e:TypeName", namespaces=NS) == "Báo cáo"
    assert header.findtext("e:DocumentId", namespaces=NS) == (
        f"000.00.00.H26,{d.issued_on:%Y/%m/%d},01/BC-VP"
    )
    assert (
        root.findtext(
            "e:edXMLEnvelope/e:edXMLHeader/e:TraceHeaderList/e:Bussiness/e:BussinessDocType",
            namespaces=NS,
        )
        == "0"
    )
    frozen = {f.path.name: f.sha256 for f in d.final_files}
    attached = root.findall("e:AttachmentEncoded/e:Attachment", NS)
    names = [a.findtext("e:AttachmentName", namespaces=NS) for a in attached]
    assert [n.rsplit(".", 1)[1] for n in names] == ["pdf", "xlsx"]  # type: ignore[union-attr]
    for a in attached:
        content = base64.b64decode(a.findtext("e:ContentTransferEncoded", namespaces=NS) or "")
        assert (
            hashlib.sha256(content).hexdigest()
            == frozen[a.findtext("e:AttachmentName", namespaces=NS)]
        )  # type: ignore[index]

    package = tmp_path / "bao-cao.edxml"
    package.write_bytes(data)
    first = import_packages(engine, s, [package])
    again = import_packages(engine, s, [package])
    assert [r.stored for r in first] == [True] and [r.stored for r in again] == [False]
    with engine.connect() as conn:
        rows = conn.execute(exchanged_documents.select()).mappings().all()
    assert len(rows) == 1 and rows[0]["number"] == "01" and rows[0]["notation"] == "BC-VP"
    engine.dispose()


def test_status_package_and_refused_packages(
    settings: Settings, sqlite_url: str, tmp_path: Path
) -> None:
    from reports.store.db import open_store

    engine = open_store(sqlite_url)
    status = tmp_path / "status.edxml"
    status.write_text(
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><SOAP-ENV:Header><edXML:Status>'
        "<edXML:ResponseFor><edXML:OrganId>000.00.00.H26</edXML:OrganId>"
        "<edXML:DocumentId>000.00.00.H26,2020/09/28,01/BC-VP</edXML:DocumentId></edXML:ResponseFor>"
        "<edXML:StatusCode>03</edXML:StatusCode><edXML:Timestamp>2020/09/29 08:00:00</edXML:Timestamp>"
        "</edXML:Status></SOAP-ENV:Header><SOAP-ENV:Body/></SOAP-ENV:Envelope>",
        encoding="utf-8",
    )
    (done,) = import_packages(engine, settings, [status])
    assert done.kind == "status" and done.stored
    wrong_root = tmp_path / "x.edxml"
    wrong_root.write_text("<other/>", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"/other: phần tử gốc không phải edXML"):
        import_packages(engine, settings, [wrong_root])
    bad = tmp_path / "bad.edxml"
    bad.write_text(
        '<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader><MessageHeader>'
        "<DocumentId>a,2020/01/01,1/X</DocumentId></MessageHeader></edXMLHeader></edXMLEnvelope>"
        "<AttachmentEncoded><Attachment><ContentTransferEncoded>@@not base64@@</ContentTransferEncoded>"
        "</Attachment></AttachmentEncoded></edXML>",
        encoding="utf-8",
    )
    with pytest.raises(
        FileFormatError,
        match=r"/edXML/AttachmentEncoded/Attachment/ContentTransferEncoded: không phải base64",
    ):
        import_packages(engine, settings, [bad])
    entity = tmp_path / "entity.edxml"
    entity.write_text(
        '<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader><MessageHeader>'
        "<DocumentId>a,2020/01/01,2/X</DocumentId><Subject>&x;</Subject></MessageHeader></edXMLHeader>"
        "</edXMLEnvelope></edXML>",
        encoding="utf-8",
    )
    import_packages(engine, settings, [entity])
    with engine.connect() as conn:
        subject = (
            conn.execute(
                exchanged_documents.select().where(
                    exchanged_documents.c.document_id == "a,2020/01/01,2/X"
                )
            )
            .mappings()
            .one()["subject"]
        )
    assert subject is None or "root:" not in subject
    engine.dispose()


def test_replacement_package_names_the_replaced_document(
    settings: Settings,
    smtp_server: SmtpServer,
    sqlite_url: str,
    sample: dict[str, Path],  # noqa: F811
) -> None:
    engine = _store(sqlite_url, sample)
    s = _approval_settings(settings, smtp_server)
    first = run_job(engine, s, _job(s), WEEK).run_id
    approval.approve(engine, s, first, APPROVER, now=APPROVED_ON)  # type: ignore[arg-type]
    correction = run_job(engine, s, _job(s), WEEK, force=True).run_id
    approval.approve(engine, s, correction, APPROVER, now=APPROVED_ON)  # type: ignore[arg-type]
    s = replace(s, office=replace(s.office, organ_id="000.00.00.H26"))
    root = etree.fromstring(edxml_package(engine, s, correction))  # type: ignore[arg-type]
    business = root.find("e:edXMLEnvelope/e:edXMLHeader/e:TraceHeaderList/e:Bussiness", NS)
    assert business is not None
    assert business.findtext("e:BussinessDocType", namespaces=NS) == "3"
    old = approval.draft(engine, first)  # type: ignore[arg-type]
    assert business.findtext(
        "e:ReplacementInfoList/e:ReplacementInfo/e:DocumentId", namespaces=NS
    ) == (f"000.00.00.H26,{old.issued_on:%Y/%m/%d},01/BC-VP")
    assert (
        root.findtext(
            "e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader/e:Code/e:CodeNumber", namespaces=NS
        )
        == "02"
    )
    engine.dispose()
