"""Users, tokens, sessions, the audit trail and case shares, on SQLAlchemy."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from evidence.access import Principal, Role, check_password, check_username
from evidence.audit import AuditEvent, next_audit_event
from evidence.custody import canonical_json
from evidence.errors import Conflict, InvalidInput, NotFound
from evidence.model import utcnow
from storage.passwords import hash_password, verify_password
from storage.tlog_repository import append_leaves
from storage.tlog_tables import AUDIT
from storage.web_tables import AuditRow, CaseShareRow, TokenRow, UserRow

TOKEN_LIFETIME = timedelta(hours=8)
AUDIT_ATTEMPTS = 10
# Any fixed number: the key of the transaction-scoped PostgreSQL lock that serialises writers
# of the audit chain (SQLite serialises them already: its transactions begin IMMEDIATE).
AUDIT_LOCK_KEY = 0x6175646974


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
        """Append an audit event to the chain; a concurrent writer makes us retry.

        ``actor`` need not be signed in: a failed sign-in, or an administrator at the console.
        """
        for attempt in range(AUDIT_ATTEMPTS):
            try:
                with self.sessions.begin() as session:
                    _serialise_audit_writers(session)
                    last = session.scalars(select(AuditRow).order_by(AuditRow.seq.desc())).first()
                    event = next_audit_event(
                        previous=_audit(last) if last else None,
                        actor=actor,
                        role=role,
                        action=action,
                        target=target,
                        address=address,
                        details=details,
                    )
                    session.add(_audit_row(event))
                    session.flush()
                    append_leaves(session, AUDIT, [event.as_dict()])
                return event
            except IntegrityError:
                if attempt == AUDIT_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def audit(self, target: str | None = None, limit: int | None = None) -> list[AuditEvent]:
        query = select(AuditRow)
        if target is not None:
            query = query.where(AuditRow.target == target)
        query = query.order_by(AuditRow.seq.desc()).limit(limit)
        with self.sessions() as session:
            events = [_audit(row) for row in session.scalars(query)]
        return sorted(events, key=lambda event: event.seq)

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


def _audit_row(event: AuditEvent) -> AuditRow:
    record = {**event.as_dict(), "format": event.format}
    return AuditRow(**{**record, "details": canonical_json(event.details)})


def _audit(row: AuditRow) -> AuditEvent:
    return AuditEvent(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        role=row.role,
        action=row.action,
        target=row.target,
        address=row.address,
        details=json.loads(row.details),
        prev_hash=row.prev_hash,
        hash=row.hash,
        format=row.format,
    )


def _serialise_audit_writers(session: Session) -> None:
    """One chain means one writer at a time: without this, concurrent writers on PostgreSQL
    read the same head, and all but one fail on the sequence number."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(AUDIT_LOCK_KEY)))
