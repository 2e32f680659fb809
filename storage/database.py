"""Engines and migrations for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import ast
import re
import sqlite3
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, column, create_engine, event, func, select, table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from evidence.errors import ConfigurationError, StoreError

_MIGRATED: set[str] = set()
_LOCK = threading.Lock()
# PostgreSQL advisory locks are named by a number; an arbitrary fixed one, unlikely to clash
# with another application's on the same server.
MIGRATION_LOCK_KEY = 0x2E4F6F1C5C7B3A91


SUPPORTED = "sqlite:///PATH or postgresql+psycopg://USER@HOST:5432/DB"


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"EVIDENCE_DATABASE_URL {url!r} is not a database URL") from exc
    try:
        backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    except NoSuchModuleError as exc:
        raise ConfigurationError(
            f"EVIDENCE_DATABASE_URL {url!r}: not a database this knows; use {SUPPORTED}"
        ) from exc
    if (backend, driver) not in (("sqlite", "pysqlite"), ("postgresql", "psycopg")):
        shown = parsed.render_as_string(hide_password=True)
        raise ConfigurationError(
            f"EVIDENCE_DATABASE_URL {shown!r}: {backend}+{driver} is not supported; use {SUPPORTED}"
        )
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 60, "isolation_level": None})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA foreign_keys=ON")
    _wal(cursor)
    cursor.close()


def _wal(cursor: Any) -> None:
    # Switching a database into WAL needs it to itself, and SQLite answers "database is
    # locked" at once instead of waiting on the busy timeout when another process (a first
    # use racing this one) holds it. The mode is persistent: once one process has set it,
    # the others find it set and need no lock at all.
    deadline = time.monotonic() + 60
    while cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            cursor.execute("PRAGMA journal_mode=WAL").fetchone()
            return  # set, or a database that has no WAL (in memory): either way, done
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take SQLite's write lock when a transaction starts, not at its first write: a custody
    # append reads the chain's head and then writes after it, and two appends must not both
    # read the same head. (PostgreSQL gets the same guarantee from SELECT ... FOR UPDATE.)
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def forget_migrations() -> None:
    """Check the schema again on next use (a database may have been replaced)."""
    with _LOCK:
        _MIGRATED.clear()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (once per process and database).

    The target is ``heads``, which is the single head today (0007 joined the feature
    branches) and stays correct while a new feature branch is open.
    """
    key = engine.url.render_as_string(hide_password=False)
    with _LOCK:
        if key in _MIGRATED:
            return
        if _at_heads(engine):
            _MIGRATED.add(key)
            return
        from alembic import command
        from alembic.config import Config

        config = Config(str(Path(__file__).with_name("alembic.ini")))
        try:
            with engine.begin() as connection:
                _serialise_migrations(connection)
                config.attributes["connection"] = connection
                command.upgrade(config, "heads")
        except OperationalError as exc:
            raise _unreachable(engine, exc) from exc
        _MIGRATED.add(key)


def _serialise_migrations(connection: Connection) -> None:
    # Processes starting together on a new PostgreSQL database would each run the migrations
    # and all but one would fail on duplicate tables. A transaction-level advisory lock makes
    # the others wait; once the first commits they find the schema current. (SQLite already
    # serialises them: BEGIN IMMEDIATE takes its write lock at the start of the transaction.)
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))


VERSIONS = Path(__file__).with_name("migrations") / "versions"


# ``revision = "0012_claims"``, ``down_revision: str | None = None``, ``down_revision = (...)``
# at the start of a line of a migration file: Alembic's own assignments.
_REVISION_LINE = re.compile(r"^(revision|down_revision)\b[^=\n]*=\s*(.+?)\s*$", re.MULTILINE)


@cache
def known_heads() -> frozenset[str]:
    """The revisions no migration builds on, read from the migration files themselves.

    Alembic's own answer costs a fifth of a second of imports; the commands that only read
    (``show``, ``search``, ``case show``) start in less than that. Reading the literal
    ``revision``/``down_revision`` assignments (a line each, the value a Python literal)
    keeps this in step with every new migration; a test checks it against Alembic's heads.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            found = ast.literal_eval(value)
            names = {found} if isinstance(found, str) else set(found or ())
            (revisions if name == "revision" else parents).update(names)
    return frozenset(revisions - parents)


def _at_heads(engine: Engine) -> bool:
    # A database whose recorded revisions are exactly the heads needs nothing; anything else
    # (no table yet, an older revision, one branch behind) goes through Alembic's upgrade.
    versions = table("alembic_version", column("version_num"))
    try:
        connection = engine.connect()
    except OperationalError as exc:
        raise _unreachable(engine, exc) from exc
    with connection:
        try:
            recorded = set(connection.execute(select(versions.c.version_num)).scalars())
        except DBAPIError:
            return False
    return recorded == known_heads()


def _unreachable(engine: Engine, exc: OperationalError) -> StoreError:
    return StoreError(f"database {engine.url.render_as_string()}: not reachable ({exc.orig})")
