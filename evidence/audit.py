"""The audit trail: one append-only chain of who looked at what, from where, and when.

Every view of an item's metadata, transcript or media, every download, search and export
is an event. Like the custody log, each event hashes the one before it, so an edited,
removed or reordered event is detected when the chain is verified.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from bundle_verifier.canonical import CURRENT_FORMAT
from bundle_verifier.chain import link_problems
from evidence.custody import GENESIS, canonical_json, event_hash
from evidence.model import iso_utc, utcnow


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: str
    actor: str
    role: str
    action: str
    target: str
    address: str
    details: dict[str, Any]
    prev_hash: str
    hash: str
    format: int = 1

    def as_dict(self) -> dict[str, Any]:
        """The hashed record; format 1 events were hashed without a ``format`` field."""
        record = asdict(self)
        if self.format == 1:
            del record["format"]
        return record


def next_audit_event(
    *,
    previous: AuditEvent | None,
    actor: str,
    role: str,
    action: str,
    target: str,
    address: str,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    fields: dict[str, Any] = {
        "seq": previous.seq + 1 if previous else 1,
        "at": iso_utc(at or utcnow()),
        "actor": actor,
        "role": role,
        "action": action,
        "target": target,
        "address": address,
        "details": json.loads(canonical_json(details or {})),
        "prev_hash": previous.hash if previous else GENESIS,
        "format": CURRENT_FORMAT,
    }
    return AuditEvent(**fields, hash=event_hash(fields))


def verify_audit(events: Sequence[AuditEvent]) -> list[str]:
    """Every break in the chain, in order; an empty list means the trail is intact."""
    problems, _ = link_problems(
        [event.as_dict() for event in events],
        lambda f, _position: f"audit event {f['seq']} ({f['action']} by {f['actor']})",
    )
    return problems
