"""When an inbox dock is complete, and what its manifest may say: pure rules, no S3."""

from __future__ import annotations

import json

import pytest

from evidence.errors import InvalidInput
from evidence.hashing import Digest
from evidence.inbox import (
    DockFile,
    DockState,
    InboxObject,
    download_problem,
    fingerprint,
    parse_manifest,
    readiness,
)


def objects(**sizes: int) -> dict[str, InboxObject]:
    named = {name.replace("__", "/").replace("_", "."): size for name, size in sizes.items()}
    return {path: InboxObject(path, size, f"etag-{path}-{size}") for path, size in named.items()}


def manifest(*files: dict[str, object]) -> bytes:
    return json.dumps({"files": list(files)}).encode()


def test_a_dock_without_manifest_or_marker_waits() -> None:
    seen = readiness("d1", objects(a_mp4=10))
    assert (seen.state, seen.problems) == (
        DockState.WAITING,
        ("no manifest.json or .complete yet",),
    )


def test_the_complete_marker_takes_every_object_present() -> None:
    seen = readiness(
        "d1", {**objects(a_mp4=10, bwv__b_mp4=20), ".complete": InboxObject(".complete", 0, "e")}
    )
    assert seen.ready
    assert [(f.path, f.size) for f in seen.files] == [("a.mp4", 10), ("bwv/b.mp4", 20)]


def test_a_manifest_waits_for_missing_and_short_files_and_names_them() -> None:
    listed = manifest({"path": "a.mp4", "size": 10}, {"path": "b.mp4", "size": 30})
    seen = readiness("d1", objects(a_mp4=10, b_mp4=12), listed)
    assert seen.state is DockState.WAITING
    assert seen.problems == ("b.mp4: 12 bytes, the manifest says 30",)
    assert readiness("d1", objects(a_mp4=10), listed).problems == ("b.mp4: not uploaded yet",)


def test_a_complete_manifest_dock_is_ready_and_names_unlisted_objects() -> None:
    digest = "ab" * 32
    listed = manifest({"path": "a.mp4", "size": 10, "sha256": digest.upper()})
    seen = readiness("d1", objects(a_mp4=10, stray_txt=3), listed)
    assert seen.ready
    assert seen.files == (DockFile("a.mp4", 10, "etag-a.mp4-10", digest),)
    assert seen.not_listed == ("stray.txt",)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (b"{not json", "is not JSON"),
        (b'{"files": []}', 'non-empty "files" list'),
        (manifest({"path": "../x.mp4", "size": 1}), "climbs out"),
        (manifest({"path": "a.mp4", "size": -1}), '"size" must be a whole number'),
        (manifest({"path": "a.mp4", "size": True}), '"size" must be a whole number'),
        (manifest({"path": "a.mp4", "size": 1, "sha256": "xyz"}), "64 hexadecimal"),
        (manifest({"path": "a", "size": 1}, {"path": "a/b.mp4", "size": 1}), "also a folder"),
        (manifest({"path": "manifest.json", "size": 1}), "control file"),
    ],
)
def test_a_bad_manifest_is_refused_with_the_reason(document: bytes, expected: str) -> None:
    with pytest.raises(InvalidInput, match=expected):
        parse_manifest(document, "d1")
    assert readiness("d1", objects(a_mp4=1), document).state is DockState.INVALID


def test_every_manifest_problem_is_reported_at_once() -> None:
    twice = {"path": "b.mp4", "size": 2}
    listed = manifest({"path": "a.mp4", "size": -1}, twice, twice, {"size": 1})
    with pytest.raises(InvalidInput) as refused:
        parse_manifest(listed, "d1")
    assert all(part in str(refused.value) for part in ('"size"', "listed twice", "file 4"))


def test_the_fingerprint_changes_with_any_name_size_or_etag() -> None:
    base = objects(a_mp4=10)
    assert fingerprint(base) == fingerprint(objects(a_mp4=10))
    assert fingerprint(base) != fingerprint(objects(a_mp4=11))
    assert fingerprint(base) != fingerprint({"a.mp4": InboxObject("a.mp4", 10, "other")})


def test_a_download_must_match_the_size_and_digest_claimed() -> None:
    claimed = DockFile("a.mp4", 10, "e", "ab" * 32)
    assert download_problem("d1", claimed, Digest("ab" * 32, 10, {})) is None
    assert "changed in the inbox" in str(download_problem("d1", claimed, Digest("ab" * 32, 9, {})))
    assert "manifest says abab" in str(download_problem("d1", claimed, Digest("cd" * 32, 10, {})))
