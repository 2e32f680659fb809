"""The audit trail in memory: the same hash chain as the SQL adapter's, in a list."""

from __future__ import annotations

from typing import Any

from evidence.audit import AuditEvent, next_audit_event


class FakeAuditTrail:
    def __init__(self) -> None:
        self.chain: list[AuditEvent] = []

    def record(
        self,
        actor: str,
        role: str,
        action: str,
        target: str,
        address: str,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        event = next_audit_event(
            previous=self.chain[-1] if self.chain else None,
            actor=actor,
            role=role,
            action=action,
            target=target,
            address=address,
            details=details,
        )
        self.chain.append(event)
        return event

    def events(self, target: str | None = None, limit: int | None = None) -> list[AuditEvent]:
        chosen = [e for e in self.chain if target is None or e.target == target]
        return chosen[-limit:] if limit else chosen

    def actions(self) -> list[tuple[str, str, str]]:
        """(actor, action, target) of every event, oldest first: what tests assert on."""
        return [(e.actor, e.action, e.target) for e in self.chain]
