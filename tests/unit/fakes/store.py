"""An object store in memory, content-addressed and write-once like the real ones."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from evidence.errors import Conflict, FixityError, InvalidInput, NotFound
from evidence.model import object_key
from evidence.ports import StoredObject


class FakeStore:
    url = "memory://evidence"

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.named: dict[str, bytes] = {}

    def put(
        self, source: BinaryIO, *, expected_sha256: str | None = None, label: str = ""
    ) -> StoredObject:
        data = source.read()
        sha256 = hashlib.sha256(data).hexdigest()
        if expected_sha256 is not None and sha256 != expected_sha256:
            raise FixityError(f"{label}: SHA-256 {sha256}, expected {expected_sha256}")
        key = object_key(sha256)
        self.objects.setdefault(key, data)
        return StoredObject(key, sha256, len(data), self.location(key))

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        if key not in self.objects:
            raise NotFound(f"object {key}: not in the store")
        yield io.BytesIO(self.objects[key])

    @contextmanager
    def open_range(self, key: str, start: int, length: int) -> Iterator[BinaryIO]:
        with self.open(key) as stream:
            data = stream.read()
        if length < 1 or start < 0 or start + length > len(data):
            raise InvalidInput(f"object {key}: bytes {start}..{start + length - 1} lie outside it")
        yield io.BytesIO(data[start : start + length])

    def exists(self, key: str) -> bool:
        return key in self.objects

    def location(self, key: str) -> str:
        return f"{self.url}/{key}"

    def describe(self, key: str) -> dict[str, Any]:
        return {"size": len(self.objects[key])}

    def put_named(self, key: str, data: bytes) -> bool:
        held = self.named.get(key)
        if held is not None and held != data:
            raise Conflict(f"{key}: already written with other bytes")
        self.named[key] = data
        return held is None

    def get_named(self, key: str) -> bytes:
        if key not in self.named:
            raise NotFound(f"{key}: not in the store")
        return self.named[key]

    def list_named(self, folder: str) -> list[str]:
        return sorted(key for key in self.named if key.startswith(folder.rstrip("/") + "/"))
