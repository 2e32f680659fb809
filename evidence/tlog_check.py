"""Checking the database against the log's newest checkpoint (``evidence verify --all``).

The leaves are recomputed from the events themselves, never taken from the stored leaf
hashes, so a consistent rewrite of events, chain heads and leaf rows alike still shows:

- the tree is smaller than a checkpoint already written: rolled back;
- the first ``size`` recomputed leaves do not hash to the checkpoint's root: rewritten;
- a leaf whose event is gone or differs, a gap in the leaf indices, or an event (custody or
  audit) that is not in the tree at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bundle_verifier import merkle
from bundle_verifier.canonical import leaf_entry
from evidence.errors import EvidenceError
from evidence.ports import ObjectStore
from evidence.tlog import (
    Notary,
    StoredCheckpoint,
    TransparencyLog,
    checkpoint_keys,
    describe_event,
    newest_checkpoint,
    prefix_problem,
    read_checkpoint,
)

# Stands for a leaf whose event is gone: no real leaf hash is 32 zero bytes.
MISSING = bytes(32)


@dataclass
class LogReport:
    size: int
    checkpoint: dict[str, Any] | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"size": self.size, "checkpoint": self.checkpoint, "problems": self.problems}


def check_log(log: TransparencyLog, store: ObjectStore, notary: Notary) -> LogReport:
    leaves = log.leaves()
    report = LogReport(size=len(leaves), checkpoint=None)
    problems = report.problems
    entries = {(e.kind, e.chain, e.seq): e.record for e in log.entries()}
    recomputed: list[bytes] = []
    for leaf in leaves:
        if leaf.index != len(recomputed):
            problems.append(
                f"log entries {len(recomputed)}..{leaf.index - 1} are missing from the database"
            )
            recomputed.extend([MISSING] * (leaf.index - len(recomputed)))
        record = entries.pop((leaf.kind, leaf.chain, leaf.seq), None)
        if record is None:
            problems.append(
                f"log entry {leaf.index}: {leaf.describe()} is no longer in the database"
            )
            recomputed.append(MISSING)
            continue
        computed = merkle.leaf_hash(leaf_entry(leaf.kind, record))
        if computed != leaf.leaf_hash:
            problems.append(
                f"log entry {leaf.index}: {leaf.describe()} ({record.get('action')}) differs "
                "from the event appended to the log: it was changed after it was recorded"
            )
        recomputed.append(computed)
    problems.extend(
        f"{describe_event(kind, chain, seq)} ({record.get('action')}) is not in the log"
        for (kind, chain, seq), record in sorted(entries.items())
    )
    try:
        newest = newest_checkpoint(store, notary)
    except EvidenceError as exc:
        problems.append(f"the newest checkpoint cannot be used: {exc}")
        return report
    if newest is None:
        return report
    report.checkpoint = {"key": newest.key, "size": newest.size, "root": newest.root.hex()}
    problem = prefix_problem(recomputed, newest)
    if problem is not None:
        problems.append(problem + _where(recomputed, store, notary, newest))
    return report


def _where(
    recomputed: list[bytes], store: ObjectStore, notary: Notary, newest: StoredCheckpoint
) -> str:
    """Narrow a rewrite down to the entries between the last checkpoint that still holds
    and the first that does not."""
    if len(recomputed) < newest.size:
        return ""
    keys = checkpoint_keys(store)
    sizes = [int(key.split("/")[-1][:20]) for key in keys]
    holds, low, high = 0, 0, len(keys) - 1
    while low <= high:
        middle = (low + high) // 2
        try:
            earlier = read_checkpoint(store, keys[middle], notary)
        except EvidenceError:
            return ""
        if prefix_problem(recomputed, earlier) is None:
            holds, low = sizes[middle], middle + 1
        else:
            high = middle - 1
    if low >= len(keys):
        return ""
    return f" (entries {holds}..{sizes[low] - 1}: checkpoint {keys[low]} is the first broken)"
