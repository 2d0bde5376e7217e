"""Read edXML packages: documents (number, date, author, trích yếu) into ``exchanged_documents``,
status packages as the processing state of a document already there or to come.

Packages come from outside: parsed without entities, network or huge trees; matched by local
name (the namespace of a provincial variant differs); a package that is not one is refused
with the element's path.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from lxml import etree
from sqlalchemy.engine import Engine

from reports.core.errors import FileFormatError
from reports.settings.load import Settings
from reports.store.schema import exchanged_documents

STATUS_VI = {
    "01": "đã đến",
    "02": "từ chối",
    "03": "đã tiếp nhận",
    "04": "đã phân công xử lý",
    "05": "đang xử lý",
    "06": "hoàn thành",
    "13": "lấy lại",
    "15": "đồng ý cập nhật, lấy lại",
    "16": "từ chối cập nhật, lấy lại",
}


@dataclass(frozen=True)
class PackageResult:
    file: str
    document_id: str
    kind: str
    """``document`` or ``status``."""
    stored: bool
    """False: the same package was imported before (nothing changed)."""

    def line(self) -> str:
        what = "văn bản" if self.kind == "document" else "trạng thái"
        done = "đã lưu" if self.stored else "đã có, không đổi"
        return f"{self.file} (edXML, {what}): {self.document_id}: {done}"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _path(node: etree._Element) -> str:
    parts = []
    current: etree._Element | None = node
    while current is not None:
        parts.append(_local(current))
        current = current.getparent()
    return "/" + "/".join(reversed(parts))


def _find(node: etree._Element, *names: str) -> etree._Element | None:
    for name in names:
        found = next((c for c in node if _local(c) == name), None)
        if found is None:
            return None
        node = found
    return node


def _text(node: etree._Element, *names: str) -> str | None:
    found = _find(node, *names)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _date(text: str | None) -> date | None:
    if not text:
        return None
    value = text.strip().split(" ")[0]
    for pattern in ("%Y/%m/%d", "%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _fail(file: str, node: etree._Element | str, problem: str) -> FileFormatError:
    where = node if isinstance(node, str) else _path(node)
    return FileFormatError(file, f"{where}: {problem}", "Tệp không phải gói edXML hợp lệ.")


def _document(file: str, root: etree._Element, limit: int) -> dict[str, object]:
    message = _find(root, "edXMLEnvelope", "edXMLHeader", "MessageHeader")
    if message is None:
        raise _fail(file, root, "thiếu edXMLEnvelope/edXMLHeader/MessageHeader")
    encoded = _find(root, "AttachmentEncoded")
    for attachment in encoded if encoded is not None else []:
        content = _find(attachment, "ContentTransferEncoded")
        if content is None:
            raise _fail(file, attachment, "thiếu ContentTransferEncoded")
        text = "".join((content.text or "").split())
        if len(text) * 3 // 4 > limit:
            raise _fail(file, content, f"tệp đính kèm lớn hơn giới hạn {limit // (1 << 20)} MB")
        try:
            base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _fail(file, content, f"không phải base64 hợp lệ ({exc})") from exc
    organ = _text(message, "From", "OrganId")
    number, notation = _text(message, "Code", "CodeNumber"), _text(message, "Code", "CodeNotation")
    issued = _date(_text(message, "PromulgationInfo", "PromulgationDate"))
    doc_id = _text(message, "DocumentId")
    if not doc_id:
        if not organ:
            raise _fail(file, message, "thiếu DocumentId và From/OrganId")
        reference = f"{number or ''}/{notation or ''}"
        doc_id = f"{organ},{issued.strftime('%Y/%m/%d') if issued else ''},{reference}"
    return {
        "document_id": doc_id,
        "organ_id": organ or doc_id.split(",")[0],
        "number": number,
        "notation": notation,
        "promulgated_on": issued,
        "author": _text(message, "From", "OrganName"),
        "subject": _text(message, "Subject"),
        "doc_type": _text(message, "DocumentType", "TypeName"),
    }


def _status(file: str, status: etree._Element) -> dict[str, object]:
    doc_id = _text(status, "ResponseFor", "DocumentId")
    code = _text(status, "StatusCode")
    if not doc_id or not code:
        raise _fail(file, status, "thiếu ResponseFor/DocumentId hoặc StatusCode")
    return {
        "document_id": doc_id,
        "organ_id": _text(status, "ResponseFor", "OrganId") or doc_id.split(",")[0],
        "status_code": code,
        "status_at": _text(status, "Timestamp"),
    }


def read_package(path: Path, settings: Settings) -> tuple[str, dict[str, object], str]:
    """(kind, values, SHA-256) of one package file."""
    file = str(path)
    data = path.read_bytes()
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise FileFormatError(
            file, f"không phải XML hợp lệ ({exc})", "Tệp không phải gói edXML."
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    limit = int(settings.edxml.max_attachment_mb * (1 << 20))
    if _local(root) == "edXML":
        return "document", _document(file, root, limit), digest
    if _local(root) == "Envelope":
        status = next((n for n in root.iter() if _local(n) == "Status"), None)
        if status is not None:
            return "status", _status(file, status), digest
    raise _fail(file, f"/{_local(root)}", "phần tử gốc không phải edXML (hay gói trạng thái)")


def import_packages(
    engine: Engine, settings: Settings, paths: Sequence[Path], now: datetime | None = None
) -> list[PackageResult]:
    """Read every package first (any bad one: nothing stored), then store them."""
    read = [(path, *read_package(path, settings)) for path in paths]
    now = now or datetime.now(UTC)
    out = []
    t = exchanged_documents
    with engine.begin() as conn:
        for path, kind, values, digest in read:
            doc_id = str(values["document_id"])
            old = conn.execute(sa.select(t).where(t.c.document_id == doc_id)).mappings().first()
            if old is None:
                conn.execute(sa.insert(t).values(**values, package_sha256=digest, imported_at=now))
                stored = True
            else:
                changed = {k: v for k, v in values.items() if old[k] != v}
                stored = bool(changed)
                if changed:
                    conn.execute(
                        sa.update(t)
                        .where(t.c.document_id == doc_id)
                        .values(**changed, package_sha256=digest, imported_at=now)
                    )
            out.append(PackageResult(str(path), doc_id, kind, stored))
    return out
