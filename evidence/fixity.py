"""Fixity checks and verified copies of stored evidence."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from evidence.custody import Actor, committed_details, detail_problems, verify_chain
from evidence.errors import CustodyBroken, EvidenceError, FixityError
from evidence.hashing import copy_and_hash, hash_stream
from evidence.model import EvidenceItem
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
    check = FixityCheck(problems=stored_problems(store, item))
    current, events = repo.custody_snapshot(item.id)
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
            "fixity-checked" if not check.problems else "fixity-failed",
            actor,
            {"problems": check.problems, "store": store.url},
        )
    except CustodyBroken as exc:
        check.problems.append(f"custody log: {exc}")
    return check


def copy_out(
    repo: Repository, store: ObjectStore, item: EvidenceItem, output: Path, actor: Actor
) -> int:
    """Write the original bytes to ``output``, verifying the digest while streaming.

    The file appears under its name only once the bytes are proven identical and the copy
    is recorded in the custody log; a mismatch or a refused record leaves nothing behind and
    raises ``FixityError``.
    """
    output = output.resolve()
    fd, staging_name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    staging = Path(staging_name)
    try:
        with os.fdopen(fd, "wb") as out, store.open(item.storage_key) as stream:
            digest = copy_and_hash(stream, out)
        if digest.sha256 != item.sha256:
            raise FixityError(
                f"item {item.id}: the stored copy reads as {digest.sha256}, not the recorded "
                f"{item.sha256}; nothing was written to {output}"
            )
        # Recorded before the copy appears under its name: a log that refuses the record (a
        # broken chain) leaves no copy behind that its custody log does not know about.
        repo.append_event(
            item.id,
            "copied-out",
            actor,
            {"to": str(output), "bytes": digest.size, "verified": True},
        )
        try:
            staging.replace(output)
        except OSError as exc:
            repo.append_event(
                item.id, "copy-abandoned", actor, {"to": str(output), "reason": str(exc)}
            )
            raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            staging.unlink()
    return digest.size
