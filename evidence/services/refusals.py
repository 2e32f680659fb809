"""A refused request is an audit event: recorded and committed before the refusal is raised."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from evidence.errors import PermissionDenied
from evidence.ports import UnitOfWork
from evidence.services.caller import Caller, audit

MAX_AUDITED_TARGET = 255


@contextmanager
def refusals_recorded(uow: UnitOfWork, caller: Caller) -> Iterator[None]:
    """Inside a unit of work: a ``PermissionDenied`` rolls back what the use case did, is
    recorded as ``access-refused`` (who tried what, from where, and why) and committed, then
    raised. The target is the item or case refused (the real one, when the id named one), or
    else what was asked for; the answer stays the same whether or not the item exists."""
    try:
        yield
    except PermissionDenied as refusal:
        if not refusal.recorded:
            uow.rollback()
            target = (refusal.target or caller.route)[:MAX_AUDITED_TARGET]
            details = {"reason": str(refusal), **caller.request}
            audit(uow, caller, "access-refused", target, details)
            uow.commit()
            refusal.recorded = True
        raise
