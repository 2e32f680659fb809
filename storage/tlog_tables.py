"""Tables of the transparency log: its leaves and the checkpoints bundles were cut against.
The checkpoints themselves live in the object store, which is the copy that counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables import Base

CUSTODY = "custody"
AUDIT = "audit"


class LogLeafRow(Base):
    """One leaf of the Merkle tree: which event it is, and the hash it was appended with."""

    __tablename__ = "log_leaves"
    __table_args__ = (UniqueConstraint("kind", "chain", "seq", name="uq_log_leaf_event"),)

    # INTEGER on SQLite makes the index the rowid itself: no second b-tree to write.
    idx: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    kind: Mapped[str] = mapped_column(String(8))
    # The item id for a custody event; "" for the audit trail, which is one chain.
    chain: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer)
    leaf_hash: Mapped[str] = mapped_column(String(64))


class LogBundleCutRow(Base):
    """The checkpoint a bundle was cut against, so a later bundle of the case proves it extends
    every earlier one."""

    __tablename__ = "log_bundle_cuts"

    bundle: Mapped[str] = mapped_column(String(128), primary_key=True)
    urn: Mapped[str] = mapped_column(String(32), index=True)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[str] = mapped_column(String(64))
    note_key: Mapped[str] = mapped_column(Text)
    cut_at: Mapped[datetime]
