"""Cases: URNs, the people involved, links to evidence with exhibit references, timelines.

Exhibit references follow UK practice: the producing officer's initials and a sequence,
``JS/1``, unique within a case. Items carry an officer's collar/staff id (``PC4521``), not
a name, so the producing officer's initials come from the case's people: a person with
role ``officer`` whose ``collar`` equals the item's officer id gives the initials of their
name; otherwise the collar id itself is the prefix (``PC4521/1``); an item with no officer
gets ``EX/1``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from evidence.errors import Conflict, InvalidInput
from evidence.model import EvidenceItem, iso_utc

URN_SHAPE = re.compile(r"^(\d{2})([A-Z]{2})(\d{5})(\d{2})$")
EXHIBIT_REF = re.compile(r"^([A-Z0-9]{1,16})/([1-9]\d{0,5})$")
ROLES = ("victim", "suspect", "witness", "officer")


class CaseStatus(StrEnum):
    OPEN = "open"
    CHARGED = "charged"
    NO_FURTHER_ACTION = "no-further-action"
    CLOSED = "closed"


class LinkHow(StrEnum):
    """How an item became an exhibit: its incident number, by hand, or a confirmed proposal."""

    AUTO_INCIDENT = "auto-incident"
    MANUAL = "manual"
    CONFIRMED = "confirmed"


STATUSES = tuple(CaseStatus)
UNKNOWN_PRODUCER = "EX"
EARLIEST = datetime.min.replace(tzinfo=UTC)


def validate_urn(raw: str) -> str:
    """The URN in canonical form (upper case, no spaces), or ``InvalidInput`` saying why.

    A URN is the force code (2 digits), the station or unit code (2 letters), a serial
    (5 digits) and the year (2 digits): ``01YZ1234524``.
    """
    urn = re.sub(r"[\s/-]", "", raw or "").upper()
    if not URN_SHAPE.match(urn):
        raise InvalidInput(
            f"URN {raw!r}: not a police unique reference number; expected 2 digits (force), "
            "2 letters (station/unit), 5 digits (serial) and 2 digits (year), e.g. 01YZ1234524"
        )
    return urn


def normalise_incident(raw: str) -> str:
    incident = raw.strip().upper()
    if not incident:
        raise InvalidInput("incident/CAD number: empty")
    return incident


def validate_exhibit_ref(raw: str) -> str:
    ref = raw.strip().upper()
    if not EXHIBIT_REF.match(ref):
        raise InvalidInput(
            f"exhibit reference {raw!r}: use the producing officer's initials or id, a slash "
            "and a number, e.g. JS/1"
        )
    return ref


@dataclass(frozen=True)
class Person:
    role: str
    name: str
    collar: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise InvalidInput(f"person {self.name!r}: role {self.role!r}; use one of {ROLES}")
        if not self.name.strip():
            raise InvalidInput(f"{self.role}: a name is needed")

    def as_dict(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "collar": self.collar}


@dataclass
class Case:
    urn: str
    title: str
    created_at: datetime
    created_by: str
    incidents: list[str] = field(default_factory=list)
    domestic_abuse: bool = False
    people: list[Person] = field(default_factory=list)
    status: CaseStatus = CaseStatus.OPEN

    def as_dict(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "title": self.title,
            "incidents": self.incidents,
            "domestic_abuse": self.domestic_abuse,
            "people": [p.as_dict() for p in self.people],
            "status": self.status.value,
            "created_at": iso_utc(self.created_at),
            "created_by": self.created_by,
        }


@dataclass(frozen=True)
class Link:
    """An item as an exhibit of a case; an unlinked one stays (inactive) to keep its ref."""

    urn: str
    item_id: str
    exhibit_ref: str
    how: LinkHow
    linked_by: str
    linked_at: datetime
    reason: str = ""
    active: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "item_id": self.item_id,
            "exhibit_ref": self.exhibit_ref,
            "how": self.how.value,
            "linked_by": self.linked_by,
            "linked_at": iso_utc(self.linked_at),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Suggestion:
    urn: str
    item_id: str
    related_item_id: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "item_id": self.item_id,
            "related_item_id": self.related_item_id,
            "reason": self.reason,
        }


def producer_prefix(officer: str | None, people: Iterable[Person]) -> str:
    """The exhibit-ref prefix for an item produced by ``officer`` (see the module notes)."""
    if not officer:
        return UNKNOWN_PRODUCER
    for person in people:
        if person.role == "officer" and person.collar and person.collar.upper() == officer.upper():
            initials = "".join(part[0] for part in re.findall(r"[A-Za-z]+", person.name))
            if initials:
                return initials.upper()
    prefix = re.sub(r"[^A-Z0-9]", "", officer.upper())[:16]
    return prefix or UNKNOWN_PRODUCER


def next_exhibit_ref(prefix: str, taken: Iterable[str]) -> str:
    """The next free ``PREFIX/n`` in a case, after the highest number that prefix has used."""
    used = [
        int(match.group(2))
        for ref in taken
        if (match := EXHIBIT_REF.match(ref)) and match.group(1) == prefix
    ]
    return f"{prefix}/{max(used, default=0) + 1}"


def exhibit_ref_for(
    case: Case,
    item: EvidenceItem,
    existing: Link | None,
    wanted: str | None,
    taken: Iterable[str],
) -> str:
    """The exhibit reference ``item`` is linked under in ``case``.

    An item linked before keeps its reference, even after an unlink; otherwise the one
    ``wanted``, if no other exhibit of the case has ever used it, or else the producer's next.
    """
    ref = validate_exhibit_ref(wanted) if wanted else None
    if existing is not None:
        if ref and ref != existing.exhibit_ref:
            raise Conflict(
                f"case {case.urn}: item {item.id} is exhibit {existing.exhibit_ref}; "
                f"an exhibit keeps its reference, so it cannot become {ref}"
            )
        return existing.exhibit_ref
    used = set(taken)
    if ref in used:
        raise Conflict(f"case {case.urn}: exhibit reference {ref} is already used")
    return ref or next_exhibit_ref(producer_prefix(item.officer, case.people), used)


def matches_incident(case_incidents: Iterable[str], item_incident: str | None) -> bool:
    if not item_incident or not item_incident.strip():
        return False
    return normalise_incident(item_incident) in {normalise_incident(i) for i in case_incidents}


def recorded_span(item: EvidenceItem) -> tuple[datetime, datetime] | None:
    if item.recorded_at is None:
        return None
    return item.recorded_at, item.recorded_at + timedelta(seconds=item.duration or 0.0)


def window_suggestions(
    urn: str,
    linked: Sequence[EvidenceItem],
    candidates: Iterable[EvidenceItem],
    window: timedelta,
) -> list[Suggestion]:
    """Items by the same officer recorded within ``window`` of a linked item's recording.

    These are proposals for an investigator to confirm, never links: the same officer may
    have attended another incident in that time.
    """
    linked_ids = {item.id for item in linked}
    proposals: list[Suggestion] = []
    for candidate in candidates:
        span = recorded_span(candidate)
        if candidate.id in linked_ids or span is None or not candidate.officer:
            continue
        for anchor in linked:
            anchor_span = recorded_span(anchor)
            if anchor_span is None or (anchor.officer or "").upper() != candidate.officer.upper():
                continue
            gap = max(anchor_span[0] - span[1], span[0] - anchor_span[1], timedelta(0))
            if gap <= window:
                minutes = int(gap.total_seconds() // 60)
                proposals.append(
                    Suggestion(
                        urn=urn,
                        item_id=candidate.id,
                        related_item_id=anchor.id,
                        reason=f"same officer {candidate.officer}, recorded {minutes} min from "
                        f"linked item {anchor.id[:12]} (window {int(window.total_seconds() // 60)}"
                        " min)",
                    )
                )
                break
    return proposals
