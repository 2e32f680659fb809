"""Officers' and CPS users' item lists, filtered in the database (SQLite and PostgreSQL).

Each list is compared with what the access rule ``may_view_item`` gives over every item,
newest first: the rule the web app applied in Python before the queries existed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import timedelta

import pytest

from evidence.access import Principal, Role, may_view_item
from evidence.custody import Actor
from evidence.model import EvidenceItem
from evidence.services import case_links, cases
from storage.database import make_engine, migrate
from storage.unit_of_work import SqlRepository, unit_of_work_factory
from tests.fixtures.accounts import add_user
from tests.fixtures.case_desk import caller_for
from tests.integration.test_repository import make_item, steps

OFFICERS = ["PC4521", "PC3310", None, "PC4521", "PC3310", "PC4521", None, "PC4521"]
SHARED_URN, OTHER_URN = "01YZ1234524", "01YZ7654324"
INVESTIGATOR = Actor("DC1001", "desk-01")


@pytest.fixture
def repo(database_url: str) -> Iterator[SqlRepository]:
    engine = make_engine(database_url)
    migrate(engine)
    repo = SqlRepository(engine)
    for n, officer in enumerate(OFFICERS, start=1):
        item = make_item(n, officer=officer)
        repo.add_item(item, steps(item))
    yield repo
    engine.dispose()


def by_rule(
    repo: SqlRepository, principal: Principal, limit: int, shared: Collection[str] = ()
) -> list[str]:
    items = [item for item in repo.iter_items() if may_view_item(principal, item, shared)]
    items.sort(key=lambda item: item.ingested_at, reverse=True)
    return [item.id for item in items[:limit]]


def ids(items: list[EvidenceItem]) -> list[str]:
    return [item.id for item in items]


@pytest.mark.parametrize("limit", [1, 3, 100])
@pytest.mark.parametrize("officer", ["PC4521", "PC3310", "PC9999"])
def test_an_officers_list_is_their_items_newest_first(
    repo: SqlRepository, officer: str, limit: int
) -> None:
    principal = Principal(officer.lower(), Role.OFFICER, officer)
    listed = ids(repo.list_items(limit, officer=officer))
    assert listed == by_rule(repo, principal, limit)
    assert all(repo.get_item(item_id).officer == officer for item_id in listed)


def test_the_officer_filter_takes_the_newest_not_the_first(repo: SqlRepository) -> None:
    newest = [f"{n:032x}" for n in (8, 6)]
    assert ids(repo.list_items(2, officer="PC4521")) == newest
    assert len(repo.list_items(None, officer="PC4521")) == OFFICERS.count("PC4521")
    assert len(repo.list_items()) == len(OFFICERS)


def test_a_cps_list_is_the_active_exhibits_of_cases_shared_with_them(
    repo: SqlRepository,
) -> None:
    new_uow = unit_of_work_factory(repo.engine)
    desk = caller_for(INVESTIGATOR)
    for name in ("lawyer", "other-lawyer"):
        add_user(repo.engine, name, Role.CPS, "correct horse battery")
    for urn in (SHARED_URN, OTHER_URN):
        cases.create_case(new_uow(), desk, urn, window=timedelta(0), title=urn)
    item_ids = [f"{n:032x}" for n in range(1, len(OFFICERS) + 1)]
    case_links.link_items(new_uow(), desk, SHARED_URN, item_ids[:4], window=timedelta(0))
    case_links.link_items(new_uow(), desk, OTHER_URN, item_ids[3:6], window=timedelta(0))
    case_links.unlink_item(new_uow(), desk, SHARED_URN, item_ids[1], "wrong incident")
    cases.share_case(new_uow(), desk, SHARED_URN, "lawyer")
    cases.share_case(new_uow(), desk, OTHER_URN, "other-lawyer")

    lawyer = Principal("lawyer", Role.CPS)
    with new_uow() as uow:
        shared = cases.exhibit_ids(uow, SHARED_URN)
    listed = ids(repo.list_shared_items("lawyer", 100))
    assert listed == by_rule(repo, lawyer, 100, shared)
    assert listed == [item_ids[3], item_ids[2], item_ids[0]]
    assert ids(repo.list_shared_items("lawyer", 2)) == listed[:2]
    assert ids(repo.list_shared_items("other-lawyer", 100)) == [
        item_ids[5],
        item_ids[4],
        item_ids[3],
    ]
    assert repo.list_shared_items("nobody", 100) == []
