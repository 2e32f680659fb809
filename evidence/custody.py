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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bundle_verifier import canonical
from bundle_verifier import chain as chain_check
from bundle_verifier.chain import GENESIS
from evidence.errors import CustodyBroken, InvalidInput
from evidence.model import ITEM_DETAIL_FIELDS, KINDS, CustodyEvent, iso_utc, parse_iso, utcnow

DETAILS_KEY = "item_details"
CORRECTED_ACTION = "details-corrected"


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


def verify_chain(
    events: Sequence[CustodyEvent | dict[str, Any]], expected_head: str | None = None
) -> list[str]:
    """Every problem in the chain, in order; an empty list means the chain is intact.

    The offline verifier's own check (``bundle_verifier.chain``), so a log reads the same
    here and in a bundle on a CPS lawyer's desk.
    """
    records = [e.as_dict() if isinstance(e, CustodyEvent) else dict(e) for e in events]
    return chain_check.verify_chain(records, expected_head)


def require_intact_tail(
    recorded_count: int,
    recorded_head: str,
    last: CustodyEvent | None,
    item_id: str,
    action: str,
    actor: Actor,
) -> None:
    """Refuse to append ``action`` to a log whose last event is not the recorded head.

    An append takes the last event as the one it follows; on a log whose tail was cut that
    would make the cut invisible. Raises ``CustodyBroken`` naming what is missing.
    """
    last_seq, last_hash = (last.seq, last.hash) if last else (0, GENESIS)
    if (last_seq, last_hash) == (recorded_count, recorded_head):
        return
    found = f"the custody log ends at event {last_seq}"
    recorded = f"the item records {recorded_count} events ending at {recorded_head[:12]}…"
    if last_seq < recorded_count:
        missing = (
            f"event {recorded_count} is missing"
            if recorded_count - last_seq == 1
            else f"events {last_seq + 1} to {recorded_count} are missing"
        )
        what = f"{missing} (removed after it was recorded)"
    elif last_seq > recorded_count:
        what = "events were added after the recorded head outside the custody log"
    else:
        what = f"event {last_seq} is not the one recorded (changed or replaced)"
    facts = {
        "refused": action,
        "actor": actor.name,
        "host": actor.host,
        "recorded_events": recorded_count,
        "recorded_head": recorded_head,
        "events_found": last_seq,
        "last_event_hash": last_hash,
    }
    raise CustodyBroken(
        f"item {item_id}: {found}, but {recorded}: {what}; {action} was refused, because "
        "nothing is added to a broken chain",
        item_id,
        facts,
    )


def committed_details(events: Sequence[CustodyEvent]) -> dict[str, Any] | None:
    """The item details as the chain last committed them (registration, then corrections);
    None for an item registered before its details were committed."""
    committed = None
    for event in events:
        if isinstance(event.details.get(DETAILS_KEY), dict):
            committed = event.details[DETAILS_KEY]
    return committed


def detail_problems(current: dict[str, Any], committed: dict[str, Any]) -> list[str]:
    """Each item detail whose recorded value is not the one the custody chain committed."""
    return [
        f"item detail {name} is {current.get(name)!r}, but the custody log committed "
        f"{committed.get(name)!r}: it was changed without a recorded correction"
        for name in ITEM_DETAIL_FIELDS
        if current.get(name) != committed.get(name)
    ]


def correction(
    committed: dict[str, Any] | None, row: dict[str, Any], changes: dict[str, Any], reason: str
) -> dict[str, Any]:
    """The details of a ``details-corrected`` event: what changed, why, and the full set of
    item details it commits. Raises ``InvalidInput`` naming anything that cannot be done.

    A correction starts from the values the chain committed (the row's, for an item
    registered before details were committed), so a row edited outside a correction is put
    back rather than carried into the new commitment; what the row said is recorded.
    """
    unknown = sorted(set(changes) - set(ITEM_DETAIL_FIELDS))
    if unknown:
        raise InvalidInput(
            f"{', '.join(unknown)}: not an item detail that can be corrected; "
            f"use {', '.join(ITEM_DETAIL_FIELDS)}"
        )
    if not reason.strip():
        raise InvalidInput("a correction needs a reason, recorded with it")
    base = dict(row if committed is None else committed)
    corrected = {**base, **{name: _canonical_detail(name, v) for name, v in changes.items()}}
    details: dict[str, Any] = {
        "changed": {
            name: {"from": base.get(name), "to": corrected[name]}
            for name in ITEM_DETAIL_FIELDS
            if corrected[name] != base.get(name)
        },
        "reason": reason.strip(),
        DETAILS_KEY: corrected,
    }
    differed = {
        name: {"row": row.get(name), "committed": base.get(name)}
        for name in ITEM_DETAIL_FIELDS
        if row.get(name) != base.get(name)
    }
    if differed:
        details["row_differed"] = differed
    elif not details["changed"]:
        raise InvalidInput("the correction changes nothing")
    return details


def _canonical_detail(name: str, value: Any) -> str | None:
    text = None if value is None else str(value).strip() or None
    if name == "kind" and text not in KINDS:
        raise InvalidInput(f"kind {value!r}: use one of {', '.join(KINDS)}")
    if name in ("original_name", "source_path") and text is None:
        raise InvalidInput(f"{name} cannot be empty")
    if name == "recorded_at" and text is not None:
        try:
            return iso_utc(parse_iso(text))
        except ValueError as exc:
            raise InvalidInput(f"recorded_at {value!r}: not an ISO 8601 time") from exc
    return text
