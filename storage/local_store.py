"""Content-addressed object store on the local filesystem (the embedded default).

Bytes are hashed while they are copied into a staging file in the same filesystem, flushed
to disk, and only then renamed to their content address, so a crash never leaves a partial
object under a real key. Stored objects are made read-only; nothing here deletes them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlparse

from evidence.errors import ConfigurationError, Conflict, NotFound, StoreError
from evidence.hashing import copy_and_hash, require_digest
from evidence.model import object_key
from evidence.ports import StoredObject
from storage.ranged import bounded, check_range_arguments, outside

STALE_STAGING_SECONDS = 24 * 3600


class LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = root.as_uri()
        self._staging = root / ".staging"
        try:
            self._staging.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"local store {root}: cannot be created ({exc.strerror})") from exc
        self._sweep_staging()

    def _sweep_staging(self) -> None:
        """Remove partial copies a crash left behind. They were never committed, so they are
        not evidence; a copy still being written is younger than the cut-off."""
        cutoff = time.time() - STALE_STAGING_SECONDS
        for leftover in self._staging.glob("incoming-*"):
            with contextlib.suppress(OSError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()

    @classmethod
    def from_url(cls, url: str) -> LocalStore:
        parsed = urlparse(url)
        if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
            raise ConfigurationError(f"{url}: a local store URL looks like file:///path")
        return cls(Path(unquote(parsed.path)))

    def _path(self, key: str) -> Path:
        if ".." in key.split("/") or key.startswith("/"):
            raise StoreError(f"{key}: not a valid object key")
        return self.root / key

    def put(
        self, source: BinaryIO, *, expected_sha256: str | None = None, label: str = ""
    ) -> StoredObject:
        fd, staging_name = tempfile.mkstemp(dir=self._staging, prefix="incoming-")
        staging = Path(staging_name)
        try:
            with os.fdopen(fd, "wb") as out:
                digest = copy_and_hash(source, out)
                out.flush()
                os.fsync(out.fileno())
            if expected_sha256 is not None:
                require_digest(label or "incoming object", expected_sha256, digest.sha256)
            key = object_key(digest.sha256)
            target = self._path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                return StoredObject(key, digest.sha256, digest.size, self.location(key))
            staging.chmod(0o444)
            staging.replace(target)
            _fsync_directory(target.parent)
            return StoredObject(key, digest.sha256, digest.size, self.location(key))
        except OSError as exc:
            raise StoreError(f"{label or 'object'}: could not be stored ({exc.strerror})") from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                staging.unlink()

    @contextlib.contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        path = self._path(key)
        try:
            stream = path.open("rb")
        except FileNotFoundError as exc:
            raise NotFound(f"stored object {key} is missing from {self.url}") from exc
        except OSError as exc:
            raise StoreError(f"stored object {key}: cannot be read ({exc.strerror})") from exc
        with stream:
            yield stream

    @contextlib.contextmanager
    def open_range(self, key: str, start: int, length: int) -> Iterator[BinaryIO]:
        check_range_arguments(key, start, length)
        with self.open(key) as stream:
            size = os.fstat(stream.fileno()).st_size
            if start + length > size:
                raise outside(key, start, length, size)
            stream.seek(start)
            yield bounded(stream, length)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def location(self, key: str) -> str:
        return self._path(key).as_uri()

    def describe(self, key: str) -> dict[str, Any]:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"stored object {key} is missing from {self.url}")
        info = path.stat()
        return {
            "size": info.st_size,
            "read_only": not os.access(path, os.W_OK) or not (info.st_mode & 0o222),
        }

    def put_named(self, key: str, data: bytes) -> bool:
        # Written whole into staging, made read-only, then linked to its name: link(2), like
        # O_EXCL, fails if the name exists, and no reader ever sees a partly written object.
        target = self._path(key)
        fd, staging_name = tempfile.mkstemp(dir=self._staging, prefix="incoming-")
        staging = Path(staging_name)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            staging.chmod(0o444)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(staging, target)
            except FileExistsError as exc:
                if target.read_bytes() == data:
                    return False
                raise Conflict(
                    f"{key}: already written with other content; it is never replaced"
                ) from exc
            _fsync_directory(target.parent)
            return True
        except OSError as exc:
            raise StoreError(f"{key}: could not be written ({exc.strerror})") from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                staging.unlink()

    def get_named(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def list_named(self, folder: str) -> list[str]:
        directory = self._path(folder.strip("/"))
        if not directory.is_dir():
            return []
        prefix = folder.strip("/")
        return sorted(f"{prefix}/{path.name}" for path in directory.iterdir() if path.is_file())


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
