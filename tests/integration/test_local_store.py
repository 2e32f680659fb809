"""The local content-addressed store on a real filesystem."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evidence.errors import FixityError, NotFound, StoreError
from evidence.model import object_key
from storage.local_store import LocalStore

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


# A writer in another process: stores whatever arrives on its stdin, then says where.
WRITER = """
import sys
from pathlib import Path
from storage.local_store import LocalStore
stored = LocalStore(Path(sys.argv[1])).put(sys.stdin.buffer, label="dock file")
print(stored.key)
"""


def _writer_mid_copy(root: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """A process half-way through a put: its staging file exists and is being written."""
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert writer.stdin is not None
    writer.stdin.write(DATA[: len(DATA) // 2])
    writer.stdin.flush()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        partial = [p for p in (root / ".staging").glob("incoming-*") if p.stat().st_size]
        if partial:
            return writer, partial[0]
        time.sleep(0.02)
    writer.kill()
    pytest.fail("the writer never started its staging copy")


def test_a_killed_writers_partial_copy_is_swept_by_the_next_store(tmp_path: Path) -> None:
    writer, partial = _writer_mid_copy(tmp_path)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert partial.exists()
    LocalStore(tmp_path)
    assert list((tmp_path / ".staging").iterdir()) == []
    assert not (tmp_path / "sha256").exists()


def test_a_live_writers_partial_copy_is_left_alone(tmp_path: Path) -> None:
    writer, partial = _writer_mid_copy(tmp_path)
    store = LocalStore(tmp_path)
    assert partial.exists()
    out, _ = writer.communicate(DATA[len(DATA) // 2 :], timeout=60)
    assert writer.returncode == 0
    assert out.decode().strip() == object_key(SHA)
    with store.open(object_key(SHA)) as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == SHA
    assert list((tmp_path / ".staging").iterdir()) == []
