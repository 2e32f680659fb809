"""What a bundle export reads about a case, in the unit of work's session
(``evidence.bundle.BundleSource``): the case, its linked exhibits, its CPS shares, and each
exhibit's current transcript."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidence.bundle import Exhibit
from evidence.cases import Case, Person, validate_urn
from evidence.errors import NotFound
from evidence.transcripts import Transcript
from storage.case_tables import CaseIncidentRow, CaseLinkRow, CaseRow
from storage.repository import _item
from storage.tables import ItemRow
from storage.transcript_tables import TranscriptRow
from storage.web_tables import CaseShareRow, UserRow


class SqlBundleSource:
    def __init__(self, session: Session) -> None:
        self.session = session

    def case(self, urn: str) -> Case:
        row = self.session.get(CaseRow, validate_urn(urn))
        if row is None:
            raise NotFound(f"case {validate_urn(urn)}: not found")
        incidents = self.session.scalars(
            select(CaseIncidentRow.incident)
            .where(CaseIncidentRow.urn == row.urn)
            .order_by(CaseIncidentRow.id)
        )
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

    def exhibits(self, urn: str) -> list[Exhibit]:
        rows = self.session.execute(
            select(CaseLinkRow.exhibit_ref, ItemRow)
            .join(ItemRow, ItemRow.id == CaseLinkRow.item_id)
            .where(CaseLinkRow.urn == validate_urn(urn), CaseLinkRow.active.is_(True))
            .order_by(CaseLinkRow.id)
        )
        return [Exhibit(ref, _item(item)) for ref, item in rows]

    def shared_with(self, urn: str, user: str) -> bool:
        query = (
            select(CaseShareRow.id)
            .join(UserRow, UserRow.id == CaseShareRow.user_id)
            .where(CaseShareRow.case_urn == validate_urn(urn), UserRow.name == user)
        )
        return self.session.scalars(query.limit(1)).first() is not None

    def transcript(self, item_id: str) -> Transcript | None:
        # Imported here: the transcript repository imports the unit of work, which imports this.
        from storage.transcript_repository import _transcript

        query = select(TranscriptRow).where(
            TranscriptRow.item_id == item_id, TranscriptRow.is_current.is_(True)
        )
        row = self.session.scalars(query.limit(1)).first()
        return _transcript(self.session, row) if row is not None else None
