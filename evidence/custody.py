"""The custody log: an append-only chain of events per item, each hashing the one before.

An event's hash covers every field but itself, in canonical JSON, so an edited, removed,
inserted or reordered event breaks the chain, and a truncated log no longer ends at the
head recorded on the item.

The canonical form is versioned by the event's ``format`` field, which is itself hashed:
new events are format 2 (RFC 8785, the JSON Canonicalization Scheme, reproducible in any
language); events written before formats existed carry no ``format`` and hash under format
1. The rules live in ``bundle_verifier.canonical``, the same code the offline verifier runs.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bundle_verifier import canonical
from evidence.model import CustodyEvent, iso_utc, utcnow

GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who did something, and on which host."""

    name: str
    host: str

    @classmethod
    def current(cls, name: str | None = None) -> Actor:
        return cls(name=name or _os_user(), host=socket.gethostname())


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(fields: dict[str, Any]) -> str:
    return canonical.event_hash(fields)


def next_event(
    *,
    item_id: str,
    previous: CustodyEvent | None,
    action: str,
    actor: Actor,
    sha256: str,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> CustodyEvent:
    fields: dict[str, Any] = {
        "item_id": item_id,
        "seq": previous.seq + 1 if previous else 1,
        "action": action,
        "actor": actor.name,
        "host": actor.host,
        "at": iso_utc(at or utcnow()),
        "sha256": sha256,
        "details": json.loads(canonical_json(details or {})),
        "prev_hash": previous.hash if previous else GENESIS,
        "format": canonical.CURRENT_FORMAT,
    }
    return CustodyEvent(**fields, hash=event_hash(fields))


def chain(
    item_id: str, steps: Sequence[tuple[str, Actor, str, dict[str, Any], datetime]]
) -> list[CustodyEvent]:
    """Build a fresh chain from (action, actor, sha256, details, at) steps."""
    events: list[CustodyEvent] = []
    for action, actor, sha256, details, at in steps:
        previous = events[-1] if events else None
        events.append(
            next_event(
                item_id=item_id,
                previous=previous,
                action=action,
                actor=actor,
                sha256=sha256,
                details=details,
                at=at,
            )
        )
    return events


def link_problems(
    records: Sequence[dict[str, Any]], label: Callable[[dict[str, Any], int], str]
) -> tuple[list[str], str]:
    """The breaks in a hash chain of event records, and the hash it ends at.

    Shared by the custody log and the audit trail: each record carries ``seq``,
    ``prev_hash`` and ``hash``, and its hash covers every other field.
    """
    problems: list[str] = []
    previous_hash = GENESIS
    for position, fields in enumerate(records, start=1):
        name = label(fields, position)
        if fields.get("seq") != position:
            problems.append(f"{name}: sequence number {fields.get('seq')} where {position} belongs")
        if fields.get("prev_hash") != previous_hash:
            problems.append(f"{name}: does not follow the event before it (previous hash differs)")
        if event_hash(fields) != fields.get("hash"):
            problems.append(f"{name}: its content was changed after it was recorded")
        previous_hash = str(fields.get("hash"))
    return problems, previous_hash


def verify_chain(
    events: Sequence[CustodyEvent | dict[str, Any]], expected_head: str | None = None
) -> list[str]:
    """Every problem in the chain, in order; an empty list means the chain is intact."""
    records = [e.as_dict() if isinstance(e, CustodyEvent) else dict(e) for e in events]
    problems, previous_hash = link_problems(
        records, lambda fields, position: f"event {position} ({fields.get('action', '?')})"
    )
    if not events:
        problems.append("the custody log is empty")
    elif expected_head is not None and previous_hash != expected_head:
        problems.append(
            f"the log ends at {previous_hash[:12]}…, not at the recorded head "
            f"{expected_head[:12]}…: events are missing from the end"
        )
    return problems
