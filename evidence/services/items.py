"""Evidence items: who may see which, and the reads and corrections of them, each audited.

Investigators and the console see every item, officers the items carrying their collar id,
CPS users the items linked to the cases shared with them; lists are filtered in the
database. A refusal does not reveal whether the item exists, and is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from evidence.access import Permission, Role, require_item
from evidence.audit import AuditEvent
from evidence.errors import InvalidInput, NotFound, PermissionDenied
from evidence.model import CustodyEvent, EvidenceItem
from evidence.ports import ObjectStore, UnitOfWork
from evidence.services.caller import Caller, audit
from evidence.services.refusals import refusals_recorded
from evidence.transcripts import Segment

R = TypeVar("R")
MAX_AUDITED_RANGE = 100
ITEM_AUDIT_SHOWN = 200


def visible_item(uow: UnitOfWork, caller: Caller, item_id: str) -> EvidenceItem:
    """The item if the caller may see it; refusals do not reveal whether it exists."""
    principal = caller.principal
    try:
        item: EvidenceItem | None = uow.items.get_item(item_id)
    except NotFound:
        item = None
    except InvalidInput:
        # An ambiguous prefix: saying so would tell anyone that several items begin with it.
        if principal.sees_everything:
            raise
        item = None
    shared = uow.items.shared_item_ids(principal.name) if principal.role is Role.CPS else set()
    return require_item(principal, item, item_id, shared)


def visible_items(uow: UnitOfWork, caller: Caller, limit: int | None) -> list[EvidenceItem]:
    """Newest first, the items ``may_view_item`` allows, filtered in the database."""
    principal = caller.principal
    principal.require(Permission.LIST_ITEMS)
    if principal.sees_everything:
        return uow.items.list_items(limit)
    if principal.role is Role.OFFICER and principal.officer_id is not None:
        return uow.items.list_items(limit, officer=principal.officer_id)
    if principal.role is Role.CPS:
        return uow.items.list_shared_items(principal.name, limit)
    return []


def list_items(
    uow: UnitOfWork, caller: Caller, limit: int | None, details: dict[str, Any] | None = None
) -> list[EvidenceItem]:
    """The items the caller may see, newest first. A list discloses each item's metadata,
    so the trail names every item it showed."""
    with uow, refusals_recorded(uow, caller):
        items = visible_items(uow, caller, limit)
        listed = {"count": len(items), "items": [item.id for item in items], **(details or {})}
        audit(uow, caller, "list-items", "items", listed)
        uow.commit()
        return items


def show_item(
    uow: UnitOfWork, caller: Caller, item_id: str, details: dict[str, Any] | None = None
) -> EvidenceItem:
    with uow, refusals_recorded(uow, caller):
        item = visible_item(uow, caller, item_id)
        audit(uow, caller, "view-item", f"item:{item.id}", details)
        uow.commit()
        return item


def custody_log(
    uow: UnitOfWork, caller: Caller, item_id: str
) -> tuple[EvidenceItem, list[CustodyEvent]]:
    """The item and its custody log as they stood at one moment."""
    with uow, refusals_recorded(uow, caller):
        item, events = uow.items.custody_snapshot(visible_item(uow, caller, item_id).id)
        audit(uow, caller, "view-custody", f"item:{item.id}")
        uow.commit()
        return item, events


def media_item(
    uow: UnitOfWork,
    caller: Caller,
    store: ObjectStore,
    item_id: str,
    range_header: str | None,
    byte_range: Callable[[EvidenceItem], R],
) -> tuple[EvidenceItem, R]:
    """The item whose original bytes the caller is about to receive, and the part asked for
    (``byte_range`` refuses a range that cannot be served, before anything is recorded)."""
    with uow, refusals_recorded(uow, caller):
        item = visible_item(uow, caller, item_id)
        if not store.exists(item.storage_key):
            raise NotFound(f"item {item.id}: its stored object {item.storage_key} is missing")
        part = byte_range(item)
        details = {"range": range_header[:MAX_AUDITED_RANGE]} if range_header else {}
        audit(uow, caller, "view-media", f"item:{item.id}", details)
        uow.commit()
        return item, part


@dataclass(frozen=True)
class ItemPage:
    """What the item's page shows: the item, its custody log and transcript, and its audit
    trail for those who may read the trail."""

    item: EvidenceItem
    custody: list[CustodyEvent]
    segments: list[Segment]
    audit: list[AuditEvent] = field(default_factory=list)


def item_page(uow: UnitOfWork, caller: Caller, item_id: str) -> ItemPage:
    page = {"page": True}
    with uow, refusals_recorded(uow, caller):
        item, events = uow.items.custody_snapshot(visible_item(uow, caller, item_id).id)
        transcript = uow.transcripts.current(item.id)
        segments = list(transcript.segments) if transcript is not None else []
        audit(uow, caller, "view-item", f"item:{item.id}", page)
        if segments:
            audit(uow, caller, "view-transcript", f"item:{item.id}", page)
        trail = (
            uow.audit.events(f"item:{item.id}", limit=ITEM_AUDIT_SHOWN)
            if caller.principal.may(Permission.VIEW_AUDIT)
            else []
        )
        uow.commit()
        return ItemPage(item, events, segments, trail)


def correct_details(
    uow: UnitOfWork, caller: Caller, item_id: str, changes: dict[str, Any], reason: str
) -> CustodyEvent:
    """Change an item's details lawfully: a ``details-corrected`` custody event committing
    the new values. Whoever may see the item may correct it, except CPS, who only read."""
    with uow, refusals_recorded(uow, caller):
        item = visible_item(uow, caller, item_id)
        if caller.principal.role is Role.CPS:
            raise PermissionDenied(
                f"item {item.id}: {caller.principal.name} may read its details, not correct them",
                f"item:{item.id}",
            )
        event = uow.items.correct_details(item.id, changes, caller.actor, reason)
        audit(uow, caller, "correct-item", f"item:{item.id}", {"custody_seq": event.seq})
        uow.commit()
        return event
