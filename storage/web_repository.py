"""Case shares on SQLAlchemy (users and tokens are in ``storage.accounts``)."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from evidence.access import Role
from evidence.errors import InvalidInput, NotFound
from evidence.model import utcnow
from storage.web_tables import CaseShareRow, UserRow


class WebRepository:
    def __init__(self, engine: Engine) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def _user(self, session: Session, name: str) -> UserRow:
        row = session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()
        if row is None:
            raise NotFound(f"user {name}: not found")
        return row

    def share_case(self, urn: str, name: str, shared_by: str) -> None:
        with self.sessions.begin() as session:
            user = self._user(session, name)
            if user.role != Role.CPS.value:
                raise InvalidInput(f"user {name}: cases are shared with CPS users only")
            exists = session.scalars(
                select(CaseShareRow).where(
                    CaseShareRow.case_urn == urn, CaseShareRow.user_id == user.id
                )
            ).first()
            if exists is None:
                session.add(
                    CaseShareRow(
                        case_urn=urn, user_id=user.id, shared_by=shared_by, shared_at=utcnow()
                    )
                )

    def shared_cases(self, name: str) -> set[str]:
        query = (
            select(CaseShareRow.case_urn)
            .join(UserRow, UserRow.id == CaseShareRow.user_id)
            .where(UserRow.name == name)
        )
        with self.sessions() as session:
            return set(session.scalars(query))

    def case_shares(self, urn: str) -> list[str]:
        query = (
            select(UserRow.name)
            .join(CaseShareRow, UserRow.id == CaseShareRow.user_id)
            .where(CaseShareRow.case_urn == urn)
            .order_by(UserRow.name)
        )
        with self.sessions() as session:
            return list(session.scalars(query))
