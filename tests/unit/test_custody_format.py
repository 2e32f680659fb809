"""Custody and audit hashes by format: new events are RFC 8785 (format 2, committed in the
hashed fields); events written before keep verifying under format 1."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import rfc8785

from evidence.audit import next_audit_event, verify_audit
from evidence.custody import GENESIS, Actor, chain, verify_chain

AT = datetime(2026, 11, 25, 21, 14, tzinfo=UTC)


def test_new_custody_events_hash_rfc8785_bytes_with_their_format() -> None:
    [event] = chain("a" * 32, [("received", Actor("PC1", "h"), "b" * 64, {"x": 1.5e-7}, AT)])
    record = event.as_dict()
    assert record["format"] == 2
    hashed = {k: v for k, v in record.items() if k != "hash"}
    assert event.hash == hashlib.sha256(rfc8785.dumps(hashed)).hexdigest()
    assert b'"x":1.5e-7' in rfc8785.dumps(hashed)  # ES6 number form, not Python's repr
    assert verify_chain([record]) == []
    record["format"] = 1
    assert "changed after it was recorded" in verify_chain([record])[0]


def test_events_written_before_formats_keep_verifying_under_format_1() -> None:
    fields = {
        "item_id": "c" * 32,
        "seq": 1,
        "action": "received",
        "actor": "PC1",
        "host": "h",
        "at": "2026-11-25T21:14:00.000000Z",
        "sha256": "d" * 64,
        "details": {"é": "ü", "n": 2},
        "prev_hash": GENESIS,
    }
    legacy = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    record = {**fields, "hash": hashlib.sha256(legacy.encode("utf-8")).hexdigest()}
    assert verify_chain([record]) == []
    record["details"] = {"é": "ü", "n": 3}
    assert verify_chain([record]) != []


def test_audit_events_carry_format_2() -> None:
    event = next_audit_event(
        previous=None, actor="ivy", role="investigator", action="view", target="t", address="::1"
    )
    assert event.as_dict()["format"] == 2
    hashed = {k: v for k, v in event.as_dict().items() if k != "hash"}
    assert event.hash == hashlib.sha256(rfc8785.dumps(hashed)).hexdigest()
    assert verify_audit([event]) == []
