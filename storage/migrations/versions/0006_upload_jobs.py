"""Web upload jobs: received files, their background ingest's status and report.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload_jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("officer_id", sa.String(64)),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("dock", sa.Text(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(16)),
        sa.Column("incident", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime()),
        sa.Column("finished_at", UTCDateTime()),
        sa.Column("report", sa.JSON()),
        sa.Column("reason", sa.Text()),
    )
    op.create_index("ix_upload_jobs_user_name", "upload_jobs", ["user_name"])
    op.create_index("ix_upload_jobs_received_at", "upload_jobs", ["received_at"])
    op.create_index("ix_upload_jobs_status", "upload_jobs", ["status"])


def downgrade() -> None:
    op.drop_table("upload_jobs")
