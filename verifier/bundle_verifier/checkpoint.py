"""Signed checkpoints: a C2SP ``tlog-checkpoint`` body inside a C2SP ``signed-note``.

A note is its body (lines ending in newline), a blank line, then one or more signature lines
``— <key name> <base64(key id || signature)>``. For Ed25519 the key id is the first four
bytes of SHA-256(name || "\\n" || 0x01 || public key) and the signature covers the body's
bytes. A checkpoint body is the origin, the tree size in decimal and the base64 root hash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bundle_verifier.errors import VerificationError

SIGNATURE_PREFIX = "\u2014 "
ED25519_TYPE = b"\x01"
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(name: str, public_key_raw: bytes) -> bytes:
    hashed = name.encode("utf-8") + b"\n" + ED25519_TYPE + public_key_raw
    return hashlib.sha256(hashed).digest()[:4]


def sign_note(body: str, name: str, private_key: Ed25519PrivateKey) -> str:
    data = body.encode("utf-8")
    signature = private_key.sign(data)
    ident = key_id(name, raw_public(private_key.public_key()))
    return f"{body}\n{SIGNATURE_PREFIX}{name} {base64.b64encode(ident + signature).decode()}\n"


def sign_checkpoint(checkpoint: Checkpoint, name: str, private_key: Ed25519PrivateKey) -> str:
    return sign_note(checkpoint.body(), name, private_key)


def open_note(note: str, name: str, public_key: Ed25519PublicKey) -> str:
    """The note's body, once a signature by ``name`` with ``public_key`` verifies."""
    if not note.endswith("\n") or "\n\n" not in note:
        raise VerificationError("not a signed note (no blank line before the signatures)")
    split = note.rindex("\n\n")
    body, signature_block = note[: split + 1], note[split + 2 :]
    expected_id = key_id(name, raw_public(public_key))
    named_other_keys = 0
    for line in signature_block.splitlines():
        if not line.startswith(SIGNATURE_PREFIX) or " " not in line[len(SIGNATURE_PREFIX) :]:
            raise VerificationError(f"malformed signature line {line!r}")
        signer, _, encoded = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise VerificationError(f"signature line for {signer}: not base64") from exc
        if signer != name:
            continue
        if len(blob) != 4 + 64 or blob[:4] != expected_id:
            named_other_keys += 1
            continue
        try:
            public_key.verify(blob[4:], body.encode("utf-8"))
        except InvalidSignature as exc:
            raise VerificationError(
                f"the signature by {name} does not match the note's text; the note was "
                "changed after it was signed"
            ) from exc
        return body
    if named_other_keys:
        raise VerificationError(
            f"signed as {name} but by another key (key id differs from "
            f"{expected_id.hex()}); it was not signed with this bundle's key"
        )
    raise VerificationError(f"carries no signature by {name}")


def parse_checkpoint(body: str) -> Checkpoint:
    lines = body.split("\n")
    if len(lines) < 4:
        raise VerificationError("checkpoint body has fewer than three lines")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not origin:
        raise VerificationError("checkpoint has an empty origin line")
    if not _DECIMAL.fullmatch(size_text):
        raise VerificationError(f"checkpoint tree size {size_text!r} is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VerificationError(f"checkpoint root hash {root_text!r} is not base64") from exc
    if len(root) != 32:
        raise VerificationError(f"checkpoint root hash is {len(root)} bytes, not 32")
    return Checkpoint(origin=origin, size=int(size_text), root=root)


def open_checkpoint(note: str, name: str, public_key: Ed25519PublicKey) -> Checkpoint:
    """Verify the note's signature by ``name`` and parse its checkpoint; origin must be name."""
    checkpoint = parse_checkpoint(open_note(note, name, public_key))
    if checkpoint.origin != name:
        raise VerificationError(
            f"checkpoint origin {checkpoint.origin!r} is not the signer's name {name!r}"
        )
    return checkpoint
