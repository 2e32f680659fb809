import hashlib
import io
import subprocess
from pathlib import Path

import pytest

from evidence.errors import FixityError
from evidence.hashing import BLOCK_SIZE, copy_and_hash, hash_file, hash_stream, require_digest


@pytest.mark.parametrize("size", [0, 1, BLOCK_SIZE - 1, BLOCK_SIZE, BLOCK_SIZE * 3 + 17])
def test_stream_digest_matches_hashlib_at_block_boundaries(size: int) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    digest = hash_stream(io.BytesIO(data), ["sha512"])
    assert digest.sha256 == hashlib.sha256(data).hexdigest()
    assert digest.extra["sha512"] == hashlib.sha512(data).hexdigest()
    assert digest.size == size


def test_file_digest_matches_sha256sum(tmp_path: Path) -> None:
    target = tmp_path / "clip.bin"
    target.write_bytes(b"\x00\x01evidence" * 100_000)
    expected = subprocess.run(
        ["sha256sum", str(target)], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    assert hash_file(target).sha256 == expected


def test_copy_and_hash_copies_every_byte_in_one_pass() -> None:
    data = b"abc" * (BLOCK_SIZE // 2)

    class CountingReader(io.BytesIO):
        reads = 0

        def read(self, size: int | None = -1) -> bytes:
            CountingReader.reads += 1
            return super().read(size)

    out = io.BytesIO()
    digest = copy_and_hash(CountingReader(data), out)
    assert out.getvalue() == data
    assert digest.sha256 == hashlib.sha256(data).hexdigest()
    # two full blocks plus the final empty read: the source is read exactly once
    assert CountingReader.reads == -(-len(data) // BLOCK_SIZE) + 1


def test_require_digest_names_the_file_and_both_digests() -> None:
    with pytest.raises(FixityError, match=r"clip\.mp4: SHA-256 is b+, expected a+"):
        require_digest("clip.mp4", "a" * 64, "b" * 64)
