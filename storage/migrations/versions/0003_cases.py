"""Cases, their incident numbers, links to items (exhibits) and link suggestions.

Revision ID: 0003
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("urn", sa.String(16), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("domestic_abuse", sa.Boolean(), nullable=False),
        sa.Column("people", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
    )
    op.create_table(
        "case_incidents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("urn", sa.String(16), sa.ForeignKey("cases.urn"), nullable=False),
        sa.Column("incident", sa.String(64), nullable=False),
        sa.UniqueConstraint("urn", "incident", name="uq_case_incident"),
    )
    op.create_index("ix_case_incidents_urn", "case_incidents", ["urn"])
    op.create_index("ix_case_incidents_incident", "case_incidents", ["incident"])
    op.create_table(
        "case_links",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("urn", sa.String(16), sa.ForeignKey("cases.urn"), nullable=False),
        sa.Column("item_id", sa.String(32), sa.ForeignKey("items.id"), nullable=False),
        sa.Column("exhibit_ref", sa.String(40), nullable=False),
        sa.Column("how", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("linked_by", sa.String(128), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("urn", "item_id", name="uq_case_link_item"),
        sa.UniqueConstraint("urn", "exhibit_ref", name="uq_case_link_ref"),
    )
    op.create_index("ix_case_links_urn", "case_links", ["urn"])
    op.create_index("ix_case_links_item_id", "case_links", ["item_id"])
    op.create_table(
        "case_suggestions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("urn", sa.String(16), sa.ForeignKey("cases.urn"), nullable=False),
        sa.Column("item_id", sa.String(32), sa.ForeignKey("items.id"), nullable=False),
        sa.Column("related_item_id", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("urn", "item_id", name="uq_case_suggestion_item"),
    )
    op.create_index("ix_case_suggestions_urn", "case_suggestions", ["urn"])


def downgrade() -> None:
    op.drop_table("case_suggestions")
    op.drop_table("case_links")
    op.drop_table("case_incidents")
    op.drop_table("cases")
