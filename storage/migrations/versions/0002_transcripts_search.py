"""Transcripts (versioned, derived exhibits), their segments, and the full-text index.

SQLite: an external-content FTS5 table over segment text, kept by triggers so the index
commits in the same transaction as the transcript. PostgreSQL: a generated ``tsvector``
column with a GIN index, likewise maintained by the database itself.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE transcript_segments_fts USING fts5(text, "
    "content='transcript_segments', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER transcript_segments_fts_insert AFTER INSERT ON transcript_segments BEGIN "
    "INSERT INTO transcript_segments_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER transcript_segments_fts_delete AFTER DELETE ON transcript_segments BEGIN "
    "INSERT INTO transcript_segments_fts(transcript_segments_fts, rowid, text) "
    "VALUES ('delete', old.id, old.text); END",
)
POSTGRES_INDEX = (
    "ALTER TABLE transcript_segments ADD COLUMN text_search tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED",
    "CREATE INDEX ix_transcript_segments_text_search ON transcript_segments "
    "USING gin (text_search)",
)


def upgrade() -> None:
    op.create_table(
        "transcripts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("item_id", sa.String(32), sa.ForeignKey("items.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("language", sa.String(16)),
        sa.Column("model", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.Text()),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("item_id", "version", name="uq_transcripts_item_version"),
    )
    op.create_index("ix_transcripts_item_id", "transcripts", ["item_id"])
    op.create_index("ix_transcripts_is_current", "transcripts", ["is_current"])
    op.create_table(
        "transcript_segments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("transcript_id", sa.String(32), sa.ForeignKey("transcripts.id"), nullable=False),
        sa.Column("item_id", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Float(), nullable=False),
        sa.Column("end_time", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("avg_logprob", sa.Float(), nullable=False),
        sa.Column("no_speech_prob", sa.Float(), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
    )
    op.create_index(
        "ix_transcript_segments_transcript_id", "transcript_segments", ["transcript_id"]
    )
    op.create_index("ix_transcript_segments_item_id", "transcript_segments", ["item_id"])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_INDEX if dialect == "sqlite" else POSTGRES_INDEX:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE transcript_segments_fts")
    op.drop_table("transcript_segments")
    op.drop_table("transcripts")
