"""Join the feature branches (transcripts, cases, web) into one head.

Transcripts, cases and the web app were built at the same time, each as a branch from
0001; from here on there is a single head for new migrations to follow.

Revision ID: 0007
Revises: 0002, 0003, 0006
"""

revision = "0007"
down_revision = ("0002", "0003", "0006")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: this revision only joins the branches."""


def downgrade() -> None:
    """Nothing to change: this revision only joins the branches."""
