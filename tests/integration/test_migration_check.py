"""The cheap start-up check: a database at the heads skips Alembic; any other is migrated.

``storage.database.migrate`` compares the ``alembic_version`` rows with the heads it reads
from the migration files, so a command on a current database need not import Alembic. A
database left at an older revision (or with no schema) must still be brought up to date.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

import storage
from storage.database import forget_migrations, known_heads, make_engine, migrate

ALEMBIC_INI = str(Path(storage.__file__).with_name("alembic.ini"))


def _versions(url: str) -> set[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = set(MigrationContext.configure(connection).get_current_heads())
    engine.dispose()
    return found


def test_heads_read_from_the_files_are_alembics_heads() -> None:
    script = ScriptDirectory.from_config(Config(ALEMBIC_INI))
    assert known_heads() == frozenset(script.get_heads())


def test_a_database_at_an_older_revision_is_still_migrated(database_url: str) -> None:
    engine = make_engine(database_url)
    config = Config(ALEMBIC_INI)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
    assert _versions(database_url) == {"0007"}
    assert "log_leaves" not in inspect(engine).get_table_names()

    forget_migrations()
    migrate(engine)

    assert _versions(database_url) == set(known_heads())
    assert "log_leaves" in inspect(engine).get_table_names()
    engine.dispose()


def test_an_empty_database_is_migrated_and_then_found_current(database_url: str) -> None:
    engine = make_engine(database_url)
    forget_migrations()
    migrate(engine)
    assert _versions(database_url) == set(known_heads())
    forget_migrations()
    migrate(engine)  # at the heads: nothing to do, and nothing fails
    assert _versions(database_url) == set(known_heads())
    engine.dispose()
