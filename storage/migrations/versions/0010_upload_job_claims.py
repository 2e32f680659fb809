"""Upload jobs claimed by one runner at a time: who queued and who runs a job, its heartbeat.

Revision ID: 0010_upload_claims
Revises: 0009_inbox
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0010_upload_claims"
down_revision = "0009_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("upload_jobs") as batch:
        batch.add_column(sa.Column("queued_by", sa.String(160)))
        batch.add_column(sa.Column("queued_at", UTCDateTime()))
        batch.add_column(sa.Column("claimed_by", sa.String(160)))
        batch.add_column(sa.Column("heartbeat_at", UTCDateTime()))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("upload_jobs") as batch:
        for name in ("attempts", "heartbeat_at", "claimed_by", "queued_at", "queued_by"):
            batch.drop_column(name)
