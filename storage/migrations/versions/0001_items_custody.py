"""Evidence items, their custody chains, and rejected dock files.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("original_name", sa.Text(), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("officer", sa.String(64)),
        sa.Column("device", sa.String(128)),
        sa.Column("incident", sa.String(64)),
        sa.Column("recorded_at", UTCDateTime()),
        sa.Column("duration", sa.Float()),
        sa.Column("media", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("storage_key", sa.Text(), nullable=False),
        sa.Column("store_location", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("ingested_at", UTCDateTime(), nullable=False),
        sa.Column("custody_head", sa.String(64), nullable=False),
        sa.Column("custody_count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_items_source_path", "items", ["source_path"])
    op.create_index("ix_items_officer", "items", ["officer"])
    op.create_index("ix_items_incident", "items", ["incident"])
    op.create_index("ix_items_recorded_at", "items", ["recorded_at"])
    op.create_index("ix_items_ingested_at", "items", ["ingested_at"])
    op.create_table(
        "custody_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.String(32), sa.ForeignKey("items.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
        sa.UniqueConstraint("item_id", "seq", name="uq_custody_item_seq"),
    )
    op.create_index("ix_custody_events_item_id", "custody_events", ["item_id"])
    op.create_table(
        "rejections",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64)),
        sa.Column("size", sa.BigInteger()),
        sa.Column("quarantine_path", sa.Text()),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_rejections_at", "rejections", ["at"])


def downgrade() -> None:
    op.drop_table("rejections")
    op.drop_table("custody_events")
    op.drop_table("items")
