"""C2SP signed notes and tlog checkpoints: known answers and every way a note must fail."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bundle_verifier.checkpoint import (
    Checkpoint,
    key_id,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    raw_public,
    sign_checkpoint,
    sign_note,
)
from bundle_verifier.errors import VerificationError

# The example of golang.org/x/mod/sumdb/note's package documentation.
PETER_PRIVATE = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_PUBLIC = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_NOTE = (
    PETER_TEXT + "\n\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ORIGIN = "Thames Valley Police/bwv-evidence/0123456789abcdef"


def peter_keys() -> tuple[Ed25519PrivateKey, Ed25519PublicKey]:
    seed = base64.b64decode(PETER_PRIVATE.split("+", 4)[4])[1:]
    raw = base64.b64decode(PETER_PUBLIC.split("+", 2)[2])
    assert raw[0] == 1
    return Ed25519PrivateKey.from_private_bytes(seed), Ed25519PublicKey.from_public_bytes(raw[1:])


def test_the_go_note_example_signs_and_opens_byte_for_byte() -> None:
    private, public = peter_keys()
    assert key_id("PeterNeumann", raw_public(public)).hex() == "c74f20a3"
    assert sign_note(PETER_TEXT, "PeterNeumann", private) == PETER_NOTE
    assert open_note(PETER_NOTE, "PeterNeumann", public) == PETER_TEXT


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def note(key: Ed25519PrivateKey) -> str:
    return sign_checkpoint(Checkpoint(ORIGIN, 17, bytes(range(32))), ORIGIN, key)


def test_a_signed_checkpoint_opens_to_what_was_signed(key: Ed25519PrivateKey, note: str) -> None:
    root_b64 = base64.b64encode(bytes(range(32))).decode()
    assert note.startswith(f"{ORIGIN}\n17\n{root_b64}\n\n\u2014 {ORIGIN} ")
    assert open_checkpoint(note, ORIGIN, key.public_key()) == Checkpoint(
        ORIGIN, 17, bytes(range(32))
    )


def test_a_note_signed_by_another_key_is_rejected(note: str) -> None:
    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(VerificationError, match="by another key"):
        open_checkpoint(note, ORIGIN, other)


def test_an_edited_body_is_rejected(key: Ed25519PrivateKey, note: str) -> None:
    edited = note.replace("\n17\n", "\n18\n", 1)
    with pytest.raises(VerificationError, match="changed after it was signed"):
        open_checkpoint(edited, ORIGIN, key.public_key())


def test_a_wrong_key_name_is_rejected(key: Ed25519PrivateKey, note: str) -> None:
    with pytest.raises(VerificationError, match="no signature by Other/bwv-evidence/x"):
        open_checkpoint(note, "Other/bwv-evidence/x", key.public_key())
    # Signed under a name that is not its origin: the signature holds, the origin does not.
    renamed = sign_checkpoint(Checkpoint(ORIGIN, 1, bytes(32)), "Other", key)
    with pytest.raises(VerificationError, match="is not the signer's name"):
        open_checkpoint(renamed, "Other", key.public_key())


def test_a_forged_signature_under_the_right_key_id_is_rejected(
    key: Ed25519PrivateKey, note: str
) -> None:
    body, _, line = note.rpartition("\u2014 ")
    blob = base64.b64decode(line.rsplit(" ", 1)[1])
    forged = blob[:4] + bytes(64)
    text = f"{body}\u2014 {ORIGIN} {base64.b64encode(forged).decode()}\n"
    with pytest.raises(VerificationError, match="changed after it was signed"):
        open_checkpoint(text, ORIGIN, key.public_key())


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("just text\n", "not a signed note"),
        ("a\n1\nAAAA\n\nnot a signature\n", "malformed signature line"),
        ("a\n1\nAAAA\n\n\u2014 a !!!\n", "not base64"),
    ],
)
def test_malformed_notes_are_named(key: Ed25519PrivateKey, text: str, reason: str) -> None:
    with pytest.raises(VerificationError, match=reason):
        open_note(text, "a", key.public_key())


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("origin\n", "fewer than three lines"),
        ("origin\n01\nAAAA\n", "not a decimal number"),
        ("origin\n-1\nAAAA\n", "not a decimal number"),
        ("origin\n1\n***\n", "not base64"),
        ("origin\n1\nAAAA\n", "3 bytes, not 32"),
    ],
)
def test_malformed_checkpoint_bodies_are_named(body: str, reason: str) -> None:
    with pytest.raises(VerificationError, match=reason):
        parse_checkpoint(body)
