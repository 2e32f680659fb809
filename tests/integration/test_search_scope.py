"""Search within the access policy's scope, on SQLite and PostgreSQL, through the adapter.

Rows are written straight into the migrated schema (the FTS5 triggers and the generated
``tsvector`` index them), so each test builds its small archive in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

import storage.search_index as search_index
import storage.search_scope as search_scope
from evidence.custody import Actor
from evidence.search import MARK_END, MARK_START, SearchFilters
from evidence.services import case_links, cases
from storage.case_tables import CaseLinkRow, CaseRow
from storage.database import make_engine, migrate
from storage.tables import ItemRow
from storage.transcript_tables import SegmentRow, TranscriptRow
from storage.unit_of_work import SqlRepository, unit_of_work_factory
from tests.fixtures.case_desk import caller_for
from tests.integration.test_repository import make_item, steps

START = datetime(2026, 3, 1, tzinfo=UTC)
CASE, OTHER_CASE = "01YZ1234526", "01YZ7654326"
INVESTIGATOR = Actor("DC1001", "desk-01")


def _item(n: int, officer: str) -> dict[str, Any]:
    return {
        "id": f"item{n:028d}", "sha256": f"{n:064x}", "size": 1, "kind": "bwv",
        "original_name": f"{n}.mp4", "source_path": f"{n}.mp4", "officer": officer,
        "recorded_at": START + timedelta(hours=n), "media": {}, "metadata": {},
        "storage_key": "k", "store_location": "l", "status": "preserved",
        "ingested_at": START, "custody_head": "0" * 64, "custody_count": 1,
    }  # fmt: skip


def _add(engine: Engine, n: int, officer: str, lines: list[str], current: bool = True) -> str:
    """An item of ``officer`` with one transcript whose segments say ``lines``."""
    item = _item(n, officer)
    with engine.begin() as connection:
        connection.execute(insert(ItemRow.__table__), [item])
    _transcribe(engine, str(item["id"]), officer, lines, current, n)
    return str(item["id"])


def _transcribe(
    engine: Engine, item_id: str, officer: str, lines: list[str], current: bool, n: int
) -> None:
    transcript = f"tr{n:030d}"
    with engine.begin() as connection:
        connection.execute(
            insert(TranscriptRow),
            [
                {"id": transcript, "item_id": item_id, "version": 1, "status": "done",
                 "model": "tiny.en", "sha256": "0" * 64, "provenance": {},
                 "created_at": START, "is_current": current}
            ],
        )  # fmt: skip
        connection.execute(
            insert(SegmentRow),
            [
                {"transcript_id": transcript, "item_id": item_id, "officer": officer,
                 "seq": seq, "start_time": seq * 4.0, "end_time": seq * 4.0 + 3.0, "text": line,
                 "avg_logprob": -0.2, "no_speech_prob": 0.0, "words": [], "is_current": current}
                for seq, line in enumerate(lines)
            ],
        )  # fmt: skip


def _link(engine: Engine, urn: str, item_ids: list[str], active: bool = True) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(CaseRow),
            [{"urn": urn, "title": urn, "domestic_abuse": False, "people": [],
              "status": "open", "created_at": START, "created_by": "test"}],
        )  # fmt: skip
        connection.execute(
            insert(CaseLinkRow),
            [
                {"urn": urn, "item_id": item_id, "exhibit_ref": f"E{n}", "how": "manual",
                 "reason": "test", "linked_by": "test", "linked_at": START, "active": active}
                for n, item_id in enumerate(item_ids)
            ],
        )  # fmt: skip
    with Session(engine) as session, session.begin():
        for item_id in item_ids:
            search_scope.refresh_case_scope(session, item_id)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def _items(engine: Engine, query: str, filters: SearchFilters) -> set[str]:
    return {hit.item_id for hit in search_index.search(engine, query, filters)}


def test_officer_and_case_scopes_are_applied_in_the_search(engine: Engine) -> None:
    mine = _add(engine, 1, "PC0001", ["He had a knife by the kitchen door", "threatening me"])
    theirs = _add(engine, 2, "PC0002", ["A knife at the kitchen door", "threatened her"])
    shared = _add(engine, 3, "PC0003", ["The knife was in the kitchen door"])
    unlinked = _add(engine, 4, "PC0003", ["knife in the kitchen door again"])
    retired = _add(engine, 5, "PC0001", ["an old knife by the kitchen door"], current=False)
    _link(engine, CASE, [shared, theirs])
    _link(engine, OTHER_CASE, [unlinked], active=False)

    everything = _items(engine, '"kitchen door"', SearchFilters())
    assert everything == {mine, theirs, shared, unlinked}  # never the retired version
    assert retired not in _items(engine, "knife", SearchFilters(officer="PC0001"))
    assert _items(engine, "knife", SearchFilters(officer="PC0001")) == {mine}
    assert _items(engine, "threat*", SearchFilters(officer="PC0002")) == {theirs}
    assert _items(engine, "knife", SearchFilters(officer="pc0001")) == set()  # exact id only
    assert _items(engine, "knife", SearchFilters(case_urns={CASE})) == {shared, theirs}
    assert _items(engine, "knife", SearchFilters(case_urns={OTHER_CASE})) == set()  # unlinked
    assert _items(engine, "knife", SearchFilters(case_urns=set())) == set()
    both = SearchFilters(case_urns={CASE}, officer="PC0002", item_ids={theirs, mine})
    assert _items(engine, '"kitchen door"', both) == {theirs}
    hit = search_index.search(engine, '"kitchen door"', SearchFilters(officer="PC0003"))[0]
    assert f"{MARK_START}kitchen" in hit.snippet.lower()
    assert f"door{MARK_END}" in hit.snippet.lower()


def test_a_common_word_ranks_only_the_newest_matches(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_index, "CANDIDATES", 6)
    monkeypatch.setattr(search_index, "SAMPLE", 20)
    old = _add(engine, 1, "PC0001", ["police police police at the door"] * 10)
    new = _add(engine, 2, "PC0001", ["police were called to the house"] * 6)
    hits = search_index.search(engine, "police", SearchFilters(limit=4))
    # "police" is in every sampled segment: common. The old item's segments say it three
    # times, but only the newest six matches are ranked.
    assert len(hits) == 4
    assert {hit.item_id for hit in hits} == {new}
    assert all(f"{MARK_START}police{MARK_END}" in hit.snippet.lower() for hit in hits)
    # In one officer's scope the newest matches are that officer's.
    assert _items(engine, "police", SearchFilters(officer="PC0001", limit=4)) == {new}
    # An uncommon word ("door" is in none of the newest segments) takes the BM25 path.
    rare = _add(engine, 3, "PC0002", [f"filler line {n}" for n in range(20)])
    found = search_index.search(engine, "door", SearchFilters())
    assert {hit.item_id for hit in found} == {old}
    assert rare not in {hit.item_id for hit in found}


def test_ranking_puts_the_denser_match_first_when_matches_are_few(engine: Engine) -> None:
    sparse = _add(engine, 1, "PC0001", ["the ambulance arrived after a long wait outside"])
    dense = _add(engine, 2, "PC0001", ["ambulance ambulance now"])
    hits = search_index.search(engine, "ambulance", SearchFilters())
    assert [hit.item_id for hit in hits] == [dense, sparse]
    assert hits[0].score > hits[1].score


def test_linking_and_unlinking_keeps_the_cps_scope_in_the_same_transaction(
    engine: Engine,
) -> None:
    repo = SqlRepository(engine)
    new_uow = unit_of_work_factory(engine)
    desk = caller_for(INVESTIGATOR)

    def link(urn: str, item_id: str) -> None:
        case_links.link_items(new_uow(), desk, urn, [item_id], window=timedelta(0))

    def unlink(urn: str, item_id: str) -> None:
        case_links.unlink_item(new_uow(), desk, urn, item_id, "wrong incident")

    for urn in (CASE, OTHER_CASE):
        cases.create_case(new_uow(), desk, urn, window=timedelta(0), title=urn)
    items = []
    for n in (1, 2):
        item = make_item(n, officer="PC0001")
        repo.add_item(item, steps(item))
        _transcribe(engine, item.id, "PC0001", [f"the knife in room {n}"], True, n)
        items.append(item.id)
    first, second = items

    def in_case(urn: str) -> set[str]:
        return _items(engine, "knife", SearchFilters(case_urns={urn}))

    def scope_of(item_id: str) -> str | None:
        with engine.connect() as connection:
            return connection.execute(
                select(SegmentRow.cases).where(SegmentRow.item_id == item_id)
            ).scalar_one()

    assert in_case(CASE) == set()
    link(CASE, first)
    link(CASE, second)
    link(OTHER_CASE, second)
    assert in_case(CASE) == {first, second}
    assert in_case(OTHER_CASE) == {second}
    unlink(CASE, second)
    assert in_case(CASE) == {first}
    assert in_case(OTHER_CASE) == {second}  # still linked to the other case
    assert scope_of(second) == OTHER_CASE  # the index forgets the unlinked case
    link(CASE, second)  # relinked: back in scope
    assert in_case(CASE) == {first, second}
    assert scope_of(second) == " ".join(sorted((CASE, OTHER_CASE)))
