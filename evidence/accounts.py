"""Local accounts: users, their bearer tokens and browser sessions, and the ports that store them.

A token's secret is shown once, to whoever signed in; only its SHA-256 is stored, so a copy of
the database lets no one sign in. Whether a token still works (not revoked, not expired, its
user not disabled) is decided here, from what the store returns.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from evidence.access import Principal, Role
from evidence.model import iso_utc

TOKEN_LIFETIME = timedelta(hours=8)


class TokenKind(StrEnum):
    """A bearer token for the API, or a browser session (which carries a CSRF secret)."""

    API = "api"
    SESSION = "session"


@dataclass(frozen=True)
class UserAccount:
    name: str
    role: str
    officer_id: str | None
    disabled: bool
    created_at: datetime

    @property
    def principal(self) -> Principal:
        return Principal(self.name, Role(self.role), self.officer_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "officer_id": self.officer_id,
            "disabled": self.disabled,
            "created_at": iso_utc(self.created_at),
        }


@dataclass(frozen=True)
class Credentials:
    """What a password is checked against: the account and its stored hash."""

    account: UserAccount
    password_hash: str


@dataclass(frozen=True)
class TokenRecord:
    """What is stored of a token: its digest, never its secret."""

    digest: str
    kind: TokenKind
    csrf: str | None
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class IssuedToken:
    secret: str
    kind: TokenKind
    csrf: str | None
    issued_at: datetime
    expires_at: datetime

    @property
    def expires(self) -> str:
        return iso_utc(self.expires_at)

    @property
    def record(self) -> TokenRecord:
        digest = token_digest(self.secret)
        return TokenRecord(digest, self.kind, self.csrf, self.issued_at, self.expires_at)


@dataclass(frozen=True)
class StoredToken:
    """A token as held: whose it is, and what decides whether it still works."""

    account: UserAccount
    kind: TokenKind
    csrf: str | None
    expires_at: datetime
    revoked: bool

    def live(self, now: datetime) -> bool:
        return not self.revoked and not self.account.disabled and now < self.expires_at


@dataclass(frozen=True)
class Session:
    """The principal behind a live token, and (for a browser session) its CSRF secret."""

    principal: Principal
    csrf: str | None


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_token(kind: TokenKind, now: datetime) -> IssuedToken:
    csrf = secrets.token_urlsafe(24) if kind is TokenKind.SESSION else None
    return IssuedToken(secrets.token_urlsafe(32), kind, csrf, now, now + TOKEN_LIFETIME)


class PasswordHasher(Protocol):
    """Slow, salted password hashing (Argon2id in ``storage.passwords``)."""

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; for ``None`` (no such user) it costs as long as a
        real check and answers False, so timing does not tell which names exist."""
        ...


class Users(Protocol):
    def add(self, account: UserAccount, password_hash: str) -> None:
        """Raises ``Conflict`` when the name is taken."""
        ...

    def accounts(self) -> list[UserAccount]:
        """Every account, by name."""
        ...

    def account(self, name: str) -> UserAccount:
        """Raises ``NotFound`` for an unknown name."""
        ...

    def credentials(self, name: str) -> Credentials | None: ...

    def disable(self, name: str) -> None:
        """Raises ``NotFound`` for an unknown name."""
        ...


class Tokens(Protocol):
    def add(self, name: str, token: TokenRecord) -> None: ...

    def find(self, digest: str, kind: TokenKind) -> StoredToken | None: ...

    def revoke(self, digest: str) -> None: ...

    def revoke_all(self, name: str) -> None:
        """Revoke every token and session ``name`` holds."""
        ...
