"""Fixity checks and verified copies of stored evidence."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from evidence.custody import Actor, verify_chain
from evidence.errors import EvidenceError, FixityError
from evidence.hashing import copy_and_hash, hash_stream
from evidence.model import EvidenceItem
from evidence.ports import ObjectStore, Repository


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
    repo: Repository, store: ObjectStore, item: EvidenceItem, output: Path, actor: Actor
) -> int:
    """Write the original bytes to ``output``, verifying the digest while streaming.

    The file appears under its name only once the bytes are proven identical; a mismatch
    leaves nothing behind and raises ``FixityError``.
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
        staging.replace(output)
    finally:
        with contextlib.suppress(FileNotFoundError):
            staging.unlink()
    repo.append_event(
        item.id, "copied-out", actor, {"to": str(output), "bytes": digest.size, "verified": True}
    )
    return digest.size
