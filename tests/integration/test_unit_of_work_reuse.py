"""A unit of work builds its repositories on first use, and a unit of work entered again
gets repositories on its new session, never the closed one's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from storage.database import make_engine, migrate
from storage.unit_of_work import unit_of_work_factory


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_repositories_are_built_once_per_session_and_anew_for_the_next(engine: Engine) -> None:
    uow = unit_of_work_factory(engine)()
    with uow:
        first = uow.session
        assert uow.items is uow.items  # built once in a session
        assert uow.transcripts.items is uow.items
        assert uow.bundles is uow.bundles
        assert uow.cases.session is first
        assert uow.items.list_items() == []
    with uow:
        assert uow.session is not first
        for repository in (uow.items, uow.audit, uow.tlog, uow.cases, uow.search, uow.users):
            assert repository.session is uow.session
        assert uow.items.list_items() == []
