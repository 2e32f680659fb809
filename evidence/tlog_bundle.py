"""The transparency-log material a CPS bundle carries (tag files, so the signature covers them).

- ``log/checkpoint.note``: a checkpoint written after the bundle's export events, so it
  commits to every event of every exhibit's custody log;
- ``log/proofs.json``: an inclusion proof for each of those events, and for each checkpoint
  an earlier bundle of the case was cut against, a consistency proof to the new one;
- ``log/earlier/<size>-<root hex, first 16>.note``: those earlier checkpoints;
- ``log/checkpoint.tsr`` and ``log/earlier/*.tsr``: their RFC 3161 timestamp tokens, when
  ``EVIDENCE_TSA_URL`` is set.

A lawyer who kept last month's bundle can so prove that this month's history extends it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bundle_verifier import merkle
from evidence.errors import FixityError, NotFound
from evidence.model import CustodyEvent, utcnow
from evidence.ports import ObjectStore
from evidence.tlog import (
    Cut,
    Notary,
    StoredCheckpoint,
    TimeStamper,
    TransparencyLog,
    read_checkpoint,
    token_key,
    write_checkpoint,
)
from evidence.tlog_proofs import b64, committed_hashes, describe, event_proofs

LOG_DIR = "log"
CHECKPOINT_FILE = "log/checkpoint.note"
PROOFS_FILE = "log/proofs.json"


@dataclass(frozen=True)
class ExhibitEvents:
    exhibit_ref: str
    item_id: str
    events: Sequence[CustodyEvent]


@dataclass(frozen=True)
class BundleLog:
    files: dict[str, bytes]
    cut: Cut


def bundle_log(
    log: TransparencyLog,
    store: ObjectStore,
    notary: Notary,
    urn: str,
    bundle: str,
    exhibits: Sequence[ExhibitEvents],
    stamper: TimeStamper | None = None,
) -> BundleLog:
    checkpoint = write_checkpoint(log, store, notary, stamper)
    if checkpoint is None:
        raise FixityError(f"bundle {bundle}: the log is empty, so nothing can be proven")
    hashes = committed_hashes(log, checkpoint)
    files: dict[str, bytes] = {CHECKPOINT_FILE: checkpoint.note.encode("utf-8")}
    _token(store, checkpoint.key, CHECKPOINT_FILE, files)
    proofs: dict[str, Any] = {
        "format": 1,
        **describe(checkpoint),
        "checkpoint": CHECKPOINT_FILE,
        "events": _inclusions(log, checkpoint, hashes, exhibits),
        "earlier": _consistencies(log, store, notary, urn, bundle, checkpoint, hashes, files),
    }
    files[PROOFS_FILE] = (json.dumps(proofs, indent=2) + "\n").encode("utf-8")
    cut = Cut(bundle, urn, checkpoint.size, checkpoint.root, checkpoint.key, utcnow())
    return BundleLog(files, cut)


def _inclusions(
    log: TransparencyLog,
    checkpoint: StoredCheckpoint,
    hashes: Sequence[bytes],
    exhibits: Sequence[ExhibitEvents],
) -> list[dict[str, Any]]:
    """An inclusion proof of every exhibit's every event; any that does not hold stops the
    bundle."""
    events = []
    for exhibit in exhibits:
        for proof in event_proofs(log, checkpoint, hashes, exhibit.events, exhibit.item_id):
            if proof["status"] != "proven":
                raise FixityError(
                    f"exhibit {exhibit.exhibit_ref} (item {exhibit.item_id}): custody event "
                    f"{proof['seq']} ({proof['action']}): {proof['status']}; the bundle was "
                    "not made"
                )
            events.append(
                {
                    "exhibit": exhibit.exhibit_ref,
                    "item_id": exhibit.item_id,
                    "seq": proof["seq"],
                    "leaf_index": proof["leaf_index"],
                    "proof": proof["proof"],
                }
            )
    return events


def _consistencies(
    log: TransparencyLog,
    store: ObjectStore,
    notary: Notary,
    urn: str,
    bundle: str,
    checkpoint: StoredCheckpoint,
    hashes: Sequence[bytes],
    files: dict[str, bytes],
) -> list[dict[str, Any]]:
    """A consistency proof from each checkpoint an earlier bundle of the case was cut
    against, whose notes (and tokens) join ``files``."""
    earlier = []
    seen: set[str] = set()
    for cut in log.cuts(urn):
        if cut.note_key in seen or cut.size >= checkpoint.size:
            continue
        seen.add(cut.note_key)
        old = read_checkpoint(store, cut.note_key, notary)
        nodes = merkle.consistency_proof(old.size, hashes)
        if not merkle.verify_consistency(
            old.size, checkpoint.size, old.root, checkpoint.root, nodes
        ):
            raise FixityError(
                f"bundle {bundle}: the log no longer extends checkpoint {cut.note_key}, which "
                f"bundle {cut.bundle} of case {urn} was cut against; the bundle was not made"
            )
        name = f"{LOG_DIR}/earlier/{old.size}-{old.root.hex()[:16]}.note"
        files[name] = old.note.encode("utf-8")
        _token(store, old.key, name, files)
        path = [b64(node) for node in nodes]
        earlier.append({"note": name, "size": old.size, "consistency_proof": path})
    return earlier


def _token(store: ObjectStore, key: str, name: str, files: dict[str, bytes]) -> None:
    """Carry the checkpoint's RFC 3161 token (``.tsr`` beside ``.note``) when it has one."""
    try:
        files[token_key(name)] = store.get_named(token_key(key))
    except NotFound:
        return
