"""Fixity checks and verified copies of stored evidence."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from evidence.custody import Actor, verify_chain
from evidence.errors import EvidenceError
from evidence.hashing import hash_stream
from evidence.model import EvidenceItem
from evidence.ports import ObjectStore, Repository
from evidence.verified_copy import absolute, check_target, stream_verified, write_verified


def item_problems(repo: Repository, store: ObjectStore, item: EvidenceItem) -> list[str]:
    """Every way in which the stored bytes or the custody log differ from the record."""
    problems: list[str] = []
    try:
        with store.open(item.storage_key) as stream:
            digest = hash_stream(stream)
        if digest.sha256 != item.sha256:
            problems.append(
                f"stored bytes changed: SHA-256 is {digest.sha256}, recorded {item.sha256}"
            )
        elif digest.size != item.size:
            problems.append(f"stored size is {digest.size} bytes, recorded {item.size}")
    except EvidenceError as exc:
        problems.append(f"stored object unavailable: {exc}")
    events = repo.custody(item.id)
    problems.extend(f"custody log: {p}" for p in verify_chain(events, item.custody_head))
    problems.extend(
        f"custody log: event {e.seq} ({e.action}) names digest {e.sha256}, not the item's"
        for e in events
        if e.sha256 != item.sha256
    )
    return problems


def check_item(repo: Repository, store: ObjectStore, item: EvidenceItem, actor: Actor) -> list[str]:
    """Check an item and record the check (passed or failed) in its custody log."""
    problems = item_problems(repo, store, item)
    repo.append_event(
        item.id,
        "fixity-checked" if not problems else "fixity-failed",
        actor,
        {"problems": problems, "store": store.url},
    )
    return problems


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

    A path gets the copy only once the bytes are proven identical and never replaces what is
    there unless ``force`` (see ``evidence.verified_copy``); a mismatch raises ``FixityError``.
    """
    label = f"item {item.id}"
    if isinstance(output, Path):
        output = absolute(output)
        check_target(output, force)
        with store.open(item.storage_key) as stream:
            digest = write_verified(stream, output, item.sha256, force=force, label=label)
        to = str(output)
    else:
        with store.open(item.storage_key) as stream:
            digest = stream_verified(stream, output, item.sha256, label)
        to = "standard output"
    repo.append_event(
        item.id, "copied-out", actor, {"to": to, "bytes": digest.size, "verified": True}
    )
    return digest.size
