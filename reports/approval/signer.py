"""Who signed, with what certificate, and whether it is trusted: the certificate side of a
signed PDF's check, in Vietnamese.

pyHanko's validation does not raise for a certificate problem: it records an AdES
sub-indication, several of which are ambiguous (expired, not yet valid, self-signed, wrong key
usage). The signer's certificate is therefore validated again here, offline, to name the
reason. Trust comes only from ``signing.trust_roots`` (with ``signing.other_certs`` for the
intermediates the signing tool leaves out), never from the operating system's store.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from reports.core.errors import ApprovalError
from reports.settings.load import Settings

KEY_USAGE = frozenset({"non_repudiation"})
"""A report's signature needs a certificate for non-repudiation (pyHanko's default)."""


@dataclass(frozen=True)
class SignatureReport:
    """What the rules require a verifier to show (Thông tư 15/2025/TT-BKHCN): issuer, signer,
    organisation, signing time, integrity, validity at signing time, validity period."""

    signer: str
    organisation: str
    emails: tuple[str, ...]
    issuer: str
    serial: str
    sha256: str
    valid_from: datetime
    valid_to: datetime
    signed_at: datetime | None
    integrity: str
    validity: str
    revocation: str

    def lines(self, tz: Any) -> list[str]:
        """The report in Vietnamese, one line per field, times in ``tz``."""

        def at(moment: datetime | None) -> str:
            return f"{moment.astimezone(tz):%H:%M:%S %d/%m/%Y}" if moment else "không có"

        return [
            f"Người ký: {self.signer}",
            f"Cơ quan, tổ chức: {self.organisation or 'không ghi'}",
            f"Thư điện tử: {', '.join(self.emails) or 'không ghi'}",
            f"Nơi cấp chứng thư số: {self.issuer}",
            f"Số hiệu chứng thư: {self.serial}",
            f"SHA-256 chứng thư: {self.sha256}",
            f"Thời hạn chứng thư: từ {at(self.valid_from)} đến {at(self.valid_to)}",
            f"Thời điểm ký (do người ký khai báo): {at(self.signed_at)}",
            f"Toàn vẹn: {self.integrity}",
            f"Hiệu lực tại thời điểm ký: {self.validity}",
            f"Tình trạng thu hồi: {self.revocation}",
        ]

    @classmethod
    def from_json(cls, text: str) -> SignatureReport:
        data = json.loads(text)
        for key in ("valid_from", "valid_to", "signed_at"):
            data[key] = datetime.fromisoformat(data[key]) if data[key] else None
        data["emails"] = tuple(data["emails"])
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def to_json(self, **extra: str) -> str:
        data: dict[str, Any] = {**asdict(self), **extra}
        for key in ("valid_from", "valid_to", "signed_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return json.dumps(data, ensure_ascii=False)


def load_certificates(paths: tuple[str, ...]) -> list[Any]:
    """asn1crypto certificates from PEM (one or more) or DER files."""
    from asn1crypto import pem, x509

    out: list[Any] = []
    for name in paths:
        data = Path(name).read_bytes()
        if pem.detect(data):
            out.extend(x509.Certificate.load(der) for _, _, der in pem.unarmor(data, True))
        else:
            out.append(x509.Certificate.load(data))
    return out


def context(settings: Settings, **extra: Any) -> Any:
    """A fresh offline validation context from the settings' roots and intermediates."""
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=load_certificates(settings.signing.trust_roots),
        other_certs=load_certificates(settings.signing.other_certs),
        allow_fetching=False,
        **extra,
    )


def _reasons() -> list[tuple[type[Exception], str]]:
    from pyhanko_certvalidator.errors import (
        DisallowedAlgorithmError,
        ExpiredError,
        InsufficientRevinfoError,
        InvalidCertificateError,
        NotYetValidError,
        PathBuildingError,
        PathValidationError,
        RevokedError,
        ValidationError,
    )

    return [  # subclasses first
        (ExpiredError, "chứng thư số đã hết hạn"),
        (NotYetValidError, "chứng thư số chưa đến thời hạn có hiệu lực"),
        (RevokedError, "chứng thư số đã bị thu hồi"),
        (InsufficientRevinfoError, "không kiểm tra được tình trạng thu hồi của chứng thư số"),
        (DisallowedAlgorithmError, "thuật toán ký hoặc băm không được chấp nhận"),
        (PathBuildingError, "chứng thư số không do nơi cấp tin cậy phát hành"),
        (InvalidCertificateError, "_invalid"),
        (PathValidationError, "chuỗi chứng thư số không hợp lệ"),
        (ValidationError, "chứng thư số không hợp lệ"),
    ]


