"""The stored bytes themselves: a verified copy out, and a fixity check, of visible items.

Both read objects that may be large, so neither holds a transaction while the bytes move:
the access check is one unit of work, the record another.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from evidence.hashing import Digest
from evidence.model import EvidenceItem
from evidence.ports import ObjectStore, UnitOfWorkFactory
from evidence.services import fixity
from evidence.services.caller import Caller, audit
from evidence.services.items import visible_item, visible_items
from evidence.services.refusals import refusals_recorded
from evidence.verified_copy import absolute, check_target, stream_verified, write_verified

STANDARD_OUTPUT = "standard output"


def copy_out(
    new_uow: UnitOfWorkFactory,
    caller: Caller,
    store: ObjectStore,
    item_id: str,
    output: Path | BinaryIO,
    *,
    force: bool = False,
) -> tuple[EvidenceItem, int]:
    """Write an item's original bytes to ``output`` (a path, or an open stream such as
    standard output), verifying the digest while streaming.

    A path gets the copy only once the bytes are proven identical and the copy is recorded
    (a ``copied-out`` custody event and a ``copy-out`` audit event, committed together); it
    never replaces what is there unless ``force`` (see ``evidence.verified_copy``). A log
    that refuses the record (a broken chain) leaves no copy behind.
    """
    with new_uow() as uow, refusals_recorded(uow, caller):
        item = visible_item(uow, caller, item_id)
    label = f"item {item.id}"
    if not isinstance(output, Path):
        with store.open(item.storage_key) as stream:
            digest = stream_verified(stream, output, item.sha256, label)
        _record(new_uow, caller, item, STANDARD_OUTPUT, digest)
        return item, digest.size
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
            on_verified=lambda proven: _record(new_uow, caller, item, to, proven),
            on_abandoned=lambda reason: _abandoned(new_uow, caller, item, to, reason),
        )
    return item, digest.size


def _record(
    new_uow: UnitOfWorkFactory, caller: Caller, item: EvidenceItem, to: str, digest: Digest
) -> None:
    with new_uow() as uow:
        uow.items.append_event(
            item.id, "copied-out", caller.actor, {"to": to, "bytes": digest.size, "verified": True}
        )
        audit(uow, caller, "copy-out", f"item:{item.id}", {"to": to, "bytes": digest.size})
        uow.commit()


def _abandoned(
    new_uow: UnitOfWorkFactory, caller: Caller, item: EvidenceItem, to: str, reason: str
) -> None:
    with new_uow() as uow:
        uow.items.append_event(
            item.id, "copy-abandoned", caller.actor, {"to": to, "reason": reason}
        )
        uow.commit()


def verify_items(
    new_uow: UnitOfWorkFactory, caller: Caller, store: ObjectStore, item_id: str | None
) -> list[tuple[EvidenceItem, fixity.ItemCheck]]:
    """Re-read and re-hash one item's stored object (or every visible item's, for ``None``)
    and verify its custody chain, recording each check in the item's custody log: each item
    in a unit of work of its own (a check of thousands of items must not hold one)."""
    with new_uow() as uow, refusals_recorded(uow, caller):
        if item_id is None:
            items = visible_items(uow, caller, None)
        else:
            items = [visible_item(uow, caller, item_id)]
    checks = [(item, fixity.check_item(new_uow(), caller, store, item.id)) for item in items]
    failed = [item.id for item, check in checks if check.problems]
    with new_uow() as uow:
        if item_id is None:
            details = {"count": len(checks), "failed": failed}
            audit(uow, caller, "verify-items", "items", details)
        else:
            [(item, check)] = checks
            audit(uow, caller, "verify-item", f"item:{item.id}", {"problems": check.problems})
        uow.commit()
    return checks
