"""HTTP Range (RFC 9110) for media: one byte range, streamed from the object store."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass

from evidence.ports import ObjectStore

CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"the requested range is outside the {size} bytes of the object")
        self.size = size


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range asked for, None for the whole object; unsatisfiable or malformed raise.

    A list of several ranges is answered with the whole object, which RFC 9110 allows.
    """
    if header is None or not header.strip():
        return None
    value = header.strip().replace(" ", "")
    if value.startswith("bytes=") and "," in value:
        return None
    match = _RANGE.match(value)
    if match is None:
        raise RangeNotSatisfiable(size)
    first, last = match.groups()
    if first == "" and last == "":
        raise RangeNotSatisfiable(size)
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(size)
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if start >= size or (last != "" and int(last) < start):
        raise RangeNotSatisfiable(size)
    return ByteRange(start, end)


def stream_object(store: ObjectStore, key: str, start: int, length: int) -> Iterator[bytes]:
    """``length`` bytes of ``key`` from ``start``, a chunk at a time, never the whole file.

    The store is asked for that range alone, so no byte before ``start`` (or after the
    range) is read from it: a seek near the end of a large video on S3 costs what it returns.
    """
    if length < 1:
        return
    with store.open_range(key, start, length) as stream:
        while data := stream.read(CHUNK):
            yield data


def media_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"
