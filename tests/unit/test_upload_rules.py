"""Upload part names, the officer rule and the body allowance, as pure functions."""

from __future__ import annotations

import pytest

from evidence.errors import InvalidInput, QuotaExceeded, TooLarge
from evidence.upload_job import uploader_report
from evidence.upload_rules import BodyAllowance, officer_refusal, upload_name


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("clip.mp4.json/", "clip.mp4.json"),
        ("d.mp4.json/.", "d.mp4.json"),
        ("./a.mp4", "a.mp4"),
        ("bwv//2026/./a.mp4", "bwv/2026/a.mp4"),
    ],
)
def test_a_name_spelt_several_ways_is_one_name(raw: str, name: str) -> None:
    assert upload_name(raw) == name


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (".", "names no file"),
        ("./", "names no file"),
        ("clip.mp4.json\\", "backslash"),
        ("s\\e.mp4.json", "backslash"),
        ("a\nb.mp4", "control character"),
        ("x" * 201, "201 bytes long"),
        ("é" * 101, "202 bytes long"),
        ("../a.mp4", "climbs out"),
        ("/etc/passwd", "absolute path"),
        ("", "empty"),
    ],
)
def test_names_that_cannot_be_one_dock_file_are_refused(raw: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        upload_name(raw)


def test_a_long_name_is_not_repeated_in_full() -> None:
    with pytest.raises(InvalidInput) as refused:
        upload_name("a/" * 3000)
    assert len(str(refused.value)) < 200


def test_only_the_uploaders_own_collar_id_passes() -> None:
    assert officer_refusal("a.mp4.json", None, "PC2") is None
    assert officer_refusal("a.mp4.json", " pc2 ", "PC2") is None
    refusal = officer_refusal("a.mp4.json", "PC1", "PC2")
    assert refusal is not None and "a.mp4.json: names officer PC1" in refusal
    assert officer_refusal("a.mp4.json", "PC1", None) is not None


def test_the_allowance_is_the_smaller_of_the_limit_and_the_quota_room() -> None:
    allowance = BodyAllowance(max_bytes=1000, quota=5000, used=4500)
    allowance.check(500)
    with pytest.raises(QuotaExceeded, match="500 bytes left of the quarantine's 5000"):
        allowance.check(501)
    roomy = BodyAllowance(max_bytes=1000, quota=10_000, used=0)
    roomy.check(1000)
    with pytest.raises(TooLarge, match="larger than 1000 bytes"):
        roomy.check(1001)
    with pytest.raises(QuotaExceeded):
        BodyAllowance(max_bytes=1000, quota=100, used=200).check(1)


def test_the_uploaders_report_names_only_items_they_may_see() -> None:
    outcomes = [
        {"status": "duplicate", "path": "mine.mp4", "id": "m" * 32, "sha256": "1" * 64},
        {"status": "duplicate", "path": "theirs.mp4", "id": "t" * 32, "sha256": "2" * 64},
        {
            "status": "rejected",
            "path": "x.mp4",
            "reason": f"x.mp4: changed since it was ingested as item {'t' * 32}",
            "details": {"held_item": "t" * 32},
        },
    ]
    report = uploader_report(outcomes, lambda item_id: item_id == "m" * 32)
    assert report["duplicates"] == [
        {"id": "m" * 32, "sha256": "1" * 64, "path": "mine.mp4"},
        {"id": None, "sha256": None, "path": "theirs.mp4", "note": "already held"},
    ]
    [rejected] = report["rejected"]
    assert rejected["reason"].startswith("x.mp4: conflicts with an item held")
    assert "t" * 12 not in str(report)
