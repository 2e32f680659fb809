"""Transcription claims: one row per item being transcribed, with the holder's lease, so two
workers never transcribe the same item at once and a dead worker's item is taken over.

Revision ID: 0012_claims
Revises: 0011_search
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0012_claims"
down_revision = "0011_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transcription_claims",
        sa.Column("item_id", sa.String(32), sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_transcription_claims_expires_at", "transcription_claims", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_transcription_claims_expires_at", "transcription_claims")
    op.drop_table("transcription_claims")
