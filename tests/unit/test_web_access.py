"""Roles, item visibility, the audit chain and HTTP ranges: pure rules, no server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from entrypoints.web.ranges import (
    ByteRange,
    RangeNotSatisfiable,
    media_type,
    parse_range,
    safe_extension,
)
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


HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", ByteRange(0, 99)),
        ("Bytes = 0-99", ByteRange(0, 99)),
        ("bytes=100-", ByteRange(100, 999)),
        ("bytes=-100", ByteRange(900, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("bytes=990-5000", ByteRange(990, 999)),
        (f"bytes=0-{HUGE}", ByteRange(0, 999)),
        (f"bytes=-{HUGE}", ByteRange(0, 999)),
        (f"bytes={'0' * 5000}5-9", ByteRange(5, 9)),
    ],
)
def test_ranges_are_parsed(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize(
    "header",
    [
        "",
        "bytes=0-1,5-6",
        "bytes=5-1",
        "bytes=x-y",
        "bytes=-",
        "bytes=\u0663-",
        "bytes=0x10-",
        "bytes=1 0-20",
        "bytes 0-9",
        "items=1-2",
        "0-9",
    ],
)
def test_malformed_or_foreign_ranges_are_ignored(header: str) -> None:
    """RFC 9110 section 14.2: the whole object is answered, as if no Range were sent."""
    assert parse_range(header, 1000) is None


@pytest.mark.parametrize(
    "header", ["bytes=1000-", "bytes=-0", f"bytes={HUGE}-", f"bytes={HUGE}-{HUGE}"]
)
def test_ranges_beyond_the_end_are_not_satisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 1000)


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        ({"format": "mov,mp4,m4a,3gp,3g2,mj2", "video_codec": "h264"}, "video/mp4"),
        ({"format": "mov,mp4,m4a,3gp,3g2,mj2", "audio_codec": "aac"}, "audio/mp4"),
        (
            {
                "format": "mov,mp4,m4a,3gp,3g2,mj2",
                "video_codec": "h264",
                "tags": {"major_brand": "qt  "},
            },
            "video/quicktime",
        ),
        ({"format": "matroska,webm", "video_codec": "vp9", "audio_codec": "opus"}, "video/webm"),
        (
            {"format": "matroska,webm", "video_codec": "h264", "audio_codec": "aac"},
            "video/x-matroska",
        ),
        ({"format": "matroska,webm", "audio_codec": "opus"}, "audio/webm"),
        ({"format": "wav", "audio_codec": "pcm_s16le"}, "audio/wav"),
        ({"format": "mp3", "audio_codec": "mp3"}, "audio/mpeg"),
        ({"format": "ogg", "audio_codec": "vorbis"}, "audio/ogg"),
        ({"format": "avi", "video_codec": "mjpeg"}, "video/x-msvideo"),
        ({"format": "tty"}, "application/octet-stream"),
        ({}, "application/octet-stream"),
    ],
)
def test_media_types_come_from_the_probed_container(
    media: dict[str, object], expected: str
) -> None:
    assert media_type(media) == expected


@pytest.mark.parametrize(
    ("name", "extension"),
    [
        ("clip.mp4", ".mp4"),
        ("data:,x.MP4", ".MP4"),
        ('clip.mp4"; filename="x', ""),
        ("clip.m\u00e94", ""),
        ("clip", ""),
        ("clip.", ""),
    ],
)
def test_only_plain_extensions_reach_the_download_name(name: str, extension: str) -> None:
    assert safe_extension(name) == extension
