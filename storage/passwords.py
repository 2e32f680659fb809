"""Password hashing with Argon2id (argon2-cffi): the only module that knows the algorithm."""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

_dummy_lock = threading.Lock()
_dummy_hash: str | None = None


@cache
def _hasher() -> PasswordHasher:
    # Imported on first use: a command that never checks a password (most of the CLI) does
    # not pay for loading argon2.
    from argon2 import PasswordHasher

    return PasswordHasher()


def _dummy() -> str:
    # Checked against when the user name is unknown, so a wrong name costs as long as a wrong
    # password and the timing does not reveal which names exist. Computed once, on the first
    # password check whatever the name (so that first check costs the same for a known and an
    # unknown name), not at import: every command would otherwise pay for a hash at start-up.
    global _dummy_hash
    with _dummy_lock:
        if _dummy_hash is None:
            _dummy_hash = _hasher().hash("not a real password: timing equaliser")
        return _dummy_hash


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    dummy = _dummy()
    try:
        return _hasher().verify(password_hash or dummy, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


class Argon2Passwords:
    """The ``PasswordHasher`` port: Argon2id, with the unknown-name timing equaliser."""

    def hash(self, password: str) -> str:
        return hash_password(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        return verify_password(password_hash, password)
