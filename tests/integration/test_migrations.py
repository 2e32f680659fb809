"""The schema comes only from Alembic, with one head, and matches the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import storage
from storage.database import make_engine, migrate
from storage.tables import Base


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(Config(str(Path(storage.__file__).with_name("alembic.ini"))))


def test_there_is_one_head_for_new_migrations_to_follow() -> None:
    assert _script().get_heads() == ["0012_claims"]


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    # Every feature's models, so that Base.metadata holds the whole schema.
    import storage.bootstrap
    import storage.case_tables
    import storage.inbox_tables
    import storage.throttle_tables
    import storage.tlog_tables
    import storage.transcript_tables
    import storage.upload_tables
    import storage.web_tables  # noqa: F401

    engine = make_engine(database_url)
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_heads() == ("0012_claims",)
        differences = [
            d for d in compare_metadata(context, Base.metadata) if not _is_search_index(d)
        ]
    engine.dispose()
    assert differences == []


def _is_search_index(difference: object) -> bool:
    """The full-text index (FTS5 tables, tsvector column) is built by hand in its migration."""
    text = repr(difference)
    return "segments_fts" in text or "text_search" in text
