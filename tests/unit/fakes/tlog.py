"""The transparency log in memory: every custody and audit event the unit of work holds is a
leaf, appended in the order the events were recorded (their ``at``, then their place).

The SQL adapter appends a leaf in the event's own transaction; here ``LoggedUnitOfWork``
appends the leaves of the events it commits, as part of the commit. A leaf, once appended,
keeps the hash of the event as it was: a later rewrite of the event shows in a check.
"""

from __future__ import annotations

from collections.abc import Iterator

from bundle_verifier.canonical import leaf_entry
from bundle_verifier.merkle import leaf_hash
from evidence.tlog import Cut, Leaf, LogEntry
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.fakes.bundles import FakeBundleSource
from tests.unit.fakes.shared import Shared

CUSTODY, AUDIT = "custody", "audit"


class LoggedUnitOfWork(FakeUnitOfWork):
    """The fake unit of work with a transparency log (``tlog``) that commits with it."""

    tlog: FakeTransparencyLog
    bundles: FakeBundleSource

    def commit(self) -> None:
        self.tlog.catch_up()
        super().commit()


class FakeTransparencyLog:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = Shared(uow)
        self.appended: list[Leaf] = []
        self.bundle_cuts: list[Cut] = []

    def _events(self) -> list[LogEntry]:
        uow = self.uow.target
        custody = [
            LogEntry(CUSTODY, item_id, event.seq, event.as_dict())
            for item_id, log in uow.items.logs.items()
            for event in log
        ]
        audit = [LogEntry(AUDIT, "", event.seq, event.as_dict()) for event in uow.audit.chain]
        return sorted(custody + audit, key=lambda e: (e.record["at"], e.kind, e.chain, e.seq))

    def catch_up(self) -> None:
        held = {(leaf.kind, leaf.chain, leaf.seq) for leaf in self.appended}
        for entry in self._events():
            if (entry.kind, entry.chain, entry.seq) not in held:
                digest = leaf_hash(leaf_entry(entry.kind, entry.record))
                self.appended.append(
                    Leaf(len(self.appended), entry.kind, entry.chain, entry.seq, digest)
                )

    def leaf_hashes(self, limit: int | None = None) -> list[bytes]:
        hashes = [leaf.leaf_hash for leaf in self.appended]
        return hashes if limit is None else hashes[:limit]

    def leaves(self) -> list[Leaf]:
        return list(self.appended)

    def item_leaves(self, item_id: str) -> list[Leaf]:
        chosen = [leaf for leaf in self.appended if leaf.kind == CUSTODY]
        return sorted((leaf for leaf in chosen if leaf.chain == item_id), key=lambda x: x.seq)

    def entries(self) -> Iterator[LogEntry]:
        yield from self._events()

    def record_cut(self, cut: Cut) -> None:
        self.bundle_cuts.append(cut)

    def cuts(self, urn: str) -> list[Cut]:
        chosen = [cut for cut in self.bundle_cuts if cut.urn == urn]
        return sorted(chosen, key=lambda cut: (cut.size, cut.bundle))
