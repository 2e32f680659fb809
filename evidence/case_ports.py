"""What the case use cases need from storage: cases, their exhibit links, proposals and shares.

The repository only reads and writes; which reference an exhibit gets, who may see a case
and what is proposed are decided in ``evidence.cases`` and ``evidence.services``. It works
inside the unit of work it was opened in and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from evidence.access import Role
from evidence.cases import Case, CaseStatus, Link, Suggestion
from evidence.model import EvidenceItem


class SuggestionStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    LINKED = "linked"


class Cases(Protocol):
    def add(self, case: Case) -> None:
        """Record a new case with its incident numbers; ``Conflict`` if the URN is taken."""
        ...

    def get(self, urn: str, *, lock: bool = False) -> Case:
        """The case (``NotFound`` if none); ``lock`` holds it against other writers until
        the unit of work ends, so exhibit references are handed out one at a time."""
        ...

    def all(self) -> list[Case]:
        """Newest first."""
        ...

    def set_status(self, urn: str, status: CaseStatus) -> Case: ...

    def exhibits(self, urn: str) -> list[tuple[Link, EvidenceItem]]:
        """The case's active links with their items, in the order they were first linked."""
        ...

    def exhibit_counts(self) -> dict[str, int]:
        """How many active exhibits each case has (cases with none are left out)."""
        ...

    def item_ids(self, urn: str) -> set[str]:
        """The ids of the case's active exhibits (``NotFound`` if there is no such case)."""
        ...

    def link(self, urn: str, item_id: str) -> Link | None:
        """The item's link to the case, active or not, if it was ever linked."""
        ...

    def exhibit_refs(self, urn: str) -> set[str]:
        """Every reference the case has ever given, including those of unlinked items."""
        ...

    def save_link(self, link: Link) -> None:
        """Write the link: a new one, or the case's row for that item (its ref unchanged)."""
        ...

    def cases_for_incident(self, incident: str) -> list[str]: ...

    def items_for_incidents(self, incidents: Iterable[str]) -> list[EvidenceItem]:
        """Items recorded under any of the incident numbers, earliest recording first."""
        ...

    def cases_with_officers(self, officers: Iterable[str]) -> set[str]:
        """Cases with an active exhibit recorded by one of ``officers``."""
        ...

    def items_by_officers(
        self, officers: Iterable[str], start: datetime, end: datetime
    ) -> list[EvidenceItem]:
        """Items by ``officers`` whose recording started between ``start`` and ``end``."""
        ...

    def suggestions(self, urn: str) -> list[Suggestion]:
        """Proposals still waiting for an investigator, oldest first."""
        ...

    def add_suggestion(self, suggestion: Suggestion) -> bool:
        """Record a proposal unless the item was proposed for the case before; True if new."""
        ...

    def settle_suggestion(self, urn: str, item_id: str, status: SuggestionStatus) -> None:
        """Mark the item's proposal for the case (if any) as dealt with."""
        ...

    def shared_cases(self, user: str | None = None) -> set[str]:
        """Cases shared with ``user``, or with any CPS user when no user is named."""
        ...

    def shares(self, urn: str) -> list[str]:
        """The names of the users the case is shared with, sorted."""
        ...

    def share(self, urn: str, user: str, shared_by: str) -> None:
        """Share the case with ``user`` (sharing twice is not an error)."""
        ...

    def account_role(self, user: str) -> Role:
        """The role of the account ``user`` (``NotFound`` if there is none)."""
        ...

    def cps_accounts(self) -> list[str]:
        """The enabled CPS accounts, by name: whom a case may be shared with."""
        ...

    def shared_item_ids(self, user: str) -> set[str]:
        """The active exhibits of every case shared with ``user``."""
        ...
