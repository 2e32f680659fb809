"""RFC 3161 time-stamp tokens over checkpoint notes, verified with ``cryptography`` alone.

A token (``log/checkpoint.tsr``, a DER TimeStampResp) proves that a time-stamping authority
(TSA) saw the note's exact bytes at its genTime. Checked: the response was granted; the
TSTInfo's message imprint is the note's digest; the signed attributes name the TSTInfo's
digest and content type; the signature verifies with the TSA certificate the token carries,
which is marked for time stamping and valid at genTime. With trusted TSA certificates
(``--tsa-ca``) the signer must be one of them or directly issued by one; without, the
report says the TSA itself was not checked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from bundle_verifier import der
from bundle_verifier.errors import VerificationError

SIGNED_DATA = "1.2.840.113549.1.7.2"
TST_INFO = "1.2.840.113549.1.9.16.1.4"
CONTENT_TYPE = "1.2.840.113549.1.9.3"
MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
DIGESTS: dict[str, tuple[str, hashes.HashAlgorithm]] = {
    "2.16.840.1.101.3.4.2.1": ("sha256", hashes.SHA256()),
    "2.16.840.1.101.3.4.2.2": ("sha384", hashes.SHA384()),
    "2.16.840.1.101.3.4.2.3": ("sha512", hashes.SHA512()),
}


@dataclass(frozen=True)
class Timestamp:
    time: datetime
    tsa: str
    trusted: bool

    def as_dict(self) -> dict[str, Any]:
        return {"time": self.time.isoformat(), "tsa": self.tsa, "trusted": self.trusted}


def _digest(algorithm: der.Tlv, data: bytes) -> tuple[bytes, hashes.HashAlgorithm]:
    name = der.oid(algorithm.expect(der.SEQUENCE, "algorithm").children()[0])
    if name not in DIGESTS:
        raise VerificationError(f"uses digest algorithm {name}, which is not accepted")
    label, algorithm_object = DIGESTS[name]
    return hashlib.new(label, data).digest(), algorithm_object


def verify_timestamp(token: bytes, data: bytes, roots: list[x509.Certificate]) -> Timestamp:
    """Check ``token`` over ``data``; raises VerificationError naming the reason."""
    try:
        return _verify(token, data, roots)
    except (der.DerError, IndexError, ValueError) as exc:
        if isinstance(exc, VerificationError):
            raise
        raise VerificationError(f"not a readable RFC 3161 time-stamp response ({exc})") from exc


def _verify(token: bytes, data: bytes, roots: list[x509.Certificate]) -> Timestamp:
    response = der.parse(token).expect(der.SEQUENCE, "TimeStampResp").children()
    status = der.integer(response[0].expect(der.SEQUENCE, "PKIStatusInfo").children()[0])
    if status not in (0, 1) or len(response) < 2:
        raise VerificationError(f"the TSA did not grant the time stamp (status {status})")
    content_info = response[1].expect(der.SEQUENCE, "ContentInfo").children()
    if der.oid(content_info[0]) != SIGNED_DATA:
        raise VerificationError("the token is not CMS SignedData")
    signed = content_info[1].expect(0xA0, "content").only_child("content")
    parts = signed.expect(der.SEQUENCE, "SignedData").children()
    encap = parts[2].expect(der.SEQUENCE, "encapContentInfo").children()
    if der.oid(encap[0]) != TST_INFO:
        raise VerificationError("the token does not carry a TSTInfo")
    tst_der = encap[1].expect(0xA0, "eContent").only_child("eContent").expect(der.OCTET_STRING, "")
    tst = der.parse(tst_der.content).expect(der.SEQUENCE, "TSTInfo").children()
    imprint = tst[2].expect(der.SEQUENCE, "messageImprint").children()
    expected, _ = _digest(imprint[0], data)
    if imprint[1].expect(der.OCTET_STRING, "hashedMessage").content != expected:
        raise VerificationError("it stamps other bytes than this note's (message imprint differs)")
    gen_time = _generalized_time(tst[4].expect(der.GENERALIZED_TIME, "genTime").content)
    certificates = [
        x509.load_der_x509_certificate(c.encoded)
        for p in parts[3:-1]
        if p.tag == 0xA0
        for c in p.children()
    ]
    signer_info = parts[-1].expect(der.SET, "signerInfos").only_child("signerInfos").children()
    signer = _signer_certificate(signer_info[1], certificates)
    attributes = signer_info[3].expect(0xA0, "signedAttrs")
    digest, hash_algorithm = _digest(signer_info[2], tst_der.content)
    _check_attributes(attributes, digest)
    signed_bytes = bytes([der.SET]) + attributes.encoded[1:]
    signature = signer_info[5].expect(der.OCTET_STRING, "signature").content
    _check_signature(signer, signature, signed_bytes, hash_algorithm)
    _check_certificate(signer, gen_time)
    trusted = _trusted(signer, roots)
    if roots and not trusted:
        raise VerificationError(
            f"signed by {signer.subject.rfc4514_string()}, which no given TSA certificate issued"
        )
    return Timestamp(gen_time, signer.subject.rfc4514_string(), trusted)


def _generalized_time(raw: bytes) -> datetime:
    text = raw.decode("ascii")
    if not text.endswith("Z"):
        raise VerificationError(f"genTime {text!r} is not in UTC")
    whole, _, fraction = text[:-1].partition(".")
    moment = datetime.strptime(whole, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return moment.replace(microsecond=int((fraction or "0")[:6].ljust(6, "0")))


def _signer_certificate(sid: der.Tlv, certificates: list[x509.Certificate]) -> x509.Certificate:
    if not certificates:
        raise VerificationError("the token carries no TSA certificate to check it with")
    if sid.tag == der.SEQUENCE:
        serial = der.integer(sid.children()[1])
        matching = [c for c in certificates if c.serial_number == serial]
    else:
        matching = [
            c
            for c in certificates
            if c.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            == sid.content
        ]
    if not matching:
        raise VerificationError("the token does not carry the certificate that signed it")
    return matching[0]


def _check_attributes(attributes: der.Tlv, digest: bytes) -> None:
    values = {}
    for attribute in attributes.children():
        kind, value_set = attribute.expect(der.SEQUENCE, "Attribute").children()
        values[der.oid(kind)] = value_set.only_child("attribute value")
    if der.oid(values[CONTENT_TYPE]) != TST_INFO:
        raise VerificationError("its signed content type is not TSTInfo")
    if values[MESSAGE_DIGEST].expect(der.OCTET_STRING, "messageDigest").content != digest:
        raise VerificationError("its TSTInfo was changed after the TSA signed it")


def _check_signature(
    signer: x509.Certificate, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm
) -> None:
    key = signer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            raise VerificationError("the TSA key type is not supported")
    except InvalidSignature as exc:
        raise VerificationError("the TSA's signature does not verify") from exc


def _check_certificate(signer: x509.Certificate, when: datetime) -> None:
    try:
        usage = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or ExtendedKeyUsageOID.TIME_STAMPING not in usage:
        raise VerificationError("the signing certificate is not for time stamping")
    if not signer.not_valid_before_utc <= when <= signer.not_valid_after_utc:
        raise VerificationError("the TSA certificate was not valid at the stamped time")


def _trusted(signer: x509.Certificate, roots: list[x509.Certificate]) -> bool:
    for root in roots:
        if root == signer:
            return True
        try:
            signer.verify_directly_issued_by(root)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return True
    return False
