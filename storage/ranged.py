"""What both object stores share for ranged reads: argument checks and a bounded stream."""

from __future__ import annotations

import io
from typing import BinaryIO

from evidence.errors import InvalidInput

BUFFER = 256 * 1024


def check_range_arguments(key: str, start: int, length: int) -> None:
    if start < 0 or length < 1:
        raise InvalidInput(
            f"stored object {key}: a range starts at byte 0 or later and holds at least one "
            f"byte (asked for {length} bytes from byte {start})"
        )


def outside(key: str, start: int, length: int, size: int) -> InvalidInput:
    """The error for a range that does not lie wholly inside an object of ``size`` bytes."""
    return InvalidInput(
        f"stored object {key}: bytes {start}-{start + length - 1} are outside its {size} bytes"
    )


class _Window(io.RawIOBase):
    """The next ``length`` bytes of ``source``, then end of file."""

    def __init__(self, source: BinaryIO, length: int) -> None:
        self._source = source
        self._remaining = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._remaining <= 0:
            return 0
        wanted = min(len(buffer), self._remaining)
        data = self._source.read(wanted)
        buffer[: len(data)] = data
        self._remaining -= len(data)
        return len(data)


def bounded(source: BinaryIO, length: int) -> BinaryIO:
    """A buffered stream over ``source`` that ends after ``length`` bytes."""
    return io.BufferedReader(_Window(source, length), BUFFER)
