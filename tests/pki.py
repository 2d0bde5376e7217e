"""A throwaway PKI for signature tests: a root, an intermediate, leaves good and bad, made
with ``cryptography`` (no network, no openssl), and signing as the VGCA tool does (PAdES,
SHA-256, only the signer's certificate embedded)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

NOW = datetime.now(UTC)


@dataclass
class Identity:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    def pem(self, folder: Path, name: str) -> Path:
        path = folder / f"{name}.pem"
        path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        return path


def _name(cn: str, org: str | None = None, email: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    if email:
        attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(attrs)


def _usage(**on: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
         "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"),
        False,
    )  # fmt: skip
    flags.update(on)
    return x509.KeyUsage(**flags)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_ca(cn: str, issuer: Identity | None = None) -> Identity:
    key = _key()
    subject = _name(cn, "Ban Cơ yếu Thử nghiệm")
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=3650))
        .not_valid_after(NOW + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    return Identity(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


def make_leaf(
    issuer: Identity | None,
    email: str,
    *,
    cn: str = "Nguyễn Văn A",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    non_repudiation: bool = True,
    crl: bool = False,
) -> Identity:
    """A person's certificate from ``issuer`` (None: self-signed)."""
    key = _key()
    subject = _name(cn, "Văn phòng UBND Thử nghiệm", email)
    signer_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - timedelta(days=30))
        .not_valid_after(not_after or NOW + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _usage(digital_signature=True, content_commitment=non_repudiation), critical=True
        )
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()),
            critical=False,
        )
    )
    if crl:
        point = x509.DistributionPoint(
            [x509.UniformResourceIdentifier("http://crl.invalid/ca.crl")], None, None, None
        )
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return Identity(builder.sign(signer_key, hashes.SHA256()), key)


def _asn1(who: Identity) -> tuple[Any, Any]:
    from asn1crypto import keys
    from asn1crypto import x509 as ax509

    cert = ax509.Certificate.load(who.cert.public_bytes(serialization.Encoding.DER))
    key = keys.PrivateKeyInfo.load(
        who.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key


def sign(pdf: bytes, who: Identity, *, forge: bytes | None = None) -> bytes:
    """``pdf`` signed by ``who`` in one incremental update; with ``forge``, that same update
    also replaces page 1's content with ``forge`` (a tampered signing revision)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert, key = _asn1(who)
    signer = signers.SimpleSigner(
        signing_cert=cert, signing_key=key, cert_registry=SimpleCertificateStore()
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    if forge is not None:
        page = writer.root["/Pages"]["/Kids"][0].get_object()
        page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=forge))
        writer.update_container(page)
    meta = signers.PdfSignatureMetadata(
        field_name="ChuKyLanhDao", md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES
    )
    out = io.BytesIO()
    signers.PdfSigner(meta, signer).sign_pdf(writer, output=out)
    return out.getvalue()
