"""The local content-addressed store on a real filesystem."""

from __future__ import annotations

import hashlib
import io
import os
import time
from pathlib import Path

import pytest

from evidence.errors import FixityError, NotFound, StoreError
from evidence.model import object_key
from storage.local_store import STALE_STAGING_SECONDS, LocalStore

DATA = os.urandom(3 * 1024 * 1024 + 5)
SHA = hashlib.sha256(DATA).hexdigest()


def test_put_stores_under_the_digest_read_only_and_reads_back(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    stored = store.put(io.BytesIO(DATA), label="clip.mp4")
    assert (stored.key, stored.sha256, stored.size) == (object_key(SHA), SHA, len(DATA))
    path = tmp_path / stored.key
    assert path.read_bytes() == DATA
    assert path.stat().st_mode & 0o222 == 0
    assert store.describe(stored.key) == {"size": len(DATA), "read_only": True}
    with store.open(stored.key) as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == SHA
    assert stored.location == path.as_uri()


def test_same_bytes_twice_keep_one_object(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    first = store.put(io.BytesIO(DATA))
    second = store.put(io.BytesIO(DATA))
    assert first == second
    assert [p for p in (tmp_path / "sha256").rglob("*") if p.is_file()] == [tmp_path / first.key]
    assert list((tmp_path / ".staging").iterdir()) == []


def test_expected_digest_mismatch_commits_nothing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(FixityError, match=r"clip\.mp4: SHA-256 is .* expected 0+"):
        store.put(io.BytesIO(DATA), expected_sha256="0" * 64, label="clip.mp4")
    assert not store.exists(object_key(SHA))
    assert list((tmp_path / ".staging").iterdir()) == []


def test_missing_object_and_bad_keys_are_clear_errors(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(NotFound, match="missing"), store.open(object_key("a" * 64)):
        pass
    with pytest.raises(StoreError, match="not a valid object key"):
        store.exists("../outside")


def test_partial_copies_left_by_a_crash_are_swept_but_fresh_ones_kept(tmp_path: Path) -> None:
    staging = tmp_path / ".staging"
    staging.mkdir()
    stale, fresh = staging / "incoming-stale", staging / "incoming-fresh"
    stale.write_bytes(b"half a video")
    fresh.write_bytes(b"being written")
    old = time.time() - STALE_STAGING_SECONDS - 60
    os.utime(stale, (old, old))
    LocalStore(tmp_path)
    assert not stale.exists()
    assert fresh.exists()
