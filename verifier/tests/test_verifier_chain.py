"""Custody chains checked by the verifier: formats 1 and 2, and every kind of break named."""

from __future__ import annotations

from typing import Any

from bundle_verifier.canonical import event_hash
from bundle_verifier.chain import GENESIS, verify_chain


def chain(formats: list[int | None]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for seq, fmt in enumerate(formats, start=1):
        fields: dict[str, Any] = {
            "seq": seq,
            "action": "received" if seq == 1 else "viewed",
            "at": f"2026-11-25T21:{seq:02d}:00.000000Z",
            "details": {"ratio": 0.000001, "note": "caf\u00e9"},
            "prev_hash": events[-1]["hash"] if events else GENESIS,
        }
        if fmt is not None:
            fields["format"] = fmt
        events.append({**fields, "hash": event_hash(fields)})
    return events


def test_a_chain_mixing_old_and_new_formats_verifies() -> None:
    events = chain([None, None, 2, 2])
    assert verify_chain(events, events[-1]["hash"]) == []


def test_every_break_is_named() -> None:
    events = chain([None, 2, 2])
    edited = [dict(e) for e in events]
    edited[1]["details"] = {"ratio": 0.000002, "note": "caf\u00e9"}
    assert verify_chain(edited) == [
        "event 2 (viewed): its content was changed after it was recorded"
    ]
    swapped = [events[0], events[2], events[1]]
    problems = verify_chain(swapped)
    assert "event 2 (viewed): sequence number 3 where 2 belongs" in problems
    assert (
        "event 2 (viewed): does not follow the event before it (previous hash differs)" in problems
    )
    truncated = verify_chain(events[:-1], events[-1]["hash"])
    assert truncated[-1].endswith("events are missing from the end")
    assert verify_chain([]) == ["the custody log is empty"]


def test_a_format_this_verifier_does_not_know_is_named_not_crashed_on() -> None:
    events = chain([2])
    events[0]["format"] = 3
    [problem] = verify_chain(events)
    assert problem.startswith("event 1 (received): its canonical form cannot be computed")
    assert "unknown canonical format 3" in problem
