"""Search at a force's scale: the access-policy filters move into the index.

Each segment carries its item's officer (an item's officer is fixed at ingest), so search
can narrow to one officer's recordings inside the index instead of looking up every match's
item. SQLite: the FTS5 table gains ``officer`` and ``item_id`` columns, so the officer and
case filters are part of the MATCH itself. PostgreSQL: a b-tree on ``(officer, id)`` serves
the officer filter and the newest-first candidate scan.

Revision ID: 0009_search
Revises: 0008_tlog
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_search"
down_revision = "0008_tlog"
branch_labels = None
depends_on = None

TOKENIZER = "tokenize='porter unicode61 remove_diacritics 2'"
FTS = "transcript_segments_fts"


def _sqlite_index(columns: str) -> tuple[str, ...]:
    # Only this module's constants go into these statements.
    values = ", ".join(f"new.{c}" for c in columns.split(", "))
    old_values = ", ".join(f"old.{c}" for c in columns.split(", "))
    return (
        f"DROP TRIGGER IF EXISTS {FTS}_insert",
        f"DROP TRIGGER IF EXISTS {FTS}_delete",
        f"DROP TABLE IF EXISTS {FTS}",
        f"CREATE VIRTUAL TABLE {FTS} USING fts5({columns}, "
        f"content='transcript_segments', content_rowid='id', {TOKENIZER})",
        f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON transcript_segments BEGIN "  # noqa: S608
        f"INSERT INTO {FTS}(rowid, {columns}) VALUES (new.id, {values}); END",
        f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON transcript_segments BEGIN "  # noqa: S608
        f"INSERT INTO {FTS}({FTS}, rowid, {columns}) "
        f"VALUES ('delete', old.id, {old_values}); END",
        f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",  # noqa: S608
    )


def upgrade() -> None:
    with op.batch_alter_table("transcript_segments") as batch:
        batch.add_column(sa.Column("officer", sa.String(64)))
    op.execute(
        "UPDATE transcript_segments SET officer = "
        "(SELECT items.officer FROM items WHERE items.id = transcript_segments.item_id)"
    )
    op.create_index("ix_transcript_segments_officer_id", "transcript_segments", ["officer", "id"])
    if op.get_bind().dialect.name == "sqlite":
        for statement in _sqlite_index("text, officer, item_id"):
            op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_transcript_segments_officer_id", "transcript_segments")
    # On SQLite dropping a column may copy the table, which drops its triggers: the index is
    # rebuilt after.
    with op.batch_alter_table("transcript_segments") as batch:
        batch.drop_column("officer")
    if op.get_bind().dialect.name == "sqlite":
        for statement in _sqlite_index("text"):
            op.execute(statement)
