"""Streaming digests: one pass, fixed-size blocks, every digest from the same read.

Memory use is one block whatever the file size.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from evidence.errors import FixityError

BLOCK_SIZE = 1024 * 1024
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Digest:
    sha256: str
    size: int
    extra: dict[str, str]


def is_sha256(value: str) -> bool:
    return bool(SHA256_HEX.match(value))


class Hasher:
    """Accumulates SHA-256 (and any other named algorithms) over the blocks fed to it."""

    def __init__(self, extra_algorithms: Iterable[str] = ()) -> None:
        self._sha256 = hashlib.sha256()
        self._extra = {name: hashlib.new(name) for name in extra_algorithms}
        self.size = 0

    def update(self, block: bytes | memoryview) -> None:
        self._sha256.update(block)
        for h in self._extra.values():
            h.update(block)
        self.size += len(block)

    def digest(self) -> Digest:
        return Digest(
            sha256=self._sha256.hexdigest(),
            size=self.size,
            extra={name: h.hexdigest() for name, h in self._extra.items()},
        )


def iter_blocks(stream: BinaryIO, block_size: int = BLOCK_SIZE) -> Iterator[bytes]:
    while block := stream.read(block_size):
        yield block


def hash_stream(stream: BinaryIO, extra_algorithms: Iterable[str] = ()) -> Digest:
    hasher = Hasher(extra_algorithms)
    for block in iter_blocks(stream):
        hasher.update(block)
    return hasher.digest()


def hash_file(path: Path, extra_algorithms: Iterable[str] = ()) -> Digest:
    with path.open("rb") as stream:
        return hash_stream(stream, extra_algorithms)


def copy_and_hash(
    source: BinaryIO, destination: BinaryIO, extra_algorithms: Iterable[str] = ()
) -> Digest:
    """Copy ``source`` to ``destination`` and hash the bytes in the same pass."""
    hasher = Hasher(extra_algorithms)
    for block in iter_blocks(source):
        hasher.update(block)
        destination.write(block)
    return hasher.digest()


def require_digest(what: str, expected: str, actual: str) -> None:
    if expected != actual:
        raise FixityError(f"{what}: SHA-256 is {actual}, expected {expected}; the bytes differ")
