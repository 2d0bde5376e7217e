"""Write the edXML package of an issued report: header, trace, manifest and the frozen files.

The structure follows the open SDK samples of QCVN 102:2016 (docs/forms.md says what was
checked): root ``edXML`` in the namespace, ``edXML:edXMLEnvelope`` with ``edXMLHeader``
(``MessageHeader``, ``TraceHeaderList``, ``DigitalSignature``) and ``edXMLBody`` (the manifest),
then ``AttachmentEncoded`` with the files in base64.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from lxml import etree
from sqlalchemy.engine import Engine

from reports import approval
from reports.approval import register
from reports.core.errors import ApprovalError, ConfigError
from reports.core.period_names import period_subject
from reports.settings.load import Settings
from reports.store.schema import approvals

XLINK = "http://www.w3.org/1999/xlink"
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
NEW, REPLACE = "0", "3"
"""BussinessDocType: 0 a new document, 3 one that replaces another (1 revoke, 2 update)."""


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes
    description: str


def _day(d: date) -> str:
    return d.strftime("%Y/%m/%d")


def document_id(organ_id: str, issued_on: date, reference: str) -> str:
    """``000.00.00.H26,2021/04/05,01/BC-VP``: the sender, the date and the số/ký hiệu."""
    return f"{organ_id},{_day(issued_on)},{reference}"


def _attachments(engine: Engine, d: approval.Draft) -> list[Attachment]:
    """The signed PDF (else the approved PDF, else the Word file) and the workbook, as frozen."""
    files = list(d.final_files)
    signed = [f for f in files if f.path.name.endswith("-da-ky.pdf")]
    pdfs = [f for f in files if f.path.suffix == ".pdf"]
    main = signed or pdfs or [f for f in files if f.path.suffix == ".docx"]
    chosen = [(main[0], "Văn bản")] if main else []
    chosen += [(f, "Phụ lục số liệu") for f in files if f.path.suffix == ".xlsx"]
    out = []
    for f, description in chosen:
        data = register.stored_file(engine, f.sha256)
        if data is None:
            raise ApprovalError(
                f"Không còn bản lưu của tệp {f.path.name} (văn bản số {d.reference})."
            )
        out.append(Attachment(f.path.name, CONTENT_TYPES[f.path.suffix], data, description))
    return out


def edxml_package(engine: Engine, settings: Settings, run_id: int) -> bytes:
    """The package of the report issued by run #``run_id`` (approved and numbered)."""
    organ_id = settings.office.organ_id.strip()
    if not organ_id:
        raise ConfigError(
            "office.organ_id",
            "chưa khai báo mã định danh của cơ quan (Quyết định 20/2020/QĐ-TTg), cần để lập gói "
            'edXML; thêm organ_id = "000.00.00.H26" (mã của cơ quan) vào [office] trong '
            "baocao.toml",
            settings.source,
        )
    d = approval.draft(engine, run_id)
    if d.state not in (approval.APPROVED, approval.RELEASED) or d.number is None:
        raise ApprovalError(
            f"Lần chạy #{run_id} chưa có văn bản ban hành ({approval.STATE_VI[d.state]}); chỉ "
            "văn bản đã duyệt và có số mới lập được gói edXML."
        )
    assert d.issued_on is not None and d.reference is not None and d.prefix is not None
    report = approval.report_of(engine, d.id)
    ns = settings.edxml.namespace
    e = f"{{{ns}}}"

    def sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        node = etree.SubElement(parent, e + name)
        if text is not None:
            node.text = text
        return node

    root = etree.Element(e + "edXML", nsmap={None: ns, "edXML": ns, "xlink": XLINK})
    envelope = sub(root, "edXMLEnvelope")
    header = sub(envelope, "edXMLHeader")
    message = sub(header, "MessageHeader")
    sender = sub(message, "From")
    sub(sender, "OrganId", organ_id)
    sub(sender, "OrganizationInCharge", report.parent_body)
    sub(sender, "OrganName", f"{report.issuing_body} {report.parent_body}".strip())
    for target in settings.edxml.to:
        sub(sub(message, "To"), "OrganId", target)
    code = sub(message, "Code")
    sub(code, "CodeNumber", f"{d.number:02d}")
    sub(code, "CodeNotation", d.prefix)
    promulgation = sub(message, "PromulgationInfo")
    sub(promulgation, "Place", report.place)
    sub(promulgation, "PromulgationDate", _day(d.issued_on))
    kind = sub(message, "DocumentType")
    sub(kind, "Type", settings.edxml.document_type)
    sub(kind, "TypeName", "Báo cáo")
    sub(kind, "TypeDetail", "0")
    subject = (
        f"Kết quả chỉ đạo, điều hành nổi bật của {report.subject} {period_subject(report.period)}"
    )
    sub(message, "Subject", subject)
    signer = sub(message, "SignerInfo")
    sub(signer, "Competence", report.signer_authority)
    sub(signer, "Position", report.signer_title)
    sub(signer, "FullName", report.signer_name)
    places = sub(message, "ToPlaces")
    for place in report.recipients:
        sub(places, "Place", place.strip().rstrip(";.").strip())
    sub(message, "SteeringType", "0")
    sub(message, "DocumentId", document_id(organ_id, d.issued_on, d.reference))

    trace = sub(header, "TraceHeaderList")
    trace.set("version", "1.0")
    trace_header = sub(trace, "TraceHeader")
    sub(trace_header, "OrganId", organ_id)
    at = (d.decided_at or datetime.combine(d.issued_on, datetime.min.time())).astimezone(
        settings.tz
    )
    sub(trace_header, "Timestamp", at.strftime("%Y/%m/%d %H:%M:%S"))
    business = sub(trace, "Bussiness")
    replaced = _replaced_id(engine, organ_id, d.replaces_id)
    sub(business, "BussinessDocType", REPLACE if replaced else NEW)
    sub(business, "BussinessDocReason", report.replaces if replaced else "")
    if replaced:
        sub(sub(sub(business, "ReplacementInfoList"), "ReplacementInfo"), "DocumentId", replaced)
    sub(business, "Paper", "0")
    sub(header, "DigitalSignature")

    manifest = sub(sub(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    encoded = sub(root, "AttachmentEncoded")
    for n, a in enumerate(_attachments(engine, d)):
        cid = str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"{document_id(organ_id, d.issued_on, d.reference)}/{n}")
        )
        ref = sub(manifest, "Reference")
        ref.set(f"{{{XLINK}}}href", f"cid:{cid}")
        ref.set(f"{{{XLINK}}}type", "simple")
        sub(ref, "Description", a.description)
        sub(ref, "AttachmentName", a.name)
        sub(ref, "ContentType", a.content_type)
        sub(ref, "ContentId", f"cid:{cid}")
        item = sub(encoded, "Attachment")
        sub(item, "ContentType", a.content_type)
        sub(item, "ContentId", cid)
        sub(item, "Description", a.description)
        sub(item, "ContentTransferEncoded", base64.b64encode(a.data).decode("ascii"))
        sub(item, "AttachmentName", a.name)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _replaced_id(engine: Engine, organ_id: str, replaces_id: int | None) -> str | None:
    if replaces_id is None:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(approvals.c.number, approvals.c.prefix, approvals.c.issued_on).where(
                approvals.c.id == replaces_id
            )
        ).first()
    if row is None or row.number is None:
        return None
    return document_id(organ_id, row.issued_on, register.reference(row.number, row.prefix))


def write_edxml(engine: Engine, settings: Settings, run_id: int, out: Path) -> Path:
    """Write the package of run #``run_id`` to ``out``; it appears only complete."""
    from reports.core.files import atomic_output

    data = edxml_package(engine, settings, run_id)
    with atomic_output(out) as tmp:
        tmp.write_bytes(data)
    return out
