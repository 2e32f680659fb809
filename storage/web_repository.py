"""Users, tokens, sessions and the audit trail, on SQLAlchemy (case shares: ``case_repository``)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from evidence.access import Principal, Role, check_password, check_username
from evidence.audit import AuditEvent
from evidence.errors import Conflict, NotFound
from evidence.model import utcnow
from storage.passwords import hash_password, verify_password
from storage.unit_of_work import run_once, unit_of_work_factory
from storage.web_tables import TokenRow, UserRow

TOKEN_LIFETIME = timedelta(hours=8)


@dataclass(frozen=True)
class UserAccount:
    name: str
    role: str
    officer_id: str | None
    disabled: bool
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "officer_id": self.officer_id,
            "disabled": self.disabled,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class IssuedToken:
    secret: str
    csrf: str | None
    expires_at: datetime


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class WebRepository:
    def __init__(self, engine: Engine) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.new_uow = unit_of_work_factory(engine)

    def add_user(self, name: str, role: Role, password: str, officer_id: str | None) -> None:
        check_username(name)
        check_password(password)
        if role is Role.OFFICER:
            # Collar numbers are written in capitals on items ("PC4521"), whatever the login.
            officer_id = (officer_id or name.upper()).strip()
        try:
            with self.sessions.begin() as session:
                session.add(
                    UserRow(
                        name=name,
                        role=role.value,
                        officer_id=officer_id,
                        password_hash=hash_password(password),
                        disabled=False,
                        created_at=utcnow(),
                    )
                )
        except IntegrityError as exc:
            raise Conflict(f"user {name}: already exists") from exc

    def users(self) -> list[UserAccount]:
        with self.sessions() as session:
            rows = session.scalars(select(UserRow).order_by(UserRow.name))
            return [
                UserAccount(row.name, row.role, row.officer_id, row.disabled, row.created_at)
                for row in rows
            ]

    def disable_user(self, name: str) -> None:
        """Disable the account and revoke every token and session it holds."""
        with self.sessions.begin() as session:
            row = self._user(session, name)
            row.disabled = True
            session.execute(update(TokenRow).where(TokenRow.user_id == row.id).values(revoked=True))

    def principal(self, name: str) -> Principal:
        with self.sessions() as session:
            row = self._user(session, name)
            return Principal(row.name, Role(row.role), row.officer_id)

    def _user(self, session: Session, name: str) -> UserRow:
        row = session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()
        if row is None:
            raise NotFound(f"user {name}: not found")
        return row

    def authenticate(self, name: str, password: str) -> Principal | None:
        with self.sessions() as session:
            row = session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()
        if not verify_password(row.password_hash if row else None, password):
            return None
        if row is None or row.disabled:
            return None
        return Principal(row.name, Role(row.role), row.officer_id)

    def issue_token(self, name: str, kind: str) -> IssuedToken:
        secret = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24) if kind == "session" else None
        now = utcnow()
        with self.sessions.begin() as session:
            user = self._user(session, name)
            session.add(
                TokenRow(
                    token_hash=_digest(secret),
                    user_id=user.id,
                    kind=kind,
                    csrf=csrf,
                    created_at=now,
                    expires_at=now + TOKEN_LIFETIME,
                    revoked=False,
                )
            )
        return IssuedToken(secret, csrf, now + TOKEN_LIFETIME)

    def resolve_token(self, secret: str, kind: str) -> tuple[Principal, str | None] | None:
        """The principal (and CSRF secret) behind a live token of ``kind``, or None."""
        query = (
            select(TokenRow, UserRow)
            .join(UserRow, UserRow.id == TokenRow.user_id)
            .where(TokenRow.token_hash == _digest(secret), TokenRow.kind == kind)
        )
        with self.sessions() as session:
            found = session.execute(query).one_or_none()
        if found is None:
            return None
        token, user = found
        if token.revoked or user.disabled or token.expires_at <= utcnow():
            return None
        return Principal(user.name, Role(user.role), user.officer_id), token.csrf

    def revoke_token(self, secret: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(TokenRow).where(TokenRow.token_hash == _digest(secret)).values(revoked=True)
            )

    def record(
        self,
        principal: Principal,
        action: str,
        target: str,
        address: str,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        return self.record_as(
            principal.name, principal.role.value, action, target, address, details
        )

    def record_as(
        self,
        actor: str,
        role: str,
        action: str,
        target: str,
        address: str,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Append an audit event to the chain in a unit of work of its own.

        ``actor`` need not be signed in: a failed sign-in, or an administrator at the console.
        """
        return run_once(
            self.new_uow,
            lambda uow: uow.audit.record(actor, role, action, target, address, details),
        )

    def audit(self, target: str | None = None, limit: int | None = None) -> list[AuditEvent]:
        return run_once(self.new_uow, lambda uow: uow.audit.events(target, limit))
