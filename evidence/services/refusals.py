"""Refusals in the audit trail: who was refused what, from where, and why.

A refusal is recorded and committed before it is raised, so the record survives the
refused use case. It names what was refused: the item or case when the refusal knows it,
otherwise the web route asked for, or (at the console) the use case's own target.
"""

from __future__ import annotations

from evidence.access import Permission
from evidence.errors import PermissionDenied
from evidence.ports import UnitOfWork
from evidence.services.caller import Caller, audit

REFUSED = "access-refused"
MAX_TARGET = 255


def refused(
    uow: UnitOfWork, caller: Caller, refusal: PermissionDenied, target: str
) -> PermissionDenied:
    """Record ``refusal`` in ``uow`` and commit it; returns it marked recorded, to raise."""
    details = {"reason": str(refusal)}
    named = refusal.target
    if caller.request is not None:
        method, path = caller.request
        details |= {"method": method, "path": path}
        named = named or f"route:{method} {path}"
    audit(uow, caller, REFUSED, (named or target)[:MAX_TARGET], details)
    uow.commit()
    refusal.recorded = True
    return refusal


def require(uow: UnitOfWork, caller: Caller, permission: Permission, target: str) -> None:
    """Go on only if the caller's role grants ``permission``; a refusal is recorded."""
    try:
        caller.principal.require(permission)
    except PermissionDenied as refusal:
        raise refused(uow, caller, refusal, target) from None
