"""A dock: the directory tree a camera dock or call-recording system exports.

Scanning never follows symbolic links and never touches a file's bytes; it only decides
which entries are candidates for ingest. Opening a candidate refuses links, anything that
resolves outside the dock, and anything that is not a regular file: a named pipe would block
the reader forever and a device never ends, so their kind is read with ``lstat`` and they are
never opened.

Names are taken as Linux gives them: ``12:30:00.mp4`` and ``back\\slash.mp4`` are ordinary
file names. A name that is not valid UTF-8 arrives as Python's surrogate escapes; it is shown
with its bytes escaped (``\\xff``) by ``display_path``.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from evidence.errors import InvalidInput, UnsafePath
from evidence.hashing import BLOCK_SIZE
from evidence.model import MEDIA_EXTENSIONS

SIDECAR_SUFFIX = ".json"


@dataclass(frozen=True)
class DockEntry:
    """A file found in a dock, by its path relative to the dock root (POSIX form)."""

    relative_path: str
    sidecar: str | None
    unlisted: str | None = None  # a folder that could not be listed, and why


def display_path(relative: str) -> str:
    """``relative`` as readable text: bytes that are not UTF-8 are shown escaped (``\\xff``)."""
    try:
        return os.fsencode(relative).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no file system name produces
        return relative.encode("utf-8", "backslashreplace").decode("utf-8")


def is_utf8(relative: str) -> bool:
    return display_path(relative) == relative


def safe_relative(relative: str) -> PurePosixPath:
    """Reject a relative path that is absolute, empty, or climbs with ``..``.

    Only ``/`` separates folders: ``:`` and ``\\`` are ordinary characters in a Linux name.
    """
    if not relative or "\x00" in relative:
        raise UnsafePath(f"{relative!r}: empty or invalid path")
    posix = PurePosixPath(relative)
    if posix.is_absolute():
        raise UnsafePath(f"{relative}: absolute path; only paths inside the dock are accepted")
    if any(part == ".." for part in posix.parts):
        raise UnsafePath(f"{relative}: path climbs out of the dock with '..'")
    return posix


def resolve_inside(root: Path, relative: str) -> Path:
    """The dock path for ``relative``, refusing links and anything that resolves outside."""
    posix = safe_relative(relative)
    root = root.resolve()
    candidate = root.joinpath(*posix.parts)
    current = root
    for part in posix.parts:
        current = current / part
        if current.is_symlink():
            raise UnsafePath(f"{relative}: symbolic link; links are never followed")
    if not candidate.resolve().is_relative_to(root):
        raise UnsafePath(f"{relative}: resolves outside the dock")
    return candidate


NOT_A_FILE = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a folder",
    stat.S_IFLNK: "a symbolic link",
}
STILL_WRITTEN = "still being written; present it again when complete"


def require_regular(mode: int, relative: str) -> None:
    if not stat.S_ISREG(mode):
        kind = NOT_A_FILE.get(stat.S_IFMT(mode), "not a regular file")
        raise InvalidInput(
            f"{relative}: {kind}, not a file; only recordings saved as files are accepted"
        )


def _open_fd(path: Path, relative: str) -> int:
    """A descriptor on the regular file at ``path``; links, pipes and devices are refused.

    The kind is checked with ``lstat`` first, so a pipe or device is never opened. The open
    itself is non-blocking and does not follow a link, so one swapped in after the check
    cannot block or redirect it either; ``fstat`` then checks what was actually opened.
    """
    try:
        require_regular(os.lstat(path).st_mode, relative)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except PermissionError as exc:
        raise InvalidInput(f"{relative}: unreadable ({exc.strerror})") from exc
    except OSError as exc:
        raise InvalidInput(f"{relative}: cannot be opened ({exc.strerror})") from exc
    try:
        require_regular(os.fstat(fd).st_mode, relative)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_no_follow(path: Path, relative: str) -> BinaryIO:
    """Open a regular file for reading without following a link at the last component."""
    return os.fdopen(_open_fd(path, relative), "rb")


class _SteadyFile(io.FileIO):
    """A dock file that refuses to end if it changed after it was opened."""

    def __init__(self, fd: int, relative: str) -> None:
        super().__init__(fd, "rb")
        self.relative = relative
        self.opened = os.fstat(fd)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = super().readinto(buffer)
        if count == 0:
            self.require_unchanged()
        return count

    def readall(self) -> bytes:
        data = super().readall()
        self.require_unchanged()
        return data

    def require_unchanged(self) -> None:
        now = os.fstat(self.fileno())
        if (now.st_size, now.st_mtime_ns) != (self.opened.st_size, self.opened.st_mtime_ns):
            raise InvalidInput(f"{self.relative}: {STILL_WRITTEN}")


class SteadyReader(io.BufferedReader):
    """Reads a dock file, raising ``InvalidInput`` ("still being written") instead of
    reaching its end if its size or modification time moved since it was opened, so a
    recording that is still growing is never taken for a complete one."""

    def __init__(self, raw: _SteadyFile) -> None:
        super().__init__(raw, buffer_size=BLOCK_SIZE)
        self._steady = raw

    @property
    def size(self) -> int:
        """The size the file had when it was opened."""
        return self._steady.opened.st_size

    def require_unchanged(self) -> None:
        self._steady.require_unchanged()


def open_steady(path: Path, relative: str) -> SteadyReader:
    """Like ``open_no_follow``, for the copy that becomes the evidence (see ``SteadyReader``)."""
    return SteadyReader(_SteadyFile(_open_fd(path, relative), relative))


def is_media_name(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in MEDIA_EXTENSIONS


def scan(root: Path) -> Iterator[DockEntry]:
    """Every file under ``root`` that is presented for ingest, sidecars paired with media.

    A ``.json`` file beside a media file of the same name (``clip.mp4.json``) is that file's
    sidecar; every other file, links included, is a candidate so that it is accounted for.
    A folder that cannot be listed (unreadable, or deeper than the system's path limit) is
    an entry too, with the reason, so the batch goes on and the folder is recorded.
    """
    if not root.is_dir():
        raise InvalidInput(f"{root}: not a directory")
    for directory, names, problem in _walk(root):
        if problem is not None:
            if not directory.parts:
                raise InvalidInput(f"{root}: the dock cannot be listed ({problem})")
            unlisted = f"folder cannot be listed ({problem}); the files in it were not ingested"
            yield DockEntry(relative_path=directory.as_posix(), sidecar=None, unlisted=unlisted)
            continue
        taken: set[str] = set()
        for name in sorted(names):
            sidecar = name + SIDECAR_SUFFIX
            if is_media_name(name) and sidecar in names:
                taken.add(sidecar)
        for name in sorted(names):
            if name in taken:
                continue
            relative = (directory / name).as_posix()
            sidecar_name = name + SIDECAR_SUFFIX
            has_sidecar = sidecar_name in taken
            yield DockEntry(
                relative_path=relative,
                sidecar=(directory / sidecar_name).as_posix() if has_sidecar else None,
            )


def _walk(root: Path) -> Iterator[tuple[PurePosixPath, set[str], str | None]]:
    pending = [PurePosixPath()]
    while pending:
        relative = pending.pop()
        names: set[str] = set()
        folders: list[PurePosixPath] = []
        try:
            with os.scandir(root.joinpath(*relative.parts)) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(relative / entry.name)
                    else:
                        names.add(entry.name)
        except OSError as exc:
            yield relative, set(), exc.strerror or str(exc)
            continue
        pending.extend(folders)
        yield relative, names, None
