"""Search at a force's scale: the access-policy scope and the current version move into the index.

Each segment carries what search filters on, so no match has to look up its item or its
transcript: its item's ``officer`` (fixed at ingest), ``cases`` (the URNs of the cases its item
is actively linked to, space-separated, kept by ``storage.search_scope.refresh_case_scope`` in
the link's own transaction) and ``is_current`` (its transcript is the item's current version).

SQLite: the FTS5 table indexes ``text``, ``officer`` and ``cases``, and only current segments
(the triggers add and remove rows as ``is_current`` changes; retired versions stay in
``transcript_segments``, unindexed), so the officer and case filters are part of the MATCH.
PostgreSQL: the GIN index holds only current segments; a ``(officer, id)`` b-tree serves the
officer scope newest first.

Revision ID: 0011_search
Revises: 0010_upload_claims
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_search"
down_revision = "0010_upload_claims"
branch_labels = None
depends_on = None

TOKENIZER = "tokenize='porter unicode61 remove_diacritics 2'"
FTS = "transcript_segments_fts"
COLUMNS = "text, officer, cases"
_NEW = ", ".join(f"new.{c}" for c in COLUMNS.split(", "))
_OLD = ", ".join(f"old.{c}" for c in COLUMNS.split(", "))
_ADD = f"INSERT INTO {FTS}(rowid, {COLUMNS}) SELECT new.id, {_NEW} WHERE new.is_current;"
_REMOVE = (
    f"INSERT INTO {FTS}({FTS}, rowid, {COLUMNS}) "
    f"SELECT 'delete', old.id, {_OLD} WHERE old.is_current;"
)
# Only this module's constants go into these statements.
SQLITE_INDEX = (
    f"CREATE VIRTUAL TABLE {FTS} USING fts5({COLUMNS}, "
    f"content='transcript_segments', content_rowid='id', {TOKENIZER})",
    f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON transcript_segments BEGIN {_ADD} END",
    f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON transcript_segments BEGIN {_REMOVE} END",
    f"CREATE TRIGGER {FTS}_update AFTER UPDATE ON transcript_segments BEGIN {_REMOVE} {_ADD} END",
    f"INSERT INTO {FTS}(rowid, {COLUMNS}) "  # noqa: S608
    f"SELECT id, {COLUMNS} FROM transcript_segments WHERE is_current",
)
SQLITE_TEXT_ONLY = (
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(text, "
    f"content='transcript_segments', content_rowid='id', {TOKENIZER})",
    f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON transcript_segments BEGIN "  # noqa: S608
    f"INSERT INTO {FTS}(rowid, text) VALUES (new.id, new.text); END",
    f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON transcript_segments BEGIN "  # noqa: S608
    f"INSERT INTO {FTS}({FTS}, rowid, text) VALUES ('delete', old.id, old.text); END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",  # noqa: S608
)
DROP_SQLITE_INDEX = (
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TABLE IF EXISTS {FTS}",
)
GIN = "ix_transcript_segments_text_search"
OFFICER = "ix_transcript_segments_officer_id"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for statement in DROP_SQLITE_INDEX:
            op.execute(statement)
    with op.batch_alter_table("transcript_segments") as batch:
        batch.add_column(sa.Column("officer", sa.String(64)))
        batch.add_column(sa.Column("cases", sa.Text()))
        batch.add_column(
            sa.Column("is_current", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.execute(
        "UPDATE transcript_segments SET "
        "officer = (SELECT items.officer FROM items WHERE items.id = transcript_segments.item_id), "
        "is_current = (SELECT transcripts.is_current FROM transcripts "
        "WHERE transcripts.id = transcript_segments.transcript_id)"
    )
    _fill_cases()
    if sqlite:
        for statement in SQLITE_INDEX:
            op.execute(statement)
    else:
        op.drop_index(GIN, "transcript_segments")
        op.execute(f"CREATE INDEX {GIN} ON transcript_segments USING gin (text_search) "
                   "WHERE is_current")  # fmt: skip
    # Not partial: PostgreSQL's planner then walks it newest-first for one officer's matches.
    op.create_index(OFFICER, "transcript_segments", ["officer", "id"])


def _fill_cases() -> None:
    bind = op.get_bind()
    links = bind.execute(
        sa.text("SELECT item_id, urn FROM case_links WHERE active ORDER BY item_id, urn")
    ).all()
    cases: dict[str, list[str]] = {}
    for item_id, urn in links:
        cases.setdefault(item_id, []).append(urn)
    for item_id, urns in cases.items():
        bind.execute(
            sa.text("UPDATE transcript_segments SET cases = :cases WHERE item_id = :item_id"),
            {"cases": " ".join(urns), "item_id": item_id},
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index(OFFICER, "transcript_segments")
    if sqlite:
        for statement in DROP_SQLITE_INDEX:
            op.execute(statement)
    else:
        op.drop_index(GIN, "transcript_segments")
        op.execute(f"CREATE INDEX {GIN} ON transcript_segments USING gin (text_search)")
    with op.batch_alter_table("transcript_segments") as batch:
        batch.drop_column("is_current")
        batch.drop_column("cases")
        batch.drop_column("officer")
    if sqlite:
        for statement in SQLITE_TEXT_ONLY:
            op.execute(statement)
