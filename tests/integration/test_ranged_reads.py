"""``open_range`` on both object stores: the local filesystem and a real S3 server (moto)."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from urllib3 import BaseHTTPResponse

from evidence.errors import InvalidInput, NotFound
from evidence.model import object_key
from evidence.ports import ObjectStore
from storage.local_store import LocalStore
from storage.s3_store import S3Store

SIZE = 3 * 1024 * 1024 + 123
DATA = random.Random(7).randbytes(SIZE)
MISSING = object_key("0" * 64)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalStore(tmp_path / "store")
    s3_store: S3Store = request.getfixturevalue("s3_store")
    return s3_store


@pytest.fixture
def key(store: ObjectStore) -> str:
    return store.put(io.BytesIO(DATA), label="clip.mp4").key


def read_range(store: ObjectStore, key: str, start: int, length: int) -> bytes:
    with store.open_range(key, start, length) as stream:
        return stream.read()


@pytest.mark.parametrize(
    ("start", "length"),
    [(0, 1000), (1_500_000, 777_777), (SIZE - 1, 1), (SIZE - 1024 * 1024, 1024 * 1024)],
    ids=["first-bytes", "middle", "last-byte", "last-mebibyte"],
)
def test_a_range_gives_exactly_its_bytes(
    store: ObjectStore, key: str, start: int, length: int
) -> None:
    assert read_range(store, key, start, length) == DATA[start : start + length]


def test_a_range_stream_ends_at_the_range_even_when_read_in_small_blocks(
    store: ObjectStore, key: str
) -> None:
    with store.open_range(key, 10, 100_000) as stream:
        blocks = list(iter(lambda: stream.read(4096), b""))
    assert b"".join(blocks) == DATA[10:100_010]
    assert max(len(block) for block in blocks) <= 4096


@pytest.mark.parametrize(
    ("start", "length"),
    [(SIZE - 10, 11), (SIZE, 1), (SIZE + 5000, 10)],
    ids=["runs-past-the-end", "starts-at-the-end", "starts-past-the-end"],
)
def test_a_range_outside_the_object_is_refused_with_its_bounds(
    store: ObjectStore, key: str, start: int, length: int
) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_range(store, key, start, length)
    message = str(refused.value)
    assert key in message
    assert f"bytes {start}-{start + length - 1}" in message
    assert f"outside its {SIZE} bytes" in message


@pytest.mark.parametrize(("start", "length"), [(-1, 10), (0, 0)])
def test_a_range_needs_a_start_and_at_least_one_byte(
    store: ObjectStore, key: str, start: int, length: int
) -> None:
    with pytest.raises(InvalidInput, match="at least one byte"):
        read_range(store, key, start, length)


def test_a_range_of_a_missing_object_is_not_found(store: ObjectStore) -> None:
    with pytest.raises(NotFound, match=MISSING):
        read_range(store, MISSING, 0, 10)


def test_s3_sends_only_the_range_over_the_wire(s3_store: S3Store) -> None:
    key = s3_store.put(io.BytesIO(DATA), label="clip.mp4").key
    with s3_store.open_range(key, SIZE - 4096, 4096) as stream:
        assert isinstance(stream, BaseHTTPResponse)
        headers = stream.headers
        assert headers["Content-Length"] == "4096"
        assert headers["Content-Range"] == f"bytes {SIZE - 4096}-{SIZE - 1}/{SIZE}"
        assert stream.read() == DATA[-4096:]
