"""The S3 inbox: one row per dock seen there, its state, and the watcher holding it.

Revision ID: 0009_inbox
Revises: 0008_tlog
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0009_inbox"
down_revision = "0008_tlog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_docks",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("inbox", sa.String(255), nullable=False),
        sa.Column("dock", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON()),
        sa.Column("claimed_by", sa.String(160)),
        sa.Column("heartbeat_at", UTCDateTime()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime()),
        sa.Column("report", sa.JSON()),
        sa.Column("reason", sa.Text()),
        sa.UniqueConstraint("inbox", "dock", name="uq_inbox_docks_dock"),
    )
    op.create_index("ix_inbox_docks_status", "inbox_docks", ["status"])


def downgrade() -> None:
    op.drop_table("inbox_docks")
