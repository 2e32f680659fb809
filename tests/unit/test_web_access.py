"""Roles, item visibility, the audit chain and HTTP ranges: pure rules, no server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from entrypoints.web.ranges import ByteRange, RangeNotSatisfiable, parse_range
from evidence.access import (
    Permission,
    Principal,
    Role,
    check_password,
    check_username,
    parse_role,
    require_item,
)
from evidence.audit import AuditEvent, next_audit_event, verify_audit
from evidence.errors import InvalidInput, NotFound, PermissionDenied
from evidence.model import EvidenceItem

ITEM = EvidenceItem(
    id="a" * 32,
    sha256="b" * 64,
    size=10,
    kind="bwv",
    original_name="clip.mp4",
    source_path="clip.mp4",
    storage_key="k",
    store_location="file:///k",
    ingested_at=datetime(2026, 11, 25, tzinfo=UTC),
    officer="PC4521",
)
OFFICER = Principal("pc4521", Role.OFFICER, "PC4521")
OTHER_OFFICER = Principal("pc3310", Role.OFFICER, "PC3310")
INVESTIGATOR = Principal("ivy", Role.INVESTIGATOR)
LAWYER = Principal("lawyer", Role.CPS)
ADMIN = Principal("root", Role.ADMIN)


def test_grants_follow_the_roles() -> None:
    assert OFFICER.may(Permission.UPLOAD)
    assert not OFFICER.may(Permission.VIEW_CASES)
    assert INVESTIGATOR.may(Permission.MANAGE_CASES)
    assert not INVESTIGATOR.may(Permission.MANAGE_USERS)
    assert LAWYER.may(Permission.DOWNLOAD_BUNDLES)
    assert not LAWYER.may(Permission.MANAGE_CASES)
    assert ADMIN.may(Permission.MANAGE_USERS)
    assert not ADMIN.may(Permission.LIST_ITEMS)
    with pytest.raises(PermissionDenied, match="may not upload"):
        INVESTIGATOR.require(Permission.UPLOAD)


def test_item_visibility_by_role() -> None:
    assert require_item(OFFICER, ITEM, ITEM.id) is ITEM
    assert require_item(INVESTIGATOR, ITEM, ITEM.id) is ITEM
    assert require_item(LAWYER, ITEM, ITEM.id, {ITEM.id}) is ITEM
    for principal in (OTHER_OFFICER, LAWYER, ADMIN):
        with pytest.raises(PermissionDenied):
            require_item(principal, ITEM, ITEM.id)
    unowned = replace(ITEM, officer=None)
    with pytest.raises(PermissionDenied):
        require_item(Principal("x", Role.OFFICER, None), unowned, ITEM.id)


def test_only_investigators_learn_that_an_item_is_missing() -> None:
    with pytest.raises(NotFound):
        require_item(INVESTIGATOR, None, "nope")
    with pytest.raises(PermissionDenied) as missing:
        require_item(OFFICER, None, "nope")
    with pytest.raises(PermissionDenied) as foreign:
        require_item(OTHER_OFFICER, ITEM, "nope")
    assert str(missing.value).replace("pc4521", "X") == str(foreign.value).replace("pc3310", "X")


def test_names_roles_and_passwords_are_checked() -> None:
    assert parse_role(" CPS ") is Role.CPS
    with pytest.raises(InvalidInput, match="officer, investigator, cps, admin"):
        parse_role("superuser")
    with pytest.raises(InvalidInput):
        check_username("../root")
    with pytest.raises(InvalidInput, match="at least 10"):
        check_password("short")


def chain(count: int) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    for number in range(count):
        events.append(
            next_audit_event(
                previous=events[-1] if events else None,
                actor="ivy",
                role="investigator",
                action="view-item",
                target=f"item:{number}",
                address="10.0.0.1",
            )
        )
    return events


def test_audit_chain_detects_edits_removals_and_reordering() -> None:
    events = chain(4)
    assert verify_audit(events) == []
    edited = [*events[:2], replace(events[2], actor="someone else"), events[3]]
    assert any("changed" in problem for problem in verify_audit(edited))
    removed = [events[0], events[2], events[3]]
    assert any("does not follow" in problem for problem in verify_audit(removed))
    swapped = [events[0], events[2], events[1], events[3]]
    assert verify_audit(swapped)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=100-", ByteRange(100, 999)),
        ("bytes=-100", ByteRange(900, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("bytes=990-5000", ByteRange(990, 999)),
        ("bytes=0-1,5-6", None),
    ],
)
def test_ranges_are_parsed(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize(
    "header", ["bytes=1000-", "bytes=5-1", "bytes=-0", "bytes=x-y", "items=1-2"]
)
def test_bad_ranges_are_not_satisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 1000)
