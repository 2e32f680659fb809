"""Cases: create one, list and show them, their timeline, their status, and CPS shares.

Exhibit links and proposals are in ``case_links``; who sees which case in ``case_access``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from evidence.access import Permission, Principal, Role
from evidence.case_timeline import TimelineEntry, build_timeline
from evidence.cases import (
    Case,
    CaseStatus,
    Link,
    LinkHow,
    Person,
    Suggestion,
    normalise_incident,
    validate_urn,
)
from evidence.errors import InvalidInput
from evidence.model import EvidenceItem, utcnow
from evidence.ports import UnitOfWork
from evidence.services.caller import Caller, audit
from evidence.services.case_access import visible_case, visible_cases
from evidence.services.case_links import INCIDENT_MATCHES, link_item, refresh_suggestions
from evidence.services.refusals import require


@dataclass(frozen=True)
class CaseListing:
    case: Case
    exhibits: int

    def as_dict(self) -> dict[str, Any]:
        return {**self.case.as_dict(), "exhibits": self.exhibits}


@dataclass(frozen=True)
class CaseView:
    """A case as a reader sees it: its exhibits, open proposals and whom it is shared with."""

    case: Case
    exhibits: list[tuple[Link, EvidenceItem]]
    suggestions: list[Suggestion]
    shared_with: list[str]
    share_candidates: list[str] = field(default_factory=list)

    @property
    def timeline(self) -> list[TimelineEntry]:
        return build_timeline((link.exhibit_ref, item) for link, item in self.exhibits)

    def as_dict(self) -> dict[str, Any]:
        exhibits = [{**link.as_dict(), "item": item.summary()} for link, item in self.exhibits]
        return {
            **self.case.as_dict(),
            "exhibits": exhibits,
            "suggestions": [s.as_dict() for s in self.suggestions],
            "shared_with": self.shared_with,
        }


def create_case(
    uow: UnitOfWork,
    caller: Caller,
    urn: str,
    *,
    window: timedelta,
    title: str = "",
    incidents: Sequence[str] = (),
    domestic_abuse: bool = False,
    people: Sequence[Person] = (),
) -> tuple[Case, list[Link]]:
    """Create a case, link the items already held under its incident numbers and propose
    their neighbours, all in one transaction: if any link fails, there is no case."""
    with uow:
        require(uow, caller, Permission.MANAGE_CASES, f"case:{urn}")
        case = Case(
            urn=validate_urn(urn),
            title=title.strip() or f"Case {validate_urn(urn)}",
            created_at=utcnow(),
            created_by=caller.actor.name,
            incidents=list(dict.fromkeys(normalise_incident(i) for i in incidents)),
            domestic_abuse=domestic_abuse,
            people=list(people),
        )
        uow.cases.add(case)
        links = []
        for item in uow.cases.items_for_incidents(case.incidents):
            link, new = link_item(
                uow, case, item, caller.actor, LinkHow.AUTO_INCIDENT, INCIDENT_MATCHES
            )
            if new:
                links.append(link)
        refresh_suggestions(uow, case.urn, window)
        audit(uow, caller, "create-case", f"case:{case.urn}", {"linked": len(links)})
        uow.commit()
        return case, links


def list_cases(uow: UnitOfWork, caller: Caller, *, page: bool = False) -> list[CaseListing]:
    """The cases the caller may see, newest first; the listing is audited with what it showed."""
    with uow:
        require(uow, caller, Permission.VIEW_CASES, "cases")
        counts = uow.cases.exhibit_counts()
        found = visible_cases(uow, caller.principal, uow.cases.all())
        listed: dict[str, Any] = {"count": len(found), "cases": [case.urn for case in found]}
        audit(uow, caller, "list-cases", "cases", listed | ({"page": True} if page else {}))
        uow.commit()
        return [CaseListing(case, counts.get(case.urn, 0)) for case in found]


def show_case(uow: UnitOfWork, caller: Caller, urn: str, *, page: bool = False) -> CaseView:
    """A case with its exhibits, proposals and shares (and, for those who may share it,
    the CPS users it could be shared with)."""
    with uow:
        case = visible_case(uow, caller, urn)
        view = CaseView(
            case=case,
            exhibits=uow.cases.exhibits(case.urn),
            suggestions=uow.cases.suggestions(case.urn),
            shared_with=uow.cases.shares(case.urn),
            share_candidates=uow.cases.cps_accounts()
            if caller.principal.may(Permission.SHARE_CASES)
            else [],
        )
        audit(uow, caller, "view-case", f"case:{case.urn}", {"page": True} if page else None)
        uow.commit()
        return view


def case_timeline(uow: UnitOfWork, caller: Caller, urn: str) -> list[TimelineEntry]:
    """The exhibits in recorded time, 999 calls and BWV together, with their overlaps."""
    with uow:
        case = visible_case(uow, caller, urn)
        entries = build_timeline((link.exhibit_ref, item) for link, item in uow.cases.exhibits(urn))
        audit(uow, caller, "view-timeline", f"case:{case.urn}")
        uow.commit()
        return entries


def set_case_status(uow: UnitOfWork, caller: Caller, urn: str, status: str) -> Case:
    try:
        new = CaseStatus(status)
    except ValueError:
        raise InvalidInput(f"case status {status!r}: use one of {', '.join(CaseStatus)}") from None
    with uow:
        case = visible_case(uow, caller, urn, Permission.MANAGE_CASES, lock=True)
        changed = uow.cases.set_status(case.urn, new)
        audit(uow, caller, "set-case-status", f"case:{case.urn}", {"status": new.value})
        uow.commit()
        return changed


def share_case(uow: UnitOfWork, caller: Caller, urn: str, user: str) -> tuple[str, list[str]]:
    """Share a case with a CPS user: they see it, its exhibits, and may download bundles.
    Returns the case's URN and everyone it is now shared with."""
    with uow:
        case = visible_case(uow, caller, urn, Permission.SHARE_CASES, lock=True)
        if uow.cases.account_role(user) is not Role.CPS:
            raise InvalidInput(f"user {user}: cases are shared with CPS users only")
        uow.cases.share(case.urn, user, caller.principal.name)
        shared = uow.cases.shares(case.urn)
        audit(uow, caller, "share-case", f"case:{case.urn}", {"with": user})
        uow.commit()
        return case.urn, shared


def exhibit_ids(uow: UnitOfWork, urn: str) -> set[str]:
    """The case's exhibits, for another use case working inside ``uow`` (search by case)."""
    return uow.cases.item_ids(urn)


def shared_exhibit_ids(uow: UnitOfWork, principal: Principal) -> set[str]:
    """Items a CPS user may see: the exhibits of the cases shared with them."""
    if principal.role is not Role.CPS:
        return set()
    return uow.cases.shared_item_ids(principal.name)
