"""Pure rules behind the custody checks: a broken tail, committed details, corrections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from evidence.custody import (
    DETAILS_KEY,
    Actor,
    chain,
    committed_details,
    correction,
    detail_problems,
    require_intact_tail,
)
from evidence.errors import CustodyBroken, InvalidInput
from evidence.model import ITEM_DETAIL_FIELDS, CustodyEvent

ACTOR = Actor("PC4521", "dock-01")
DETAILS = {
    "kind": "bwv",
    "original_name": "clip.mp4",
    "source_path": "bwv/clip.mp4",
    "officer": "PC4521",
    "device": "AXON-1",
    "incident": "CAD-1",
    "recorded_at": "2026-11-25T21:00:00.000000Z",
}


def make_chain(length: int, details: dict[str, object] | None = None) -> list[CustodyEvent]:
    start = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
    steps = [
        (f"step-{n}", ACTOR, "ab" * 32, dict(details or {}), start + timedelta(seconds=n))
        for n in range(length)
    ]
    return chain("item-1", steps)


def test_an_intact_tail_allows_the_append() -> None:
    events = make_chain(3)
    require_intact_tail(3, events[-1].hash, events[-1], "item-1", "copied-out", ACTOR)
    require_intact_tail(0, "0" * 64, None, "item-1", "copied-out", ACTOR)


@pytest.mark.parametrize(
    ("found", "recorded", "says"),
    [
        (2, 3, "event 3 is missing .removed after it was recorded."),
        (1, 3, "events 2 to 3 are missing"),
        (3, 2, "events were added after the recorded head"),
    ],
)
def test_a_broken_tail_is_refused_and_named(found: int, recorded: int, says: str) -> None:
    events = make_chain(3)
    with pytest.raises(CustodyBroken, match=says) as caught:
        require_intact_tail(
            recorded, events[recorded - 1].hash, events[found - 1], "item-1", "get", ACTOR
        )
    assert "item item-1" in str(caught.value) and "get was refused" in str(caught.value)
    assert caught.value.facts["recorded_events"] == recorded
    assert caught.value.facts["events_found"] == found


def test_a_replaced_last_event_is_refused() -> None:
    events, other = make_chain(3), make_chain(3, {"rewritten": True})
    with pytest.raises(CustodyBroken, match="event 3 is not the one recorded"):
        require_intact_tail(3, other[2].hash, events[2], "item-1", "get", ACTOR)


def test_the_latest_committed_details_win_and_old_items_have_none() -> None:
    assert committed_details(make_chain(2)) is None
    corrected = {**DETAILS, "officer": "PC9"}
    events = make_chain(1, {DETAILS_KEY: DETAILS}) + make_chain(1, {DETAILS_KEY: corrected})
    assert committed_details(events) == corrected


def test_every_differing_detail_is_named() -> None:
    edited = {name: "x" for name in ITEM_DETAIL_FIELDS}
    problems = detail_problems(edited, DETAILS)
    assert len(problems) == len(ITEM_DETAIL_FIELDS)
    assert all(name in p for name, p in zip(ITEM_DETAIL_FIELDS, problems, strict=True))
    assert detail_problems(dict(DETAILS), DETAILS) == []


def test_a_correction_records_what_changed_why_and_the_whole_new_set() -> None:
    details = correction(DETAILS, DETAILS, {"recorded_at": "2026-11-25T22:30:00+01:00"}, " typo ")
    assert details["changed"] == {
        "recorded_at": {"from": DETAILS["recorded_at"], "to": "2026-11-25T21:30:00.000000Z"}
    }
    assert details["reason"] == "typo"
    assert set(details[DETAILS_KEY]) == set(ITEM_DETAIL_FIELDS)


@pytest.mark.parametrize(
    ("changes", "reason", "says"),
    [
        ({"officer": "PC9"}, "  ", "needs a reason"),
        ({"sha256": "00"}, "r", "sha256: not an item detail"),
        ({"kind": "cctv"}, "r", "kind 'cctv'"),
        ({"source_path": ""}, "r", "source_path cannot be empty"),
        ({"recorded_at": "yesterday"}, "r", "not an ISO 8601 time"),
        ({"officer": "PC4521"}, "r", "changes nothing"),
    ],
)
def test_a_bad_correction_is_refused_with_the_reason(
    changes: dict[str, str], reason: str, says: str
) -> None:
    with pytest.raises(InvalidInput, match=says):
        correction(DETAILS, DETAILS, changes, reason)


def test_a_correction_starts_from_the_committed_values_and_records_what_the_row_said() -> None:
    tampered = {**DETAILS, "incident": "CAD-999"}
    details = correction(DETAILS, tampered, {"officer": "PC9"}, "wrong collar number")
    assert details[DETAILS_KEY] == {**DETAILS, "officer": "PC9"}
    assert details["changed"] == {"officer": {"from": "PC4521", "to": "PC9"}}
    assert details["row_differed"] == {"incident": {"row": "CAD-999", "committed": "CAD-1"}}
    restored = correction(DETAILS, tampered, {}, "put back after an unrecorded edit")
    assert restored[DETAILS_KEY] == DETAILS and restored["changed"] == {}


def test_an_item_without_committed_details_is_corrected_from_its_row() -> None:
    details = correction(None, DETAILS, {"incident": "CAD-2"}, "typo")
    assert details["changed"] == {"incident": {"from": "CAD-1", "to": "CAD-2"}}
    assert "row_differed" not in details
