"""Cases, exhibit links and link suggestions in SQL; every link change is a custody event.

A link and its custody event commit in one transaction, so the case and the item's custody
log never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from evidence.cases import (
    Case,
    Link,
    Person,
    Suggestion,
    next_exhibit_ref,
    producer_prefix,
    validate_exhibit_ref,
    validate_urn,
)
from evidence.custody import Actor
from evidence.errors import Conflict, NotFound
from evidence.model import EvidenceItem, utcnow
from storage.case_tables import CaseIncidentRow, CaseLinkRow, CaseRow, CaseSuggestionRow
from storage.repository import SqlRepository, _item
from storage.search_index import refresh_case_scope
from storage.tables import ItemRow
from storage.web_tables import CaseShareRow

LINK_ATTEMPTS = 5


class CaseRepository:
    def __init__(self, engine: Engine, items: SqlRepository) -> None:
        self.items = items
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def create(self, case: Case) -> Case:
        try:
            with self.sessions.begin() as session:
                session.add(
                    CaseRow(
                        urn=case.urn,
                        title=case.title,
                        domestic_abuse=case.domestic_abuse,
                        people=[p.as_dict() for p in case.people],
                        status=case.status,
                        created_at=case.created_at,
                        created_by=case.created_by,
                    )
                )
                session.flush()
                session.add_all(CaseIncidentRow(urn=case.urn, incident=i) for i in case.incidents)
        except IntegrityError as exc:
            raise Conflict(f"case {case.urn}: already exists") from exc
        return case

    def get(self, urn: str) -> Case:
        with self.sessions() as session:
            return self._case(session, _case_row(session, urn))

    def all_cases(self) -> list[Case]:
        with self.sessions() as session:
            rows = session.scalars(select(CaseRow).order_by(CaseRow.created_at.desc()))
            return [self._case(session, row) for row in rows]

    def _case(self, session: Session, row: CaseRow) -> Case:
        incidents = session.scalars(
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
            status=row.status,
        )

    def set_status(self, urn: str, status: str) -> Case:
        with self.sessions.begin() as session:
            row = _case_row(session, urn, lock=True)
            row.status = status
            return self._case(session, row)

    def exhibits(self, urn: str) -> list[tuple[Link, EvidenceItem]]:
        """The case's active links with their items, in exhibit-ref order."""
        with self.sessions() as session:
            _case_row(session, urn)
            rows = session.execute(
                select(CaseLinkRow, ItemRow)
                .join(ItemRow, ItemRow.id == CaseLinkRow.item_id)
                .where(CaseLinkRow.urn == validate_urn(urn), CaseLinkRow.active.is_(True))
                .order_by(CaseLinkRow.id)
            ).all()
            return [(_link(link), _item(item)) for link, item in rows]

    def item_ids_for_case(self, urn: str) -> set[str]:
        with self.sessions() as session:
            _case_row(session, urn)
            return set(
                session.scalars(
                    select(CaseLinkRow.item_id).where(
                        CaseLinkRow.urn == validate_urn(urn), CaseLinkRow.active.is_(True)
                    )
                )
            )

    def cases_for_incident(self, incident: str) -> list[str]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(CaseIncidentRow.urn).where(
                        CaseIncidentRow.incident == incident.strip().upper()
                    )
                )
            )

    def shared_cases(self) -> set[str]:
        """Cases shared with at least one CPS user."""
        with self.sessions() as session:
            return set(session.scalars(select(CaseShareRow.case_urn).distinct()))

    def items_for_incidents(self, incidents: Iterable[str]) -> list[str]:
        wanted = [i.strip().upper() for i in incidents]
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(ItemRow.id)
                    .where(func.upper(func.trim(ItemRow.incident)).in_(wanted))
                    .order_by(ItemRow.recorded_at, ItemRow.id)
                )
            )

    def cases_with_officers(self, officers: Iterable[str]) -> set[str]:
        """Cases with a linked item recorded by one of ``officers``."""
        with self.sessions() as session:
            return set(
                session.scalars(
                    select(CaseLinkRow.urn)
                    .join(ItemRow, ItemRow.id == CaseLinkRow.item_id)
                    .where(ItemRow.officer.in_(list(officers)), CaseLinkRow.active.is_(True))
                )
            )

    def items_by_officers(
        self, officers: Iterable[str], start: datetime, end: datetime
    ) -> list[EvidenceItem]:
        query = select(ItemRow).where(
            ItemRow.officer.in_(list(officers)),
            ItemRow.recorded_at.is_not(None),
            ItemRow.recorded_at <= end,
            ItemRow.recorded_at >= start,
        )
        with self.sessions() as session:
            return [_item(row) for row in session.scalars(query)]

    def link(
        self,
        urn: str,
        item_id: str,
        actor: Actor,
        *,
        how: str,
        reason: str = "",
        exhibit_ref: str | None = None,
    ) -> tuple[Link, bool]:
        """Link an item (a unique id prefix will do); returns the link and whether it is new."""
        item = self.items.get_item(item_id)
        for attempt in range(LINK_ATTEMPTS):
            try:
                with self.items.breaks_recorded(), self.sessions.begin() as session:
                    return self._link(session, urn, item, actor, how, reason, exhibit_ref)
            except IntegrityError as exc:
                if attempt == LINK_ATTEMPTS - 1:
                    raise Conflict(
                        f"case {urn}: item {item.id} could not be linked ({exc.orig})"
                    ) from exc
        raise AssertionError("unreachable")

    def _link(
        self,
        session: Session,
        urn: str,
        item: EvidenceItem,
        actor: Actor,
        how: str,
        reason: str,
        exhibit_ref: str | None,
    ) -> tuple[Link, bool]:
        case_row = _case_row(session, urn, lock=True)
        wanted = validate_exhibit_ref(exhibit_ref) if exhibit_ref else None
        row = session.scalars(
            select(CaseLinkRow).where(
                CaseLinkRow.urn == case_row.urn, CaseLinkRow.item_id == item.id
            )
        ).one_or_none()
        if row is not None and wanted and wanted != row.exhibit_ref:
            raise Conflict(
                f"case {case_row.urn}: item {item.id} is exhibit {row.exhibit_ref}; "
                f"an exhibit keeps its reference, so it cannot become {wanted}"
            )
        if row is not None and row.active:
            return _link(row), False
        refs = set(
            session.scalars(select(CaseLinkRow.exhibit_ref).where(CaseLinkRow.urn == case_row.urn))
        )
        if row is None:
            if wanted in refs:
                raise Conflict(f"case {case_row.urn}: exhibit reference {wanted} is already used")
            people = [Person(**p) for p in case_row.people]
            row = CaseLinkRow(
                urn=case_row.urn,
                item_id=item.id,
                exhibit_ref=wanted or next_exhibit_ref(producer_prefix(item.officer, people), refs),
            )
            session.add(row)
        row.how, row.reason, row.active = how, reason, True
        row.linked_by, row.linked_at = actor.name, utcnow()
        for suggestion in session.scalars(
            select(CaseSuggestionRow).where(
                CaseSuggestionRow.urn == case_row.urn, CaseSuggestionRow.item_id == item.id
            )
        ):
            suggestion.status = "confirmed" if how == "confirmed" else "linked"
        session.flush()
        refresh_case_scope(session, item.id)
        details = {"urn": case_row.urn, "exhibit_ref": row.exhibit_ref, "how": how}
        self.items.append_in(session, item.id, "case-linked", actor, {**details, "reason": reason})
        return _link(row), True

    def unlink(self, urn: str, item_id: str, actor: Actor, reason: str) -> Link:
        item = self.items.get_item(item_id)
        with self.items.breaks_recorded(), self.sessions.begin() as session:
            case_row = _case_row(session, urn, lock=True)
            row = session.scalars(
                select(CaseLinkRow).where(
                    CaseLinkRow.urn == case_row.urn,
                    CaseLinkRow.item_id == item.id,
                    CaseLinkRow.active.is_(True),
                )
            ).one_or_none()
            if row is None:
                raise NotFound(f"case {case_row.urn}: item {item.id} is not linked to it")
            row.active = False
            refresh_case_scope(session, item.id)
            self.items.append_in(
                session,
                item.id,
                "case-unlinked",
                actor,
                {"urn": case_row.urn, "exhibit_ref": row.exhibit_ref, "reason": reason},
            )
            return _link(row)

    def add_suggestions(self, suggestions: Iterable[Suggestion]) -> list[Suggestion]:
        """Record proposals not seen before for their case; returns the new ones."""
        added = []
        for suggestion in suggestions:
            with self.sessions.begin() as session:
                known = session.scalars(
                    select(CaseSuggestionRow.id).where(
                        CaseSuggestionRow.urn == suggestion.urn,
                        CaseSuggestionRow.item_id == suggestion.item_id,
                    )
                ).first()
                if known is not None:
                    continue
                session.add(
                    CaseSuggestionRow(
                        urn=suggestion.urn,
                        item_id=suggestion.item_id,
                        related_item_id=suggestion.related_item_id,
                        reason=suggestion.reason,
                        status="proposed",
                        created_at=utcnow(),
                    )
                )
                added.append(suggestion)
        return added

    def suggestions(self, urn: str) -> list[Suggestion]:
        """Proposals still waiting for an investigator."""
        with self.sessions() as session:
            case_row = _case_row(session, urn)
            rows = session.scalars(
                select(CaseSuggestionRow)
                .where(
                    CaseSuggestionRow.urn == case_row.urn, CaseSuggestionRow.status == "proposed"
                )
                .order_by(CaseSuggestionRow.id)
            )
            return [
                Suggestion(
                    urn=r.urn, item_id=r.item_id, related_item_id=r.related_item_id, reason=r.reason
                )
                for r in rows
            ]


def _case_row(session: Session, urn: str, lock: bool = False) -> CaseRow:
    query = select(CaseRow).where(CaseRow.urn == validate_urn(urn))
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise NotFound(f"case {validate_urn(urn)}: not found")
    return row


def _link(row: CaseLinkRow) -> Link:
    return Link(
        urn=row.urn,
        item_id=row.item_id,
        exhibit_ref=row.exhibit_ref,
        how=row.how,
        linked_by=row.linked_by,
        linked_at=row.linked_at,
        reason=row.reason,
    )
