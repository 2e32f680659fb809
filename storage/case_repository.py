"""Cases, exhibit links, link proposals and case shares in SQL, inside a unit of work.

Rows only: which reference an exhibit gets, and who may see what, are decided by the
services. Nothing here commits; the unit of work that opened the session does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evidence.access import Role
from evidence.case_ports import SuggestionStatus
from evidence.cases import Case, CaseStatus, Link, LinkHow, Person, Suggestion, validate_urn
from evidence.errors import Conflict, NotFound
from evidence.model import EvidenceItem, utcnow
from storage.case_tables import CaseIncidentRow, CaseLinkRow, CaseRow, CaseSuggestionRow
from storage.repository import _item
from storage.tables import ItemRow
from storage.web_tables import CaseShareRow, UserRow


class SqlCases:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, case: Case) -> None:
        if self.session.get(CaseRow, case.urn) is not None:
            raise Conflict(f"case {case.urn}: already exists")
        self.session.add(
            CaseRow(
                urn=case.urn,
                title=case.title,
                domestic_abuse=case.domestic_abuse,
                people=[p.as_dict() for p in case.people],
                status=case.status.value,
                created_at=case.created_at,
                created_by=case.created_by,
            )
        )
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise Conflict(f"case {case.urn}: already exists") from exc
        self.session.add_all(CaseIncidentRow(urn=case.urn, incident=i) for i in case.incidents)
        self.session.flush()

    def get(self, urn: str, *, lock: bool = False) -> Case:
        return self._case(self._row(urn, lock))

    def all(self) -> list[Case]:
        rows = self.session.scalars(select(CaseRow).order_by(CaseRow.created_at.desc()))
        return [self._case(row) for row in rows]

    def set_status(self, urn: str, status: CaseStatus) -> Case:
        row = self._row(urn, lock=True)
        row.status = status.value
        self.session.flush()
        return self._case(row)

    def exhibits(self, urn: str) -> list[tuple[Link, EvidenceItem]]:
        rows = self.session.execute(
            select(CaseLinkRow, ItemRow)
            .join(ItemRow, ItemRow.id == CaseLinkRow.item_id)
            .where(CaseLinkRow.urn == self._row(urn).urn, CaseLinkRow.active.is_(True))
            .order_by(CaseLinkRow.id)
        ).all()
        return [(_link(link), _item(item)) for link, item in rows]

    def exhibit_counts(self) -> dict[str, int]:
        rows = self.session.execute(
            select(CaseLinkRow.urn, func.count())
            .where(CaseLinkRow.active.is_(True))
            .group_by(CaseLinkRow.urn)
        )
        return {urn: count for urn, count in rows.tuples()}

    def item_ids(self, urn: str) -> set[str]:
        query = select(CaseLinkRow.item_id).where(
            CaseLinkRow.urn == self._row(urn).urn, CaseLinkRow.active.is_(True)
        )
        return set(self.session.scalars(query))

    def link(self, urn: str, item_id: str) -> Link | None:
        row = self._link_row(urn, item_id)
        return _link(row) if row is not None else None

    def exhibit_refs(self, urn: str) -> set[str]:
        query = select(CaseLinkRow.exhibit_ref).where(CaseLinkRow.urn == validate_urn(urn))
        return set(self.session.scalars(query))

    def save_link(self, link: Link) -> None:
        row = self._link_row(link.urn, link.item_id)
        if row is None:
            row = CaseLinkRow(urn=link.urn, item_id=link.item_id, exhibit_ref=link.exhibit_ref)
            self.session.add(row)
        row.how, row.reason, row.active = link.how.value, link.reason, link.active
        row.linked_by, row.linked_at = link.linked_by, link.linked_at
        self.session.flush()
        # The CPS search scope is copied onto the item's segments; it commits with the link.
        # (Imported here: reading a case needs neither the search scope nor the segments.)
        from storage.search_scope import refresh_case_scope

        refresh_case_scope(self.session, link.item_id)

    def cases_for_incident(self, incident: str) -> list[str]:
        query = select(CaseIncidentRow.urn).where(
            CaseIncidentRow.incident == incident.strip().upper()
        )
        return list(self.session.scalars(query))

    def items_for_incidents(self, incidents: Iterable[str]) -> list[EvidenceItem]:
        wanted = [i.strip().upper() for i in incidents]
        query = (
            select(ItemRow)
            .where(func.upper(func.trim(ItemRow.incident)).in_(wanted))
            .order_by(ItemRow.recorded_at, ItemRow.id)
        )
        return [_item(row) for row in self.session.scalars(query)]

    def cases_with_officers(self, officers: Iterable[str]) -> set[str]:
        query = (
            select(CaseLinkRow.urn)
            .join(ItemRow, ItemRow.id == CaseLinkRow.item_id)
            .where(ItemRow.officer.in_(list(officers)), CaseLinkRow.active.is_(True))
        )
        return set(self.session.scalars(query))

    def items_by_officers(
        self, officers: Iterable[str], start: datetime, end: datetime
    ) -> list[EvidenceItem]:
        query = select(ItemRow).where(
            ItemRow.officer.in_(list(officers)),
            ItemRow.recorded_at.is_not(None),
            ItemRow.recorded_at <= end,
            ItemRow.recorded_at >= start,
        )
        return [_item(row) for row in self.session.scalars(query)]

    def suggestions(self, urn: str) -> list[Suggestion]:
        rows = self.session.scalars(
            select(CaseSuggestionRow)
            .where(
                CaseSuggestionRow.urn == self._row(urn).urn,
                CaseSuggestionRow.status == SuggestionStatus.PROPOSED.value,
            )
            .order_by(CaseSuggestionRow.id)
        )
        return [
            Suggestion(
                urn=r.urn, item_id=r.item_id, related_item_id=r.related_item_id, reason=r.reason
            )
            for r in rows
        ]

    def add_suggestion(self, suggestion: Suggestion) -> bool:
        if self._suggestion_row(suggestion.urn, suggestion.item_id) is not None:
            return False
        self.session.add(
            CaseSuggestionRow(
                urn=suggestion.urn,
                item_id=suggestion.item_id,
                related_item_id=suggestion.related_item_id,
                reason=suggestion.reason,
                status=SuggestionStatus.PROPOSED.value,
                created_at=utcnow(),
            )
        )
        self.session.flush()
        return True

    def settle_suggestion(self, urn: str, item_id: str, status: SuggestionStatus) -> None:
        row = self._suggestion_row(urn, item_id)
        if row is not None:
            row.status = status.value
            self.session.flush()

    def shared_cases(self, user: str | None = None) -> set[str]:
        query = select(CaseShareRow.case_urn).distinct()
        if user is not None:
            query = query.join(UserRow, UserRow.id == CaseShareRow.user_id).where(
                UserRow.name == user
            )
        return set(self.session.scalars(query))

    def shares(self, urn: str) -> list[str]:
        query = (
            select(UserRow.name)
            .join(CaseShareRow, UserRow.id == CaseShareRow.user_id)
            .where(CaseShareRow.case_urn == urn)
            .order_by(UserRow.name)
        )
        return list(self.session.scalars(query))

    def share(self, urn: str, user: str, shared_by: str) -> None:
        account = self._user(user)
        exists = self.session.scalars(
            select(CaseShareRow.id).where(
                CaseShareRow.case_urn == urn, CaseShareRow.user_id == account.id
            )
        ).first()
        if exists is None:
            self.session.add(
                CaseShareRow(
                    case_urn=urn, user_id=account.id, shared_by=shared_by, shared_at=utcnow()
                )
            )
            self.session.flush()

    def account_role(self, user: str) -> Role:
        return Role(self._user(user).role)

    def cps_accounts(self) -> list[str]:
        query = (
            select(UserRow.name)
            .where(UserRow.role == Role.CPS.value, UserRow.disabled.is_(False))
            .order_by(UserRow.name)
        )
        return list(self.session.scalars(query))

    def shared_item_ids(self, user: str) -> set[str]:
        query = (
            select(CaseLinkRow.item_id)
            .join(CaseShareRow, CaseShareRow.case_urn == CaseLinkRow.urn)
            .join(UserRow, UserRow.id == CaseShareRow.user_id)
            .where(UserRow.name == user, CaseLinkRow.active.is_(True))
        )
        return set(self.session.scalars(query))

    def _row(self, urn: str, lock: bool = False) -> CaseRow:
        query = select(CaseRow).where(CaseRow.urn == validate_urn(urn))
        row = self.session.scalars(query.with_for_update() if lock else query).one_or_none()
        if row is None:
            raise NotFound(f"case {validate_urn(urn)}: not found")
        return row

    def _case(self, row: CaseRow) -> Case:
        incidents = self.session.scalars(
            select(CaseIncidentRow.incident)
            .where(CaseIncidentRow.urn == row.urn)
            .order_by(CaseIncidentRow.id)
        ).all()
        return Case(
            urn=row.urn,
            title=row.title,
            created_at=row.created_at,
            created_by=row.created_by,
            incidents=list(incidents),
            domestic_abuse=row.domestic_abuse,
            people=[Person(**p) for p in row.people],
            status=CaseStatus(row.status),
        )

    def _link_row(self, urn: str, item_id: str) -> CaseLinkRow | None:
        query = select(CaseLinkRow).where(
            CaseLinkRow.urn == validate_urn(urn), CaseLinkRow.item_id == item_id
        )
        return self.session.scalars(query).one_or_none()

    def _suggestion_row(self, urn: str, item_id: str) -> CaseSuggestionRow | None:
        query = select(CaseSuggestionRow).where(
            CaseSuggestionRow.urn == urn, CaseSuggestionRow.item_id == item_id
        )
        return self.session.scalars(query).first()

    def _user(self, name: str) -> UserRow:
        row = self.session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()
        if row is None:
            raise NotFound(f"user {name}: not found")
        return row


def _link(row: CaseLinkRow) -> Link:
    return Link(
        urn=row.urn,
        item_id=row.item_id,
        exhibit_ref=row.exhibit_ref,
        how=LinkHow(row.how),
        linked_by=row.linked_by,
        linked_at=row.linked_at,
        reason=row.reason,
        active=row.active,
    )
