"""HTTP Range (RFC 9110) for media: one byte range, streamed from the object store; and the
MIME type to send it with, from the probed container."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from evidence.ports import ObjectStore

CHUNK = 256 * 1024
_RANGE = re.compile(r"([0-9]*)-([0-9]*)")
# Python refuses to parse integers of more than 4,300 digits; 18 digits is beyond an exabyte.
MAX_DIGITS = 18
BEYOND_ANY_OBJECT = 10**MAX_DIGITS


WEBM_CODECS = frozenset({"vp8", "vp9", "av1", "opus", "vorbis"})
CONTAINERS = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "aac": "audio/aac",
    "avi": "video/x-msvideo",
    "mpegts": "video/mp2t",
}


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
    """The range asked for, or None to answer with the whole object.

    As RFC 9110 allows, a Range that is malformed, names a unit other than bytes, or lists
    several ranges is ignored (the whole object, 200); a well-formed range that starts
    beyond the end raises ``RangeNotSatisfiable`` (416).
    """
    if header is None:
        return None
    unit, _, ranges = header.strip().partition("=")
    if unit.strip().lower() != "bytes":
        return None
    match = _RANGE.fullmatch(ranges.strip(" \t"))
    if match is None:
        return None
    first, last = (_position(text) for text in match.groups())
    if first is None:
        if last is None:
            return None
        if last == 0 or size == 0:
            raise RangeNotSatisfiable(size)
        return ByteRange(max(0, size - last), size - 1)
    if last is not None and last < first:
        return None
    if first >= size:
        raise RangeNotSatisfiable(size)
    return ByteRange(first, size - 1 if last is None else min(last, size - 1))


def _position(digits: str) -> int | None:
    """A byte position; one too long to parse is simply beyond any object we hold."""
    if not digits:
        return None
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= MAX_DIGITS else BEYOND_ANY_OBJECT


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


def media_type(media: Mapping[str, Any]) -> str:
    """The MIME type of a recording from the container ffprobe found, never from its name.

    A file name is whatever the dock or the uploader chose (``data:,x.mp4`` reads as
    ``text/plain`` to ``mimetypes``); the probed format is what the bytes are.
    """
    container = str(media.get("format") or "")
    has_video = bool(media.get("video_codec"))
    if container.startswith("mov,mp4"):
        brand = str((media.get("tags") or {}).get("major_brand", "")).strip()
        if brand == "qt" and has_video:
            return "video/quicktime"
        return "video/mp4" if has_video else "audio/mp4"
    if container == "matroska,webm":
        codecs = {media.get("video_codec"), media.get("audio_codec")} - {None}
        webm = codecs <= WEBM_CODECS
        if has_video:
            return "video/webm" if webm else "video/x-matroska"
        return "audio/webm" if webm else "audio/x-matroska"
    if container == "ogg":
        return "video/ogg" if has_video else "audio/ogg"
    return CONTAINERS.get(container, "application/octet-stream")


def safe_extension(name: str) -> str:
    """The name's extension (with its dot) if it is plain ASCII letters and digits, else "".

    It goes into ``Content-Disposition``, so no file name can bend that header.
    """
    extension = name.rsplit(".", 1)[1] if "." in name else ""
    return f".{extension}" if extension.isascii() and extension.isalnum() else ""
