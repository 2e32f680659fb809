"""Search across current transcripts, within what the caller may see, audited.

The caller's scope reaches the index as ``SearchFilters``: an officer searches the items
carrying their collar id, a CPS user the items of the cases shared with them, investigators
and the console every item. Filters the caller gives can only narrow that scope.
"""

from __future__ import annotations

from dataclasses import replace

from evidence.access import Permission, Role
from evidence.model import EvidenceItem
from evidence.ports import UnitOfWork
from evidence.search import Hit, SearchFilters
from evidence.services.caller import Caller, audit
from evidence.services.refusals import refusals_recorded


def search(uow: UnitOfWork, caller: Caller, query: str, filters: SearchFilters) -> list[Hit]:
    """Ranked hits; ``InvalidInput`` for a malformed query (nothing is recorded then)."""
    with uow, refusals_recorded(uow, caller):
        hits = _scoped(uow, caller, query, filters)
        audit(uow, caller, "search", "search", {"q": query, "hits": len(hits)})
        uow.commit()
        return hits


def search_by_item(
    uow: UnitOfWork, caller: Caller, query: str, filters: SearchFilters
) -> tuple[dict[str, list[Hit]], dict[str, EvidenceItem]]:
    """The hits grouped by item, best item first, with the items they are in."""
    with uow, refusals_recorded(uow, caller):
        groups: dict[str, list[Hit]] = {}
        for hit in _scoped(uow, caller, query, filters):
            groups.setdefault(hit.item_id, []).append(hit)
        items = {item_id: uow.items.get_item(item_id) for item_id in groups}
        hits = sum(len(group) for group in groups.values())
        audit(uow, caller, "search", "search", {"q": query, "hits": hits})
        uow.commit()
        return groups, items


def _scoped(uow: UnitOfWork, caller: Caller, query: str, filters: SearchFilters) -> list[Hit]:
    principal = caller.principal
    principal.require(Permission.SEARCH)
    if principal.role is Role.OFFICER:
        if principal.officer_id is None:
            return []
        filters = replace(filters, officer=principal.officer_id)
    elif principal.role is Role.CPS:
        # The index keeps the items of the shared cases while it matches.
        shared = uow.cases.shared_cases(principal.name)
        narrowed = shared if filters.case_urns is None else shared & filters.case_urns
        filters = replace(filters, case_urns=narrowed)
    elif not principal.sees_everything:
        return []
    if any(ids is not None and not ids for ids in (filters.item_ids, filters.case_urns)):
        return []
    return uow.search.search(query, filters)
