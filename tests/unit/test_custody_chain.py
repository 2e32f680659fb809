import dataclasses
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from evidence.custody import GENESIS, Actor, chain, event_hash, next_event, verify_chain
from evidence.model import CustodyEvent

ACTOR = Actor(name="PC4521", host="dock-01")
SHA = "ab" * 32


def make_chain(length: int = 4) -> list[CustodyEvent]:
    start = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
    steps = [
        (f"step-{n}", ACTOR, SHA, {"n": n}, start + timedelta(seconds=n)) for n in range(length)
    ]
    return chain("item-1", steps)


def test_fresh_chain_is_intact_and_linked_from_genesis() -> None:
    events = make_chain()
    assert events[0].prev_hash == GENESIS
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert verify_chain(events, events[-1].hash) == []


def test_each_event_records_who_where_when_and_the_digest() -> None:
    event = make_chain(1)[0]
    assert (event.actor, event.host, event.sha256) == ("PC4521", "dock-01", SHA)
    assert event.at == "2026-11-25T21:00:00.000000Z"


@pytest.mark.parametrize("field", ["action", "actor", "host", "at", "sha256", "details"])
def test_any_edited_field_is_detected(field: str) -> None:
    events = make_chain()
    value = {"n": 99} if field == "details" else "tampered"
    events[1] = dataclasses.replace(events[1], **{field: value})
    problems = verify_chain(events, events[-1].hash)
    assert any("event 2" in p and "changed" in p for p in problems)


def test_rehashing_an_edited_event_still_breaks_the_next_link() -> None:
    events = make_chain()
    forged = dataclasses.replace(events[1], actor="someone else")
    forged = dataclasses.replace(forged, hash=event_hash(forged.as_dict()))
    events[1] = forged
    problems = verify_chain(events, events[-1].hash)
    assert any("event 3" in p and "does not follow" in p for p in problems)


def test_removed_event_is_detected() -> None:
    events = make_chain()
    del events[1]
    problems = verify_chain(events, make_chain()[-1].hash)
    assert any("sequence number 3 where 2 belongs" in p for p in problems)


def test_reordered_events_are_detected() -> None:
    events = make_chain()
    events[1], events[2] = events[2], events[1]
    assert verify_chain(events) != []


def test_truncated_tail_is_detected_against_the_recorded_head() -> None:
    events = make_chain()
    head = events[-1].hash
    problems = verify_chain(events[:-1], head)
    assert problems == [p for p in problems if "missing from the end" in p]
    assert problems


def test_empty_log_is_a_problem() -> None:
    assert verify_chain([]) == ["the custody log is empty"]


def test_appending_continues_the_chain() -> None:
    events = make_chain(2)
    appended = next_event(
        item_id="item-1", previous=events[-1], action="copied-out", actor=ACTOR, sha256=SHA
    )
    assert appended.seq == 3
    assert verify_chain([*events, appended], appended.hash) == []


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        next_event(
            item_id="i", previous=None, action="a", actor=ACTOR, sha256=SHA, at=datetime(2026, 1, 1)
        )
