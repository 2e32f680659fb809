"""Password hashing with Argon2id (argon2-cffi): the only module that knows the algorithm."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Checked against when the user name is unknown, so a wrong name costs as long as a wrong
# password and the timing does not reveal which names exist.
_DUMMY_HASH = _hasher.hash("not a real password: timing equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
