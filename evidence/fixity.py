"""Fixity checks of stored evidence (a verified copy out is ``evidence.services.item_checks``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from evidence.custody import committed_details, detail_problems, verify_chain
from evidence.errors import EvidenceError
from evidence.hashing import hash_stream
from evidence.model import CustodyEvent, EvidenceItem
from evidence.ports import ObjectStore, Repository


@dataclass
class FixityCheck:
    """What a check found wrong (``problems``), and what it could not check (``notes``)."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def item_problems(repo: Repository, store: ObjectStore, item: EvidenceItem) -> FixityCheck:
    """Every way in which the stored bytes, the custody log or the item details differ from
    what was recorded.

    The item and its log are read at one moment (``custody_snapshot``), so an event another
    process appends while the bytes are being re-hashed is never taken for a break.
    """
    stored = stored_problems(store, item)
    check = log_problems(*repo.custody_snapshot(item.id))
    return FixityCheck(problems=stored + check.problems, notes=check.notes)


def log_problems(current: EvidenceItem, events: Sequence[CustodyEvent]) -> FixityCheck:
    """What the custody log, read at one moment with its item, says is wrong: a broken
    chain, an event naming another digest, item details the chain did not commit."""
    check = FixityCheck()
    check.problems.extend(f"custody log: {p}" for p in verify_chain(events, current.custody_head))
    check.problems.extend(
        f"custody log: event {e.seq} ({e.action}) names digest {e.sha256}, not the item's"
        for e in events
        if e.sha256 != current.sha256
    )
    committed = committed_details(events)
    if committed is None:
        check.notes.append(
            "item details were not committed in the custody log when this item was "
            "registered, so they cannot be checked against it"
        )
    else:
        check.problems.extend(detail_problems(current.item_details(), committed))
    return check


def check_action(check: FixityCheck) -> str:
    """The custody event that records a check: passed or failed."""
    return "fixity-checked" if not check.problems else "fixity-failed"


def stored_problems(store: ObjectStore, item: EvidenceItem) -> list[str]:
    try:
        with store.open(item.storage_key) as stream:
            digest = hash_stream(stream)
    except EvidenceError as exc:
        return [f"stored object unavailable: {exc}"]
    if digest.sha256 != item.sha256:
        return [f"stored bytes changed: SHA-256 is {digest.sha256}, recorded {item.sha256}"]
    if digest.size != item.size:
        return [f"stored size is {digest.size} bytes, recorded {item.size}"]
    return []
