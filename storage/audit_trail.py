"""The audit trail on SQLAlchemy: one hash chain, appended inside a unit of work."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evidence.audit import AuditEvent, next_audit_event
from evidence.custody import canonical_json
from storage.tlog_repository import append_leaves
from storage.tlog_tables import AUDIT
from storage.web_tables import AuditRow

# Any fixed number: the key of the transaction-scoped PostgreSQL lock that serialises writers
# of the audit chain (SQLite serialises them already: its transactions begin IMMEDIATE).
AUDIT_LOCK_KEY = 0x6175646974


class SqlAuditTrail:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        actor: str,
        role: str,
        action: str,
        target: str,
        address: str,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Append an event after the chain's head; it commits with the unit of work.

        ``actor`` need not be signed in: a failed sign-in, or an administrator at the console.
        """
        session = self.session
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

    def events(self, target: str | None = None, limit: int | None = None) -> list[AuditEvent]:
        query = select(AuditRow)
        if target is not None:
            query = query.where(AuditRow.target == target)
        query = query.order_by(AuditRow.seq.desc()).limit(limit)
        events = [_audit(row) for row in self.session.scalars(query)]
        return sorted(events, key=lambda event: event.seq)


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
    read the same head, and all but one fail on the sequence number. The lock is held to the
    end of the unit of work, so a use case records its audit event last."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(AUDIT_LOCK_KEY)))
