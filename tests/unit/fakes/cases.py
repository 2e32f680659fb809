"""Cases, links, proposals and shares in memory, read and written as the SQL adapter does:
links keep their first-link order, an unlinked one stays (inactive), a URN is canonical."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime

from evidence.access import Role
from evidence.case_ports import SuggestionStatus
from evidence.cases import Case, CaseStatus, Link, Suggestion, validate_urn
from evidence.errors import Conflict, NotFound
from evidence.model import EvidenceItem
from tests.unit.fakes.items import FakeItems

EARLIEST = datetime.min


class FakeCases:
    def __init__(self, items: FakeItems) -> None:
        # A closure, not the repository: the unit of work snapshots each repository's state
        # on its own, and a deep copy keeps a function as it is.
        self.held: Callable[[], dict[str, EvidenceItem]] = lambda: items.items
        self.cases: dict[str, Case] = {}
        self.links: list[Link] = []
        self.proposals: list[tuple[Suggestion, SuggestionStatus]] = []
        self.shared: dict[str, list[str]] = {}
        self.accounts: dict[str, tuple[Role, bool]] = {}

    def add_account(self, name: str, role: Role, disabled: bool = False) -> None:
        self.accounts[name] = (role, disabled)

    def add(self, case: Case) -> None:
        if case.urn in self.cases:
            raise Conflict(f"case {case.urn}: already exists")
        self.cases[case.urn] = replace(case)

    def get(self, urn: str, *, lock: bool = False) -> Case:
        found = self.cases.get(validate_urn(urn))
        if found is None:
            raise NotFound(f"case {validate_urn(urn)}: not found")
        return replace(found)

    def all(self) -> list[Case]:
        return sorted(self.cases.values(), key=lambda case: case.created_at, reverse=True)

    def set_status(self, urn: str, status: CaseStatus) -> Case:
        self.cases[self.get(urn).urn].status = status
        return self.get(urn)

    def exhibits(self, urn: str) -> list[tuple[Link, EvidenceItem]]:
        urn = self.get(urn).urn
        return [(link, self.held()[link.item_id]) for link in self.links if _active(link, urn)]

    def exhibit_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for link in self.links:
            if link.active:
                counts[link.urn] = counts.get(link.urn, 0) + 1
        return counts

    def item_ids(self, urn: str) -> set[str]:
        return {link.item_id for link, _ in self.exhibits(urn)}

    def link(self, urn: str, item_id: str) -> Link | None:
        wanted = (validate_urn(urn), item_id)
        return next((link for link in self.links if (link.urn, link.item_id) == wanted), None)

    def exhibit_refs(self, urn: str) -> set[str]:
        return {link.exhibit_ref for link in self.links if link.urn == validate_urn(urn)}

    def save_link(self, link: Link) -> None:
        for n, held in enumerate(self.links):
            if (held.urn, held.item_id) == (link.urn, link.item_id):
                self.links[n] = replace(link, exhibit_ref=held.exhibit_ref)
                return
        if link.exhibit_ref in self.exhibit_refs(link.urn):
            raise Conflict(f"case {link.urn}: exhibit reference {link.exhibit_ref} is taken")
        self.links.append(link)

    def cases_for_incident(self, incident: str) -> list[str]:
        wanted = incident.strip().upper()
        return [urn for urn, case in self.cases.items() if wanted in case.incidents]

    def items_for_incidents(self, incidents: Iterable[str]) -> list[EvidenceItem]:
        wanted = {i.strip().upper() for i in incidents}
        found = [i for i in self.held().values() if (i.incident or "").strip().upper() in wanted]
        return sorted(found, key=lambda i: (i.recorded_at is not None, i.recorded_at, i.id))

    def cases_with_officers(self, officers: Iterable[str]) -> set[str]:
        chosen = set(officers)
        return {
            link.urn
            for link in self.links
            if link.active and self.held()[link.item_id].officer in chosen
        }

    def items_by_officers(
        self, officers: Iterable[str], start: datetime, end: datetime
    ) -> list[EvidenceItem]:
        chosen = set(officers)
        return [
            item
            for item in self.held().values()
            if item.officer in chosen and item.recorded_at and start <= item.recorded_at <= end
        ]

    def suggestions(self, urn: str) -> list[Suggestion]:
        urn = self.get(urn).urn
        return [s for s, status in self.proposals if s.urn == urn and status == "proposed"]

    def add_suggestion(self, suggestion: Suggestion) -> bool:
        if any(
            (s.urn, s.item_id) == (suggestion.urn, suggestion.item_id) for s, _ in self.proposals
        ):
            return False
        self.proposals.append((suggestion, SuggestionStatus.PROPOSED))
        return True

    def settle_suggestion(self, urn: str, item_id: str, status: SuggestionStatus) -> None:
        self.proposals = [
            (s, status if (s.urn, s.item_id) == (urn, item_id) else old)
            for s, old in self.proposals
        ]

    def shared_cases(self, user: str | None = None) -> set[str]:
        return {urn for urn, users in self.shared.items() if user is None or user in users}

    def shares(self, urn: str) -> list[str]:
        return sorted(self.shared.get(urn, []))

    def share(self, urn: str, user: str, shared_by: str) -> None:
        self.account_role(user)
        users = self.shared.setdefault(urn, [])
        if user not in users:
            users.append(user)

    def account_role(self, user: str) -> Role:
        if user not in self.accounts:
            raise NotFound(f"user {user}: not found")
        return self.accounts[user][0]

    def cps_accounts(self) -> list[str]:
        return sorted(
            name for name, (role, off) in self.accounts.items() if role is Role.CPS and not off
        )

    def shared_item_ids(self, user: str) -> set[str]:
        return {
            link.item_id
            for link in self.links
            if link.active and link.urn in self.shared_cases(user)
        }


def _active(link: Link, urn: str) -> bool:
    return link.urn == urn and link.active
