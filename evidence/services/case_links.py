"""Exhibits: linking items to cases by hand, by incident number at ingest, and by proposal.

Every link and unlink is a custody event on the item, in the same transaction as the link,
so a case and the item's custody log never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from evidence.access import Permission
from evidence.case_ports import SuggestionStatus
from evidence.cases import (
    Case,
    Link,
    LinkHow,
    Suggestion,
    exhibit_ref_for,
    matches_incident,
    recorded_span,
    window_suggestions,
)
from evidence.custody import Actor
from evidence.errors import InvalidInput, NotFound
from evidence.model import EvidenceItem, utcnow
from evidence.ports import UnitOfWork
from evidence.services.caller import Caller, audit
from evidence.services.case_access import visible_case
from evidence.settings import Settings

# Candidates are fetched by recording start, so look this far before the window for items
# long enough to reach into it.
SEARCH_MARGIN = timedelta(hours=12)
INCIDENT_MATCHES = "incident number matches"


def link_window(settings: Settings) -> timedelta:
    """How close in time an item by the same officer must be to be proposed."""
    return timedelta(minutes=settings.link_window_minutes)


def link_items(
    uow: UnitOfWork,
    caller: Caller,
    urn: str,
    item_ids: Sequence[str],
    *,
    window: timedelta,
    exhibit_ref: str | None = None,
    reason: str = "",
) -> list[Link]:
    """Link items (unique id prefixes will do) to a case as exhibits."""
    with uow:
        case = visible_case(uow, caller, urn, Permission.MANAGE_CASES, lock=True)
        if exhibit_ref and len(item_ids) != 1:
            raise InvalidInput("--exhibit-ref names one exhibit: link one item at a time with it")
        if not item_ids:
            raise InvalidInput("give at least one item id to link")
        links = [
            link_item(
                uow, case, uow.items.get_item(item_id), caller.actor, LinkHow.MANUAL, reason,
                exhibit_ref,
            )[0]
            for item_id in item_ids
        ]  # fmt: skip
        refresh_suggestions(uow, case.urn, window)
        details = {"items": [link.item_id for link in links]}
        audit(uow, caller, "link-items", f"case:{case.urn}", details)
        uow.commit()
        return links


def unlink_item(uow: UnitOfWork, caller: Caller, urn: str, item_id: str, reason: str) -> Link:
    """Take an item out of a case; its exhibit reference is never given to another item."""
    if not reason.strip():
        raise InvalidInput("unlinking needs a reason (--reason), for the custody log")
    with uow:
        case = visible_case(uow, caller, urn, Permission.MANAGE_CASES, lock=True)
        item = uow.items.get_item(item_id)
        link = uow.cases.link(case.urn, item.id)
        if link is None or not link.active:
            raise NotFound(f"case {case.urn}: item {item.id} is not linked to it")
        uow.cases.save_link(replace(link, active=False))
        details = {"urn": case.urn, "exhibit_ref": link.exhibit_ref, "reason": reason.strip()}
        uow.items.append_event(item.id, "case-unlinked", caller.actor, details)
        audit(uow, caller, "unlink-item", f"case:{case.urn}", {"item": item.id})
        uow.commit()
        return replace(link, active=False)


def case_suggestions(uow: UnitOfWork, caller: Caller, urn: str) -> list[Suggestion]:
    """Items proposed for the case (same officer, close in time) awaiting an investigator."""
    with uow:
        case = visible_case(uow, caller, urn)
        found = uow.cases.suggestions(case.urn)
        audit(uow, caller, "view-suggestions", f"case:{case.urn}", {"count": len(found)})
        uow.commit()
        return found


def confirm_suggestion(
    uow: UnitOfWork, caller: Caller, urn: str, item_id: str, *, window: timedelta
) -> Link:
    """Confirm a proposal: the item is linked, the custody event giving the proposal's reason."""
    with uow:
        case = visible_case(uow, caller, urn, Permission.MANAGE_CASES, lock=True)
        item = uow.items.get_item(item_id)
        proposal = next((s for s in uow.cases.suggestions(case.urn) if s.item_id == item.id), None)
        if proposal is None:
            raise NotFound(f"case {case.urn}: no open suggestion for item {item.id}")
        link, _ = link_item(uow, case, item, caller.actor, LinkHow.CONFIRMED, proposal.reason)
        refresh_suggestions(uow, case.urn, window)
        audit(uow, caller, "confirm-suggestion", f"case:{case.urn}", {"item": item.id})
        uow.commit()
        return link


