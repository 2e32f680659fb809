"""Proofs from the log: an item's events are in the tree a checkpoint signed (inclusion), and
each checkpoint's tree extends the one before (consistency). RFC 6962 / RFC 9162 proofs,
computed from the database's leaves and checked against the store's signed checkpoints."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Sequence
from typing import Any

from bundle_verifier import merkle
from bundle_verifier.canonical import leaf_entry
from evidence.errors import EvidenceError, FixityError
from evidence.model import CustodyEvent
from evidence.ports import ObjectStore
from evidence.tlog import (
    Notary,
    StoredCheckpoint,
    TransparencyLog,
    checkpoint_keys,
    newest_checkpoint,
    prefix_problem,
    read_checkpoint,
)


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def committed_hashes(log: TransparencyLog, checkpoint: StoredCheckpoint) -> list[bytes]:
    """The leaves ``checkpoint`` signed, as the database holds them; ``FixityError`` if they
    are not what it signed (no proof from them could hold)."""
    hashes = log.leaf_hashes(checkpoint.size)
    problem = prefix_problem(hashes, checkpoint)
    if problem is not None:
        raise FixityError(problem)
    return hashes


def event_proofs(
    log: TransparencyLog,
    checkpoint: StoredCheckpoint,
    hashes: Sequence[bytes],
    events: Sequence[CustodyEvent],
    item_id: str,
) -> list[dict[str, Any]]:
    """An inclusion proof for each event, each checked against the checkpoint's root from
    the event's own record. Events newer than the checkpoint are marked pending."""
    indexes = {leaf.seq: leaf.index for leaf in log.item_leaves(item_id)}
    proofs = []
    for event in events:
        index = indexes.get(event.seq)
        entry: dict[str, Any] = {"seq": event.seq, "action": event.action, "hash": event.hash}
        if index is None:
            proofs.append({**entry, "leaf_index": None, "status": "not in the log"})
            continue
        if index >= checkpoint.size:
            proofs.append({**entry, "leaf_index": index, "status": "pending"})
            continue
        proof = merkle.inclusion_proof(index, hashes)
        leaf = merkle.leaf_hash(leaf_entry("custody", event.as_dict()))
        held = merkle.verify_inclusion(leaf, index, checkpoint.size, proof, checkpoint.root)
        proofs.append(
            {
                **entry,
                "leaf_index": index,
                "proof": [b64(node) for node in proof],
                "status": "proven" if held else "proof does not hold",
            }
        )
    return proofs


def item_proofs(
    log: TransparencyLog,
    store: ObjectStore,
    notary: Notary,
    item_id: str,
    events: Sequence[CustodyEvent],
) -> dict[str, Any]:
    """``evidence log prove``: the item's events against the newest checkpoint."""
    checkpoint = newest_checkpoint(store, notary)
    if checkpoint is None:
        raise FixityError("no checkpoint has been written yet: run `evidence log checkpoint`")
    hashes = committed_hashes(log, checkpoint)
    return {
        "item_id": item_id,
        **describe(checkpoint),
        "events": event_proofs(log, checkpoint, hashes, events, item_id),
    }


def describe(checkpoint: StoredCheckpoint) -> dict[str, Any]:
    return {
        "origin": checkpoint.checkpoint.origin,
        "tree_size": checkpoint.size,
        "root": b64(checkpoint.root),
        "checkpoint": checkpoint.key,
    }


def check_checkpoints(log: TransparencyLog, store: ObjectStore, notary: Notary) -> dict[str, Any]:
    """``evidence log check``: every checkpoint's signature, and a consistency proof between
    each consecutive pair, from the database's leaves. Names the first pair that disagrees."""
    keys = checkpoint_keys(store)
    report: dict[str, Any] = {"checkpoints": len(keys), "pairs_checked": 0, "problems": []}
    opened: list[StoredCheckpoint] = []
    for key in keys:
        try:
            opened.append(read_checkpoint(store, key, notary))
        except EvidenceError as exc:
            report["problems"].append(str(exc))
    if report["problems"] or len(opened) < 2:
        return report
    hashes = log.leaf_hashes(opened[-1].size)
    for older, newer in itertools.pairwise(opened):
        problem = _pair_problem(hashes, older, newer)
        report["pairs_checked"] += 1
        if problem is not None:
            report["first_broken_pair"] = [older.key, newer.key]
            report["problems"].append(f"{older.key} → {newer.key}: {problem}")
            break
    return report


def _pair_problem(
    hashes: Sequence[bytes], older: StoredCheckpoint, newer: StoredCheckpoint
) -> str | None:
    if len(hashes) < newer.size:
        return (
            f"the database holds {len(hashes)} entries, fewer than the {newer.size} the newer "
            "checkpoint signed; no consistency proof can be made (rolled back?)"
        )
    proof = merkle.consistency_proof(older.size, hashes[: newer.size])
    if not merkle.verify_consistency(older.size, newer.size, older.root, newer.root, proof):
        return "the newer tree does not extend the older one (history was rewritten in between)"
    return None
