"""Signing in with a password behind the throttle, and the tokens and sessions it gives.

Failures count against the submitted user name and the client address alike, whether or not
the user exists, so a lockout answers the same for every name and reveals nothing. Every
success, failure and lockout is in the audit trail; no password ever is.

The password check (Argon2, slow by design) runs between two units of work, never inside
one: a transaction held open across it would hold its locks (SQLite's write lock is taken
when a transaction begins) and make every other sign-in wait.
"""

from __future__ import annotations

from dataclasses import dataclass

from evidence.access import Principal
from evidence.accounts import (
    IssuedToken,
    PasswordHasher,
    Session,
    TokenKind,
    new_token,
    token_digest,
)
from evidence.errors import SignInLocked
from evidence.model import iso_utc, utcnow
from evidence.ports import UnitOfWork
from evidence.services.caller import Caller, audit
from evidence.throttle import USER, Decision, SignInRules, count_failure, decide, sign_in_keys

ANONYMOUS = "anonymous"
NO_ROLE = "none"
LOCKED_MESSAGE = (
    "too many failed sign-ins for this user name or from this address: sign-in is refused "
    "for a while (see Retry-After); an administrator can unlock it"
)
WRONG = "wrong user name or password, or disabled"


@dataclass(frozen=True)
class Attempt:
    """A sign-in as submitted: ``via`` says where (``token`` for the API, ``page``)."""

    name: str
    password: str
    address: str
    via: str
    kind: TokenKind


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    token: IssuedToken


def sign_in(
    uow: UnitOfWork, hasher: PasswordHasher, rules: SignInRules, attempt: Attempt
) -> SignedIn | None:
    """A new token for a correct password, None for a wrong one; ``SignInLocked`` while the
    name or the address is locked out."""
    with uow:
        _refuse_if_locked(uow, attempt)
        credentials = uow.users.credentials(attempt.name)
    stored = credentials.password_hash if credentials else None
    correct = hasher.verify(stored, attempt.password)
    with uow:
        if not correct or credentials is None or credentials.account.disabled:
            _count_failure(uow, rules, attempt)
            return None
        # Concurrent guesses may have locked the name while this password was checked: a
        # correct guess after the lock must look exactly like a wrong one.
        _refuse_if_locked(uow, attempt)
        principal = credentials.account.principal
        uow.throttle.clear((USER, principal.name))  # the address keeps its own count
        issued = _issue(uow, principal.name, attempt.kind)
        caller = Caller(principal, attempt.address)
        audit(uow, caller, "sign-in", f"user:{principal.name}", {"via": attempt.via})
        uow.commit()
        return SignedIn(principal, issued)


def resolve(uow: UnitOfWork, secret: str, kind: TokenKind) -> Session | None:
    """The principal (and CSRF secret) behind a live token of ``kind``, or None."""
    with uow:
        stored = uow.tokens.find(token_digest(secret), kind)
    if stored is None or not stored.live(utcnow()):
        return None
    return Session(stored.account.principal, stored.csrf)


def sign_out(uow: UnitOfWork, secret: str) -> None:
    """Revoke the token or session, on the server: a copied cookie stops working too."""
    with uow:
        uow.tokens.revoke(token_digest(secret))
        uow.commit()


def _issue(uow: UnitOfWork, name: str, kind: TokenKind) -> IssuedToken:
    issued = new_token(kind, utcnow())
    uow.tokens.add(name, issued.record)
    return issued


def _refuse_if_locked(uow: UnitOfWork, attempt: Attempt) -> None:
    keys = sign_in_keys(attempt.name, attempt.address)
    decision = decide(uow.throttle.states(keys), utcnow())
    if decision.allowed:
        return
    details = {"via": attempt.via, "reason": "locked out", "retry_after": decision.retry_after}
    _audit_anonymous(uow, attempt, "sign-in-failed", f"user:{attempt.name}", details)
    uow.commit()
    raise SignInLocked(LOCKED_MESSAGE, decision.retry_after)


def _count_failure(uow: UnitOfWork, rules: SignInRules, attempt: Attempt) -> None:
    counted = count_failure(uow.throttle, attempt.name, attempt.address, utcnow(), rules)
    details: dict[str, object] = {
        "via": attempt.via,
        "reason": WRONG,
        "user_failures": counted.user_failures,
        "address_failures": counted.address_failures,
    }
    _audit_anonymous(uow, attempt, "sign-in-failed", f"user:{attempt.name}", details)
    for lockout in counted.started:
        details = {
            "via": attempt.via,
            "user": attempt.name,
            "until": iso_utc(lockout.until),
            "lockout_number": lockout.lockouts,
        }
        _audit_anonymous(uow, attempt, "sign-in-lockout", lockout.target, details)
    uow.commit()
    _raise_if_refused(counted.decision)


def _raise_if_refused(decision: Decision) -> None:
    if not decision.allowed:
        raise SignInLocked(LOCKED_MESSAGE, decision.retry_after)


def _audit_anonymous(
    uow: UnitOfWork, attempt: Attempt, action: str, target: str, details: dict[str, object]
) -> None:
    """A failed attempt is nobody's yet: recorded as ``anonymous`` from its address."""
    uow.audit.record(ANONYMOUS, NO_ROLE, action, target, attempt.address, details)
