"""The transparency log: a canonical-form version on every custody and audit event, the
log's leaves, and the checkpoints bundles were cut against.

Events already recorded keep format 1 and become the first leaves of the tree (custody
events in the order they were written, then the audit trail), so every event is in the log.

Revision ID: 0008_tlog
Revises: 0007
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from bundle_verifier.canonical import leaf_entry
from bundle_verifier.merkle import leaf_hash
from storage.tables import UTCDateTime

revision = "0008_tlog"
down_revision = "0007"
branch_labels = None
depends_on = None

CUSTODY_FIELDS = ("item_id", "seq", "action", "actor", "host", "at", "sha256", "details")
AUDIT_FIELDS = ("seq", "at", "actor", "role", "action", "target", "address", "details")


def upgrade() -> None:
    for table in ("custody_events", "audit_events"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("format", sa.Integer(), nullable=False, server_default="1"))
    leaves = op.create_table(
        "log_leaves",
        sa.Column(
            "idx",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("chain", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("leaf_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("kind", "chain", "seq", name="uq_log_leaf_event"),
    )
    op.create_table(
        "log_bundle_cuts",
        sa.Column("bundle", sa.String(128), primary_key=True),
        sa.Column("urn", sa.String(32), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("note_key", sa.Text(), nullable=False),
        sa.Column("cut_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_log_bundle_cuts_urn", "log_bundle_cuts", ["urn"])
    rows = _existing_leaves()
    if rows:
        op.bulk_insert(leaves, rows)


def _existing_leaves() -> list[dict[str, Any]]:
    connection = op.get_bind()
    custody = sa.table(
        "custody_events", sa.column("id"), *(sa.column(f) for f in CUSTODY_FIELDS),
        sa.column("prev_hash"), sa.column("hash"),
    )  # fmt: skip
    audit = sa.table(
        "audit_events", *(sa.column(f) for f in AUDIT_FIELDS),
        sa.column("prev_hash"), sa.column("hash"),
    )  # fmt: skip
    found: list[tuple[str, str, dict[str, Any]]] = []
    for row in connection.execute(sa.select(custody).order_by(custody.c.id)).mappings():
        record = {f: row[f] for f in (*CUSTODY_FIELDS, "prev_hash", "hash")}
        found.append(("custody", row["item_id"], record))
    for row in connection.execute(sa.select(audit).order_by(audit.c.seq)).mappings():
        record = {f: row[f] for f in (*AUDIT_FIELDS, "prev_hash", "hash")}
        found.append(("audit", "", record))
    leaves = []
    for idx, (kind, chain, record) in enumerate(found):
        record["details"] = json.loads(record["details"])
        leaves.append(
            {
                "idx": idx,
                "kind": kind,
                "chain": chain,
                "seq": record["seq"],
                "leaf_hash": leaf_hash(leaf_entry(kind, record)).hex(),
            }
        )
    return leaves


def downgrade() -> None:
    op.drop_index("ix_log_bundle_cuts_urn", "log_bundle_cuts")
    op.drop_table("log_bundle_cuts")
    op.drop_table("log_leaves")
    for table in ("audit_events", "custody_events"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("format")
