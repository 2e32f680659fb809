"""Password sign-in behind the throttle, shared by the token route and the sign-in page.

Failures count against the submitted user name and the client address alike, whether or not
the user exists, so a lockout answers the same for every name and reveals nothing.
"""

from __future__ import annotations

from typing import NoReturn

from fastapi import Request

from entrypoints.web.context import WebContext, client_address
from evidence.access import Principal
from evidence.model import iso_utc, utcnow
from evidence.throttle import Decision

ANONYMOUS = "anonymous"
NO_ROLE = "none"
LOCKED_MESSAGE = (
    "too many failed sign-ins for this user name or from this address: sign-in is refused "
    "for a while (see Retry-After); an administrator can unlock it"
)


class SignInLocked(Exception):
    """The user name or the address is locked out for ``retry_after`` more seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(LOCKED_MESSAGE)
        self.retry_after = retry_after


def sign_in_with_password(
    context: WebContext, request: Request, username: str, password: str, via: str
) -> Principal | None:
    """The principal for a correct password, None for a wrong one; raises while locked out."""
    throttle = context.throttle
    address = client_address(request)
    now = utcnow()
    decision = throttle.check(username, address, now)
    if not decision.allowed:
        _refuse(context, username, address, via, decision)
    principal = context.users.authenticate(username, password)
    if principal is not None:
        # Concurrent guesses may have locked the name while this password was checked: a
        # correct guess after the lock must look exactly like a wrong one.
        settled = throttle.check(username, address, utcnow())
        if not settled.allowed:
            _refuse(context, username, address, via, settled)
        throttle.record_success(principal.name)
        return principal
    counted = throttle.record_failure(username, address, now)
    details = {
        "via": via,
        "reason": "wrong user name or password, or disabled",
        "user_failures": counted.user_failures,
        "address_failures": counted.address_failures,
    }
    _audit(context, "sign-in-failed", f"user:{username}", address, details)
    for lockout in counted.started:
        details = {
            "via": via,
            "user": username,
            "until": iso_utc(lockout.until),
            "lockout_number": lockout.lockouts,
        }
        _audit(context, "sign-in-lockout", lockout.target, address, details)
    if not counted.decision.allowed:
        raise SignInLocked(counted.decision.retry_after)
    return None


def _refuse(
    context: WebContext, username: str, address: str, via: str, decision: Decision
) -> NoReturn:
    details = {"via": via, "reason": "locked out", "retry_after": decision.retry_after}
    _audit(context, "sign-in-failed", f"user:{username}", address, details)
    raise SignInLocked(decision.retry_after)


def _audit(
    context: WebContext, action: str, target: str, address: str, details: dict[str, object]
) -> None:
    context.users.record_as(ANONYMOUS, NO_ROLE, action, target, address, details)
