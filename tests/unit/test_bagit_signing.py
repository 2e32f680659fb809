"""Our BagIt writer and checker against the reference ``bagit`` package, and signing keys."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path

import bagit
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bundle_verifier.bagit import check_bag
from bundle_verifier.keys import signature_valid
from evidence.bagit_writer import BagWriter
from evidence.errors import ConfigurationError, UnsafePath
from evidence.settings import Settings
from evidence.signing import signing_key


def write_bag(root: Path) -> Path:
    writer = BagWriter(root)
    writer.add_payload_bytes("a/one.txt", b"one\n")
    writer.add_payload_bytes("two 100.bin", bytes(range(256)) * 4096)
    writer.add_tag_file("extra.txt", b"tag\n")
    writer.finish([("Source-Organization", "Test")], date(2026, 11, 25))
    return root


def test_written_bag_is_valid_for_bagit_and_for_our_check(tmp_path: Path) -> None:
    root = write_bag(tmp_path / "bag")
    bag = bagit.Bag(str(root))
    bag.validate()
    assert set(bag.algorithms) == {"sha256", "sha512"}
    assert bag.info["Payload-Oxum"] == f"{4 + 256 * 4096}.2"
    check = check_bag(root)
    assert check.problems == []
    assert set(check.payload) == {"data/a/one.txt", "data/two 100.bin"}


def test_check_names_every_problem(tmp_path: Path) -> None:
    root = write_bag(tmp_path / "bag")
    (root / "data/a/one.txt").write_bytes(b"One\n")
    (root / "data/two 100.bin").unlink()
    (root / "data/stray.txt").write_bytes(b"x")
    (root / "extra.txt").write_bytes(b"changed\n")
    problems = "\n".join(check_bag(root).problems)
    assert "data/a/one.txt: SHA256 does not match manifest-sha256.txt" in problems
    assert "data/a/one.txt: SHA512 does not match manifest-sha512.txt" in problems
    assert "data/two 100.bin: listed in the manifests but missing" in problems
    assert "data/stray.txt: in data/ but in no payload manifest" in problems
    assert "extra.txt: SHA256 does not match tagmanifest-sha256.txt" in problems
    assert "Payload-Oxum" in problems


def test_payload_paths_cannot_escape_the_bag(tmp_path: Path) -> None:
    writer = BagWriter(tmp_path / "bag")
    for bad in ("../x", "/etc/passwd", "a/../../x"):
        with pytest.raises(UnsafePath):
            writer.add_payload_bytes(bad, b"x")


def test_default_key_is_generated_once_readable_by_owner_only(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    first = signing_key(settings)
    path = tmp_path / "keys" / "bundle-signing-key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = signing_key(settings)
    assert first.fingerprint == second.fingerprint
    assert first.fingerprint.startswith("SHA256:") and len(first.fingerprint) == 71
    signature = first.sign(b"manifest")
    assert signature_valid(second.public, b"manifest", signature)
    assert not signature_valid(second.public, b"manifest!", signature)


def test_configured_key_is_used_and_a_bad_one_is_a_clear_error(tmp_path: Path) -> None:
    private = Ed25519PrivateKey.generate()
    pem = tmp_path / "org.pem"
    pem.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key = signing_key(Settings(home=tmp_path, signing_key=pem))
    assert signature_valid(private.public_key(), b"x", key.sign(b"x"))
    assert not (tmp_path / "keys").exists()
    (tmp_path / "bad.pem").write_text("not a key")
    with pytest.raises(ConfigurationError, match=r"bad\.pem: not an unencrypted PEM"):
        signing_key(Settings(home=tmp_path, signing_key=tmp_path / "bad.pem"))
    with pytest.raises(ConfigurationError, match="cannot be read"):
        signing_key(Settings(home=tmp_path, signing_key=tmp_path / "missing.pem"))
