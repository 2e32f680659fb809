"""Account administration: add, list and disable users, and clear sign-in lockouts.

Every use case needs ``MANAGE_USERS`` (administrators; the console) and is audited with its
caller, from the web and the console alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from evidence.access import Permission, Role, check_password, check_username
from evidence.accounts import PasswordHasher, UserAccount
from evidence.model import iso_utc, utcnow
from evidence.ports import UnitOfWork
from evidence.services.caller import Caller, audit
from evidence.throttle import ADDRESS, USER, Lockout, ThrottleKey, ThrottleState


@dataclass(frozen=True)
class NewUser:
    name: str
    role: Role
    password: str
    officer_id: str | None = None


@dataclass(frozen=True)
class Cleared:
    """What ``unlock`` forgot for one user name or address."""

    target: str
    failures: int
    locked_until: datetime | None

    def as_dict(self) -> dict[str, Any]:
        until = iso_utc(self.locked_until) if self.locked_until else None
        return {"target": self.target, "failures": self.failures, "locked_until": until}


def add_user(uow: UnitOfWork, caller: Caller, hasher: PasswordHasher, new: NewUser) -> UserAccount:
    caller.principal.require(Permission.MANAGE_USERS)
    check_username(new.name)
    check_password(new.password)
    officer_id = new.officer_id
    if new.role is Role.OFFICER:
        # Collar numbers are written in capitals on items ("PC4521"), whatever the login.
        officer_id = (officer_id or new.name.upper()).strip()
    account = UserAccount(new.name, new.role.value, officer_id, False, utcnow())
    # Argon2 is slow on purpose: hash before the unit of work, which would hold its locks.
    password_hash = hasher.hash(new.password)
    with uow:
        uow.users.add(account, password_hash)
        details = {"role": account.role, "officer_id": account.officer_id}
        audit(uow, caller, "add-user", f"user:{account.name}", details)
        uow.commit()
    return account


def list_users(uow: UnitOfWork, caller: Caller) -> list[UserAccount]:
    caller.principal.require(Permission.MANAGE_USERS)
    with uow:
        accounts = uow.users.accounts()
        audit(uow, caller, "list-users", "users", {"count": len(accounts)})
        uow.commit()
    return accounts


def cps_users(uow: UnitOfWork, caller: Caller) -> list[str]:
    """The active CPS accounts a case may be shared with, for those who share cases (the
    case page's form; the page view is the audited event)."""
    if not caller.principal.may(Permission.SHARE_CASES):
        return []
    with uow:
        accounts = uow.users.accounts()
    return [a.name for a in accounts if a.role == Role.CPS.value and not a.disabled]


def disable_user(uow: UnitOfWork, caller: Caller, name: str) -> None:
    """Disable the account and revoke every token and session it holds, at once."""
    caller.principal.require(Permission.MANAGE_USERS)
    with uow:
        uow.users.disable(name)
        uow.tokens.revoke_all(name)
        audit(uow, caller, "disable-user", f"user:{name}")
        uow.commit()


def unlock(uow: UnitOfWork, caller: Caller, name: str, address: str | None = None) -> list[Cleared]:
    """Clear the failed sign-ins (and any lockout) of a user name, and optionally an address."""
    caller.principal.require(Permission.MANAGE_USERS)
    keys: list[ThrottleKey] = [(USER, name)] + ([(ADDRESS, address)] if address else [])
    now = utcnow()
    with uow:
        cleared = [_cleared(key, uow.throttle.clear(key), now) for key in keys]
        for entry in cleared:
            audit(uow, caller, "unlock-sign-in", entry.target, entry.as_dict())
        uow.commit()
    return cleared


def lockouts(uow: UnitOfWork, caller: Caller) -> list[Lockout]:
    """User names and addresses locked out of signing in now, soonest release first."""
    caller.principal.require(Permission.MANAGE_USERS)
    with uow:
        locked = uow.throttle.locked(utcnow())
        audit(uow, caller, "list-lockouts", "lockouts", {"count": len(locked)})
        uow.commit()
    return locked


def _cleared(key: ThrottleKey, state: ThrottleState | None, now: datetime) -> Cleared:
    held = state or ThrottleState()
    until = held.locked_until if held.is_locked(now) else None
    return Cleared(f"{key[0]}:{key[1]}", held.failures, until)
