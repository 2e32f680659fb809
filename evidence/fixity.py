"""Fixity checks and verified copies of stored evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from evidence.custody import Actor, committed_details, detail_problems, verify_chain
from evidence.errors import CustodyBroken, EvidenceError
from evidence.hashing import Digest, hash_stream
from evidence.model import CustodyEvent, EvidenceItem
from evidence.ports import ObjectStore, Repository
from evidence.verified_copy import absolute, check_target, stream_verified, write_verified


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


def check_item(
    repo: Repository, store: ObjectStore, item: EvidenceItem, actor: Actor
) -> FixityCheck:
    """Check an item and record the check (passed or failed) in its custody log.

    A log whose tail was cut refuses the record (the break is recorded instead, outside the
    log); the check then reports that too.
    """
    check = item_problems(repo, store, item)
    try:
        repo.append_event(
            item.id,
            check_action(check),
            actor,
            {"problems": check.problems, "store": store.url},
        )
    except CustodyBroken as exc:
        check.problems.append(f"custody log: {exc}")
    return check


def copy_out(
    repo: Repository,
    store: ObjectStore,
    item: EvidenceItem,
    output: Path | BinaryIO,
    actor: Actor,
    *,
    force: bool = False,
) -> int:
    """Write the original bytes to ``output`` (a path, or an open stream such as standard
    output), verifying the digest while streaming, and record the copy in the custody log.

    A path gets the copy only once the bytes are proven identical and the copy is recorded
    in the custody log, and never replaces what is there unless ``force`` (see
    ``evidence.verified_copy``); a mismatch raises ``FixityError``, and a log that refuses the
    record (a broken chain) leaves no copy behind that its custody log does not know about.
    """
    label = f"item {item.id}"
    if not isinstance(output, Path):
        with store.open(item.storage_key) as stream:
            digest = stream_verified(stream, output, item.sha256, label)
        _record(repo, item, actor, "standard output", digest)
        return digest.size
    output = absolute(output)
    check_target(output, force)
    to = str(output)
    with store.open(item.storage_key) as stream:
        digest = write_verified(
            stream,
            output,
            item.sha256,
            force=force,
            label=label,
            on_verified=lambda proven: _record(repo, item, actor, to, proven),
            on_abandoned=lambda reason: repo.append_event(
                item.id, "copy-abandoned", actor, {"to": to, "reason": reason}
            ),
        )
    return digest.size


def _record(repo: Repository, item: EvidenceItem, actor: Actor, to: str, digest: Digest) -> None:
    repo.append_event(
        item.id, "copied-out", actor, {"to": to, "bytes": digest.size, "verified": True}
    )