def link_ingested(
    uow: UnitOfWork, outcomes: Sequence[dict[str, Any]], actor: Actor, *, window: timedelta
) -> list[Link]:
    """The ingest flow's hook: auto-link the items it has just ingested, as ``actor``."""
    ingested = [o["id"] for o in outcomes if o.get("status") == "ingested" and o.get("id")]
    return auto_link_items(uow, ingested, actor, window=window) if ingested else []


def auto_link_items(
    uow: UnitOfWork, item_ids: Iterable[str], actor: Actor, *, window: timedelta
) -> list[Link]:
    """Link new items to the cases with their incident number, each item in a transaction
    of its own (a broken custody chain on one item stops only its links), then refresh the
    proposals of the cases they touch.

    A case already shared with the CPS gets a proposal instead: what the CPS sees changes
    only when an investigator confirms it. ``actor`` is who caused the ingest (the uploader,
    or whoever ran it), and the link's custody event names them.
    """
    links: list[Link] = []
    officers: set[str] = set()
    for item_id in item_ids:
        with uow:
            item = uow.items.get_item(item_id)
            links.extend(_link_by_incident(uow, item, actor))
            uow.commit()
        if item.officer:
            officers.add(item.officer)
    with uow:
        for urn in sorted({link.urn for link in links} | uow.cases.cases_with_officers(officers)):
            refresh_suggestions(uow, urn, window)
        uow.commit()
    return links


def _link_by_incident(uow: UnitOfWork, item: EvidenceItem, actor: Actor) -> list[Link]:
    if not item.incident:
        return []
    shared = uow.cases.shared_cases()
    links = []
    for urn in uow.cases.cases_for_incident(item.incident):
        case = uow.cases.get(urn, lock=True)
        if not matches_incident(case.incidents, item.incident):
            continue
        if urn in shared:
            uow.cases.add_suggestion(shared_case_proposal(urn, item))
            continue
        link, new = link_item(uow, case, item, actor, LinkHow.AUTO_INCIDENT, INCIDENT_MATCHES)
        if new:
            links.append(link)
    return links


def shared_case_proposal(urn: str, item: EvidenceItem) -> Suggestion:
    return Suggestion(
        urn=urn,
        item_id=item.id,
        related_item_id="",
        reason=f"incident number {item.incident} matches; the case is already shared with "
        "the CPS, so an investigator confirms each new exhibit",
    )


def link_item(
    uow: UnitOfWork,
    case: Case,
    item: EvidenceItem,
    actor: Actor,
    how: LinkHow,
    reason: str,
    wanted_ref: str | None = None,
) -> tuple[Link, bool]:
    """Link ``item`` to ``case`` (locked by the caller) in ``uow``'s transaction; returns
    the link and whether it is new. A link that is already active is left as it is."""
    existing = uow.cases.link(case.urn, item.id)
    taken = uow.cases.exhibit_refs(case.urn) if existing is None else set()
    ref = exhibit_ref_for(case, item, existing, wanted_ref, taken)
    if existing is not None and existing.active:
        return existing, False
    link = Link(case.urn, item.id, ref, how, actor.name, utcnow(), reason)
    uow.cases.save_link(link)
    settled = SuggestionStatus.CONFIRMED if how is LinkHow.CONFIRMED else SuggestionStatus.LINKED
    uow.cases.settle_suggestion(case.urn, item.id, settled)
    details = {"urn": case.urn, "exhibit_ref": ref, "how": how.value, "reason": reason}
    uow.items.append_event(item.id, "case-linked", actor, details)
    return link, True


def refresh_suggestions(uow: UnitOfWork, urn: str, window: timedelta) -> list[Suggestion]:
    """Propose items by the same officers recorded within ``window`` of the case's exhibits,
    in ``uow``'s transaction; returns the proposals not made before."""
    linked = [item for _, item in uow.cases.exhibits(urn)]
    spans = [span for item in linked if item.officer and (span := recorded_span(item))]
    if not spans:
        return []
    candidates = uow.cases.items_by_officers(
        {item.officer for item in linked if item.officer},
        min(start for start, _ in spans) - window - SEARCH_MARGIN,
        max(end for _, end in spans) + window,
    )
    proposals = window_suggestions(urn, linked, candidates, window)
    return [proposal for proposal in proposals if uow.cases.add_suggestion(proposal)]
