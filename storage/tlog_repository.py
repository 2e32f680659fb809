"""The transparency log's leaves in the database, appended in the event's own transaction.

Every custody and audit event becomes the next leaf of one Merkle tree. The index must be
gap-free and unique however many writers there are, so appenders take turns: SQLite's
transactions begin IMMEDIATE and are serialised already; on PostgreSQL a transaction-scoped
advisory lock, held to commit, queues them. The next index is then one past the largest, and
a rolled-back append gives its indices back. The lock is the last one a transaction takes
(after the item's row lock, or the audit trail's lock), so appenders cannot deadlock on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bundle_verifier.canonical import leaf_entry
from bundle_verifier.merkle import leaf_hash
from evidence.tlog import Cut, Leaf, LogEntry
from storage.tables import CustodyRow
from storage.tlog_tables import AUDIT, CUSTODY, LogBundleCutRow, LogLeafRow
from storage.web_tables import AuditRow

CHUNK = 5000
# Any fixed number, distinct from the audit trail's: the key of the PostgreSQL lock above.
LOG_LOCK_KEY = 0x746C6F67


def append_leaves(session: Session, kind: str, records: Sequence[dict[str, Any]]) -> int:
    """Append one leaf per event record (custody or audit) and return the first index."""
    if not records:
        raise ValueError("no events to append to the log")
    # Core statements on the session's connection: the ORM's bulk paths cost more than the
    # append itself, and ingest must not slow down for the log.
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(LOG_LOCK_KEY)))
    last = connection.execute(select(func.max(LogLeafRow.idx))).scalar()
    first = 0 if last is None else last + 1
    connection.execute(
        insert(LogLeafRow),
        [
            {
                "idx": first + offset,
                "kind": kind,
                "chain": record["item_id"] if kind == CUSTODY else "",
                "seq": record["seq"],
                "leaf_hash": leaf_hash(leaf_entry(kind, record)).hex(),
            }
            for offset, record in enumerate(records)
        ],
    )
    return first


class SqlTransparencyLog:
    """The log's leaves and bundle cuts in the unit of work's session
    (``evidence.tlog.TransparencyLog``); a cut commits with the use case that made it."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def leaf_hashes(self, limit: int | None = None) -> list[bytes]:
        query = select(LogLeafRow.leaf_hash).order_by(LogLeafRow.idx)
        if limit is not None:
            query = query.where(LogLeafRow.idx < limit)
        hashes = self.session.scalars(query.execution_options(yield_per=CHUNK))
        return [bytes.fromhex(h) for h in hashes]

    def leaves(self) -> list[Leaf]:
        query = select(*LogLeafRow.__table__.c).order_by(LogLeafRow.idx)
        rows = self.session.execute(query.execution_options(yield_per=CHUNK))
        return [_leaf(cast(LogLeafRow, row)) for row in rows]

    def item_leaves(self, item_id: str) -> list[Leaf]:
        query = (
            select(LogLeafRow)
            .where(LogLeafRow.kind == CUSTODY, LogLeafRow.chain == item_id)
            .order_by(LogLeafRow.seq)
        )
        return [_leaf(row) for row in self.session.scalars(query)]

    def entries(self) -> Iterator[LogEntry]:
        """Every custody and audit event as recorded now, whether or not it has a leaf."""
        # Plain rows, not ORM objects: a full check reads every event, and the identity map
        # would cost more than the rows. They carry the same attribute names as the models.
        custody = select(*CustodyRow.__table__.c).execution_options(yield_per=CHUNK)
        for event in self.session.execute(custody):
            record = _custody_record(cast(CustodyRow, event))
            yield LogEntry(CUSTODY, event.item_id, event.seq, record)
        audit = select(*AuditRow.__table__.c).execution_options(yield_per=CHUNK)
        for trail in self.session.execute(audit):
            yield LogEntry(AUDIT, "", trail.seq, _audit_record(cast(AuditRow, trail)))

    def record_cut(self, cut: Cut) -> None:
        self.session.add(
            LogBundleCutRow(
                bundle=cut.bundle,
                urn=cut.urn,
                tree_size=cut.size,
                root=cut.root.hex(),
                note_key=cut.note_key,
                cut_at=cut.at,
            )
        )
        self.session.flush()

    def cuts(self, urn: str) -> list[Cut]:
        query = (
            select(LogBundleCutRow)
            .where(LogBundleCutRow.urn == urn)
            .order_by(LogBundleCutRow.tree_size, LogBundleCutRow.bundle)
        )
        return [
            Cut(r.bundle, r.urn, r.tree_size, bytes.fromhex(r.root), r.note_key, r.cut_at)
            for r in self.session.scalars(query)
        ]


def _leaf(row: LogLeafRow) -> Leaf:
    return Leaf(row.idx, row.kind, row.chain, row.seq, bytes.fromhex(row.leaf_hash))


def _custody_record(row: CustodyRow) -> dict[str, Any]:
    from storage.repository import _event

    return _event(row).as_dict()


def _audit_record(row: AuditRow) -> dict[str, Any]:
    from storage.audit_trail import _audit

    return _audit(row).as_dict()
