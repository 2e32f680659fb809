"""A refused request is an audit event: recorded and committed before the refusal is raised.

The record names what was refused: the item or case when the refusal knows it, otherwise
the web route asked for, or (at the console) the use case's own target or command. The
answer to the caller stays the same whether or not the item or case exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from evidence.access import Permission
from evidence.errors import PermissionDenied
from evidence.ports import UnitOfWork
from evidence.services.caller import Caller, audit

REFUSED = "access-refused"
MAX_AUDITED_TARGET = 255


def refused(
    uow: UnitOfWork, caller: Caller, refusal: PermissionDenied, target: str | None = None
) -> PermissionDenied:
    """Roll back what the use case did, record ``refusal`` and commit the record; returns the
    refusal marked recorded, to raise."""
    if refusal.recorded:
        return refusal
    uow.rollback()
    asked = caller.route if "path" in caller.request or target is None else target
    named = (refusal.target or asked)[:MAX_AUDITED_TARGET]
    audit(uow, caller, REFUSED, named, {"reason": str(refusal), **caller.request})
    uow.commit()
    refusal.recorded = True
    return refusal


@contextmanager
def refusals_recorded(uow: UnitOfWork, caller: Caller) -> Iterator[None]:
    """Inside a unit of work: a ``PermissionDenied`` is recorded (see ``refused``), then
    raised."""
    try:
        yield
    except PermissionDenied as refusal:
        raise refused(uow, caller, refusal) from None


def require(uow: UnitOfWork, caller: Caller, permission: Permission, target: str) -> None:
    """Go on only if the caller's role grants ``permission``; a refusal is recorded."""
    try:
        caller.principal.require(permission)
    except PermissionDenied as refusal:
        raise refused(uow, caller, refusal, target) from None