def certificate_problem(settings: Settings, cert: Any) -> str | None:
    """Why ``cert`` may not sign a report, in Vietnamese; None when it may."""
    from pyhanko_certvalidator import CertificateValidator

    validator = CertificateValidator(cert, validation_context=context(settings))
    try:
        asyncio.run(validator.async_validate_usage(set(KEY_USAGE)))  # type: ignore[no-untyped-call]
    except Exception as exc:  # noqa: BLE001 - mapped to a reason below, or re-raised
        for kind, reason in _reasons():
            if isinstance(exc, kind):
                if reason != "_invalid":
                    return reason
                if cert.self_signed != "no":
                    return "chứng thư số tự ký (không do nơi cấp chứng thư số nào phát hành)"
                return "chứng thư số không dùng để ký văn bản (thiếu mục đích chống chối bỏ)"
        return "chứng thư số không hợp lệ"
    return None


def first_name(cert: Any) -> str:
    """The common name of ``cert``'s subject."""
    return _first(cert.subject, "common_name")


def _first(name: Any, key: str) -> str:
    value = name.native.get(key)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")


def emails_of(cert: Any) -> tuple[str, ...]:
    """The e-mail addresses of ``cert``: its subject's, then its SubjectAltName's."""
    found = [_first(cert.subject, "email_address")]
    san = cert.subject_alt_name_value
    found += [str(gn.native) for gn in (san or []) if gn.name == "rfc822_name"]
    out: list[str] = []
    for e in found:
        if e and e.casefold() not in (o.casefold() for o in out):
            out.append(e)
    return tuple(out)


def revocation_state(settings: Settings, cert: Any) -> str:
    """ "không áp dụng" when the certificate names no CRL or OCSP service; otherwise
    "không xác định": baocao fetches nothing (offline), and supplies no CRL of its own."""
    if not (cert.crl_distribution_points or cert.ocsp_urls):
        return "không áp dụng (chứng thư không khai báo nơi kiểm tra thu hồi)"
    return "không xác định (không kiểm tra trực tuyến)"


def describe(settings: Settings, status: Any, validity: str) -> SignatureReport:
    cert = status.signing_cert
    return SignatureReport(
        signer=_first(cert.subject, "common_name"),
        organisation=_first(cert.subject, "organization_name"),
        emails=emails_of(cert),
        issuer=_first(cert.issuer, "common_name"),
        serial=format(cert.serial_number, "X"),
        sha256=cert.sha256.hex().upper(),
        valid_from=cert.not_valid_before,
        valid_to=cert.not_valid_after,
        signed_at=status.signer_reported_dt,
        integrity="nguyên vẹn" if status.intact and status.valid else "không nguyên vẹn",
        validity=validity,
        revocation=revocation_state(settings, cert),
    )


def require_signer(settings: Settings, report: SignatureReport, approver: str) -> None:
    """The certificate is the approver's: listed for them in ``signing.signer_certificates``,
    or (none listed) one of its e-mail addresses is theirs."""
    listed = [
        e.split()[1].replace(":", "").upper()
        for e in settings.signing.signer_certificates
        if e.split()[0].casefold() == approver.casefold()
    ]
    if listed:
        ok = report.sha256 in listed
    else:
        ok = approver.casefold() in (e.casefold() for e in report.emails)
    if not ok:
        raise ApprovalError(
            f"Chữ ký không phải của người đã duyệt ({approver}): chứng thư số của "
            f"{report.signer} ({', '.join(report.emails) or 'không ghi thư điện tử'}). Người đã "
            "duyệt ký bằng chứng thư số của mình, hoặc khai chứng thư của họ trong "
            "signing.signer_certificates."
        )
