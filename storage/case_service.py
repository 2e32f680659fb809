"""Case and bundle services: what the CLI, the web app and the ingest flow call.

Each function takes the built ``Services`` (``storage.bootstrap.get_services()``) and an
``Actor``; domain errors pass through for the entrypoint to map.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from evidence.cases import (
    STATUSES,
    Case,
    Link,
    Person,
    Suggestion,
    TimelineEntry,
    build_timeline,
    matches_incident,
    normalise_incident,
    recorded_span,
    validate_urn,
    window_suggestions,
)
from evidence.custody import Actor
from evidence.errors import InvalidInput, NotFound
from evidence.model import EvidenceItem, utcnow
from storage.bootstrap import Services
from storage.case_repository import CaseRepository

SEARCH_MARGIN = timedelta(hours=12)


def cases(services: Services) -> CaseRepository:
    return CaseRepository(services.engine, services.repo)


def item_ids_for_case(services: Services, urn: str) -> set[str]:
    return cases(services).item_ids_for_case(urn)


def create_case(
    services: Services,
    urn: str,
    actor: Actor,
    *,
    title: str = "",
    incidents: Sequence[str] = (),
    domestic_abuse: bool = False,
    people: Sequence[Person] = (),
) -> tuple[Case, list[Link]]:
    """Create a case and link the items already held under its incident numbers."""
    case = Case(
        urn=validate_urn(urn),
        title=title.strip() or f"Case {validate_urn(urn)}",
        created_at=utcnow(),
        created_by=actor.name,
        incidents=list(dict.fromkeys(normalise_incident(i) for i in incidents)),
        domestic_abuse=domestic_abuse,
        people=list(people),
    )
    repo = cases(services)
    repo.create(case)
    links = []
    for item_id in repo.items_for_incidents(case.incidents):
        link, new = repo.link(
            case.urn, item_id, actor, how="auto-incident", reason="incident number matches"
        )
        if new:
            links.append(link)
    refresh_suggestions(services, case.urn)
    return case, links


def link_items(
    services: Services,
    urn: str,
    item_ids: Sequence[str],
    actor: Actor,
    *,
    exhibit_ref: str | None = None,
    reason: str = "",
) -> list[Link]:
    if exhibit_ref and len(item_ids) != 1:
        raise InvalidInput("--exhibit-ref names one exhibit: link one item at a time with it")
    if not item_ids:
        raise InvalidInput("give at least one item id to link")
    repo = cases(services)
    links = [
        repo.link(urn, item_id, actor, how="manual", reason=reason, exhibit_ref=exhibit_ref)[0]
        for item_id in item_ids
    ]
    refresh_suggestions(services, urn)
    return links


def unlink_item(services: Services, urn: str, item_id: str, actor: Actor, reason: str) -> Link:
    if not reason.strip():
        raise InvalidInput("unlinking needs a reason (--reason), for the custody log")
    return cases(services).unlink(urn, item_id, actor, reason.strip())


def set_case_status(services: Services, urn: str, status: str) -> Case:
    if status not in STATUSES:
        raise InvalidInput(f"case status {status!r}: use one of {', '.join(STATUSES)}")
    return cases(services).set_status(urn, status)


def list_cases(services: Services) -> list[dict[str, Any]]:
    repo = cases(services)
    return [
        {**case.as_dict(), "exhibits": len(repo.item_ids_for_case(case.urn))}
        for case in repo.all_cases()
    ]


def show_case(services: Services, urn: str) -> dict[str, Any]:
    repo = cases(services)
    case = repo.get(urn)
    exhibits = [
        {**link.as_dict(), "item": item.summary()} for link, item in repo.exhibits(case.urn)
    ]
    suggestions = [s.as_dict() for s in repo.suggestions(case.urn)]
    return {**case.as_dict(), "exhibits": exhibits, "suggestions": suggestions}


def case_timeline(services: Services, urn: str) -> list[TimelineEntry]:
    return build_timeline((link.exhibit_ref, item) for link, item in cases(services).exhibits(urn))


def case_suggestions(services: Services, urn: str) -> list[Suggestion]:
    return cases(services).suggestions(urn)


def confirm_suggestion(services: Services, urn: str, item_id: str, actor: Actor) -> Link:
    repo = cases(services)
    item = services.repo.get_item(item_id)
    proposal = next((s for s in repo.suggestions(urn) if s.item_id == item.id), None)
    if proposal is None:
        raise NotFound(f"case {validate_urn(urn)}: no open suggestion for item {item.id}")
    link, _ = repo.link(urn, item.id, actor, how="confirmed", reason=proposal.reason)
    refresh_suggestions(services, urn)
    return link


def refresh_suggestions(services: Services, urn: str) -> list[Suggestion]:
    """Propose items by the same officers recorded within the window of the case's exhibits."""
    repo = cases(services)
    linked = [item for _, item in repo.exhibits(urn)]
    spans = [span for item in linked if item.officer and (span := recorded_span(item))]
    if not spans:
        return []
    window = timedelta(minutes=services.settings.link_window_minutes)
    candidates = repo.items_by_officers(
        {item.officer for item in linked if item.officer},
        min(start for start, _ in spans) - window - SEARCH_MARGIN,
        max(end for _, end in spans) + window,
    )
    return repo.add_suggestions(window_suggestions(validate_urn(urn), linked, candidates, window))


def auto_link_items(services: Services, item_ids: Iterable[str], actor: Actor) -> list[Link]:
    """Link new items to cases with their incident number; then refresh those cases' proposals.

    A case already shared with the CPS gets a suggestion instead: what the CPS sees changes
    only when an investigator confirms it. ``actor`` is who caused the ingest (the uploader,
    or whoever ran it), and the link's custody event names them.
    """
    repo = cases(services)
    items = [services.repo.get_item(item_id) for item_id in item_ids]
    shared = repo.shared_cases()
    links: list[Link] = []
    proposals: list[Suggestion] = []
    for item in items:
        if not item.incident:
            continue
        for urn in repo.cases_for_incident(item.incident):
            if not matches_incident(repo.get(urn).incidents, item.incident):
                continue
            if urn in shared:
                proposals.append(shared_case_proposal(urn, item))
                continue
            link, new = repo.link(
                urn, item.id, actor, how="auto-incident", reason="incident number matches"
            )
            if new:
                links.append(link)
    repo.add_suggestions(proposals)
    touched = {link.urn for link in links} | repo.cases_with_officers(
        {item.officer for item in items if item.officer}
    )
    for urn in sorted(touched):
        refresh_suggestions(services, urn)
    return links


def shared_case_proposal(urn: str, item: EvidenceItem) -> Suggestion:
    return Suggestion(
        urn=urn,
        item_id=item.id,
        related_item_id="",
        reason=f"incident number {item.incident} matches; the case is already shared with "
        "the CPS, so an investigator confirms each new exhibit",
    )


def link_ingested(
    services: Services, outcomes: Sequence[dict[str, Any]], actor: Actor
) -> list[Link]:
    """The ingest flow's hook: auto-link the items it has just ingested, as ``actor``."""
    ingested = [o["id"] for o in outcomes if o.get("status") == "ingested" and o.get("id")]
    return auto_link_items(services, ingested, actor) if ingested else []
