"""Reading the audit trail (``VIEW_AUDIT``), checking its chain, and recording refusals.

Reading the trail is itself recorded in it: who exported which part of it, and when.
"""

from __future__ import annotations

from dataclasses import dataclass

from evidence.access import Permission
from evidence.audit import AuditEvent, verify_audit
from evidence.ports import UnitOfWork
from evidence.services.caller import Caller, audit


@dataclass(frozen=True)
class TrailExport:
    """Events oldest first; for the whole trail, whether its chain is intact and where not."""

    events: list[AuditEvent]
    chain_intact: bool | None
    problems: list[str]


def export_trail(
    uow: UnitOfWork, caller: Caller, target: str | None = None, export: str = "json"
) -> TrailExport:
    """The trail (about ``target`` when one is given, e.g. ``item:<id>``); the whole trail's
    chain is verified as it is read."""
    caller.principal.require(Permission.VIEW_AUDIT)
    with uow:
        events = uow.audit.events(target)
        problems = verify_audit(events) if target is None else []
        audit(uow, caller, "export-audit", target or "audit", {"format": export})
        uow.commit()
    return TrailExport(events, None if target else not problems, problems)


def recent_events(uow: UnitOfWork, caller: Caller, limit: int = 300) -> list[AuditEvent]:
    """The newest ``limit`` events, oldest first: the audit page."""
    caller.principal.require(Permission.VIEW_AUDIT)
    with uow:
        events = uow.audit.events(limit=limit)
        audit(uow, caller, "view-audit", "audit", {"page": True})
        uow.commit()
    return events


def events_about(
    uow: UnitOfWork, caller: Caller, target: str, limit: int = 200
) -> list[AuditEvent]:
    """What the trail says about ``target``, for a page that shows it beside the thing itself
    (that page's view is the audited event); nothing for those who may not read the trail."""
    if not caller.principal.may(Permission.VIEW_AUDIT):
        return []
    with uow:
        return uow.audit.events(target, limit)


def verify_trail(uow: UnitOfWork, caller: Caller) -> list[str]:
    """Every break in the whole chain, in order (none: intact)."""
    caller.principal.require(Permission.VIEW_AUDIT)
    with uow:
        problems = verify_audit(uow.audit.events())
        audit(uow, caller, "verify-audit", "audit", {"problems": len(problems)})
        uow.commit()
    return problems
