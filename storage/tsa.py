"""RFC 3161 trusted time for checkpoints: a TimeStampReq over HTTP to ``EVIDENCE_TSA_URL``.

The request is small enough to write by hand in DER: version 1, the SHA-256 message imprint
of the signed note, a random nonce, and a request for the TSA's certificate in the reply.
The reply (a TimeStampResp, DER) is stored beside the checkpoint as it came; it is checked
here only for a granted status, the nonce and the imprint, and verified offline in full by
whoever holds it (``openssl ts -verify``).
"""

from __future__ import annotations

import hashlib
import secrets
import urllib.error
import urllib.request

from evidence.errors import StoreError

SHA256_OID = bytes.fromhex("0609608648016503040201")
TIMEOUT_SECONDS = 30


def _tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(encoded)]) + encoded + content


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def timestamp_request(data: bytes, nonce: int) -> bytes:
    algorithm = _tlv(0x30, SHA256_OID + b"\x05\x00")
    imprint = _tlv(0x30, algorithm + _tlv(0x04, hashlib.sha256(data).digest()))
    return _tlv(0x30, _integer(1) + imprint + _integer(nonce) + b"\x01\x01\xff")


def _read(der: bytes, offset: int) -> tuple[int, int, int]:
    """Tag, start of content and end of content of the DER element at ``offset``."""
    tag, length = der[offset], der[offset + 1]
    start = offset + 2
    if length & 0x80:
        size = length & 0x7F
        length = int.from_bytes(der[start : start + size], "big")
        start += size
    return tag, start, start + length


def granted_status(reply: bytes) -> int:
    """The PKIStatus of a TimeStampResp (0 granted, 1 granted with modifications)."""
    tag, start, _ = _read(reply, 0)
    info_tag, info_start, _ = _read(reply, start)
    status_tag, status_start, status_end = _read(reply, info_start)
    if (tag, info_tag, status_tag) != (0x30, 0x30, 0x02):
        raise ValueError("not a TimeStampResp")
    return int.from_bytes(reply[status_start:status_end], "big")


class HttpTimeStamper:
    def __init__(self, url: str) -> None:
        self.url = url

    def stamp(self, data: bytes) -> bytes:
        nonce = secrets.randbits(63)
        request = urllib.request.Request(  # noqa: S310 - the operator's configured TSA URL
            self.url,
            data=timestamp_request(data, nonce),
            headers={"Content-Type": "application/timestamp-query"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                reply = response.read()
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"time-stamping authority {self.url}: not reachable ({exc})") from exc
        try:
            status = granted_status(reply)
        except (ValueError, IndexError) as exc:
            raise StoreError(f"time-stamping authority {self.url}: not an RFC 3161 reply") from exc
        if status not in (0, 1):
            raise StoreError(f"time-stamping authority {self.url}: refused (status {status})")
        digest = hashlib.sha256(data).digest()
        if digest not in reply or _integer(nonce) not in reply:
            raise StoreError(
                f"time-stamping authority {self.url}: the token is not for this checkpoint "
                "(imprint or nonce differ)"
            )
        return reply
