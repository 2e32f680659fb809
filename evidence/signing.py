"""Ed25519 signing keys for CPS bundles: the exporting organisation's key.

The key is ``EVIDENCE_SIGNING_KEY`` (a PEM private key) when set; otherwise one is generated
on first use at ``EVIDENCE_HOME/keys/bundle-signing-key.pem``, readable by its owner only.
A key's fingerprint is ``SHA256:`` and the hex SHA-256 of its raw 32-byte public key.
Verification lives in the standalone verifier (``bundle_verifier``), so there is one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bundle_verifier.keys import fingerprint
from evidence.errors import ConfigurationError
from evidence.settings import Settings

DEFAULT_KEY_NAME = "bundle-signing-key.pem"


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def public_pem(self) -> bytes:
        return public_pem(self.public)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public)

    def sign(self, data: bytes) -> bytes:
        """A detached 64-byte Ed25519 signature over ``data``."""
        return self.private.sign(data)


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def signing_key(settings: Settings) -> SigningKey:
    """The organisation's key: the configured one, or the default, generated on first use."""
    if settings.signing_key is not None:
        return _load_private(settings.signing_key.expanduser())
    path = settings.resolved_home / "keys" / DEFAULT_KEY_NAME
    if not path.exists():
        _generate(path)
    return _load_private(path)


def _load_private(path: Path) -> SigningKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise ConfigurationError(
            f"signing key {path}: cannot be read ({exc.strerror}); check EVIDENCE_SIGNING_KEY"
        ) from exc
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"signing key {path}: not an unencrypted PEM private key ({exc})"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"signing key {path}: not an Ed25519 key")
    return SigningKey(key)


def _generate(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
        out.flush()
        os.fsync(out.fileno())
