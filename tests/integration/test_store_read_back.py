"""The read-back re-hash: a store that does not keep the bytes it was given is caught.

``CorruptingStore`` is a real local store whose staging file flips one bit of the first
block written to it, as a failing disk or a buggy storage layer would, after the bytes were
hashed on their way in: only reading the stored copy back can tell.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path
from typing import BinaryIO

from evidence.hashing import hash_file
from evidence.ingest import IngestOptions, Ingestor
from evidence.quarantine import Quarantine
from storage.database import make_engine, migrate
from storage.local_store import LocalStore
from storage.media import FfmpegProbe
from storage.unit_of_work import SqlRepository


class FlipsOneBit(io.FileIO):
    flipped = False

    def write(self, data: bytes) -> int:
        if not self.flipped and data:
            self.flipped = True
            data = bytes([data[0] ^ 0x01]) + bytes(data[1:])
        written = 0
        while written < len(data):
            written += super().write(data[written:]) or 0
        return written


class CorruptingStore(LocalStore):
    def _staging_writer(self, fd: int) -> BinaryIO:
        return FlipsOneBit(fd, "wb")


def test_ingest_refuses_a_store_that_corrupts_on_write_and_registers_nothing(
    tmp_path: Path,
) -> None:
    dock = tmp_path / "dock"
    dock.mkdir()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=1", str(dock / "999.wav")],
        check=True,
    )
    original = hash_file(dock / "999.wav").sha256
    engine = make_engine(f"sqlite:///{tmp_path / 'evidence.sqlite3'}")
    migrate(engine)
    repo = SqlRepository(engine)
    store = CorruptingStore(tmp_path / "store")
    ingestor = Ingestor(repo, store, FfmpegProbe(), Quarantine(tmp_path / "quarantine"))

    outcome = ingestor.ingest(dock, "999.wav", None, IngestOptions(officer="PC4521"))

    assert outcome.status == "rejected"
    assert outcome.reason is not None
    assert "999.wav: the stored copy reads back as" in outcome.reason
    assert f"not {original}; the store did not keep the bytes that were sent" in outcome.reason
    assert repo.list_items() == []
    assert repo.find_by_sha256(original) is None
    [rejection] = repo.rejections()
    assert rejection.path == "999.wav" and rejection.sha256 == original
    assert rejection.quarantine_path is not None
    assert hash_file(Path(rejection.quarantine_path)).sha256 == original
    assert hash_file(dock / "999.wav").sha256 == original
    engine.dispose()


def test_the_corrupting_store_really_corrupts(tmp_path: Path) -> None:
    """The double is not a no-op: what it keeps differs from what it was given."""
    payload = os.urandom(4096)
    stored = CorruptingStore(tmp_path / "store").put(io.BytesIO(payload))
    kept = (tmp_path / "store" / stored.key).read_bytes()
    assert len(kept) == len(payload) and kept != payload
    assert hash_file(tmp_path / "store" / stored.key).sha256 != stored.sha256
