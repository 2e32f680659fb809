"""Content-addressed object store on the local filesystem (the embedded default).

Bytes are hashed while they are copied into a staging file in the same filesystem, flushed
to disk, and only then renamed to their content address, so a crash never leaves a partial
object under a real key. Stored objects are made read-only; nothing here deletes them.

A writer holds an exclusive ``flock`` on its staging file from creation until the rename,
and the lock dies with the process. So a staging file nobody holds locked is a killed
run's leftover (never committed, so not evidence), and the next store to open sweeps it at
once, while a copy another process is still writing is left alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlparse

from evidence.errors import ConfigurationError, Conflict, NotFound, StoreError
from evidence.hashing import copy_and_hash, require_digest
from evidence.model import object_key
from evidence.ports import StoredObject
from storage.ranged import bounded, check_range_arguments, outside


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
        for leftover in self._staging.glob("incoming-*"):
            with contextlib.suppress(OSError):
                fd = os.open(leftover, os.O_RDONLY | os.O_NOFOLLOW)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held: a live writer's
                    if os.path.samestat(os.fstat(fd), leftover.stat()):
                        leftover.unlink()
                finally:
                    os.close(fd)

    def _new_staging(self) -> tuple[Path, BinaryIO]:
        """A fresh staging file, open and locked for as long as this process writes it."""
        while True:
            fd, name = tempfile.mkstemp(dir=self._staging, prefix="incoming-")
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_nlink:
                return Path(name), self._staging_writer(fd)
            os.close(fd)  # swept in the instant before the lock was taken: start again

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
        try:
            staging, out = self._new_staging()
        except OSError as exc:
            raise StoreError(f"{label or 'object'}: could not be stored ({exc.strerror})") from exc
        try:
            with out:  # the lock is held until the staging file has its content address
                digest = copy_and_hash(source, out)
                out.flush()
                os.fsync(out.fileno())
                if expected_sha256 is not None:
                    require_digest(label or "incoming object", expected_sha256, digest.sha256)
                key = object_key(digest.sha256)
                target = self._path(key)
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    staging.chmod(0o444)
                    staging.replace(target)
                    _fsync_directory(target.parent)
            return StoredObject(key, digest.sha256, digest.size, self.location(key))
        except OSError as exc:
            raise StoreError(f"{label or 'object'}: could not be stored ({exc.strerror})") from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                staging.unlink()

    def _staging_writer(self, fd: int) -> BinaryIO:
        """The file a new object is written to before it is renamed to its key (a test
        subclasses this to play a disk that does not keep what it was given)."""
        return os.fdopen(fd, "wb")

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
