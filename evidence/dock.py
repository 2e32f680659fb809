"""A dock: the directory tree a camera dock or call-recording system exports.

Scanning never follows symbolic links and never touches a file's bytes; it only decides
which entries are candidates for ingest. Opening a candidate refuses links and anything that
resolves outside the dock.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from evidence.errors import InvalidInput, UnsafePath
from evidence.model import MEDIA_EXTENSIONS

SIDECAR_SUFFIX = ".json"


@dataclass(frozen=True)
class DockEntry:
    """A file found in a dock, by its path relative to the dock root (POSIX form)."""

    relative_path: str
    sidecar: str | None


def safe_relative(relative: str) -> PurePosixPath:
    """Reject a relative path that is absolute, empty, or climbs with ``..``."""
    if not relative or "\x00" in relative:
        raise UnsafePath(f"{relative!r}: empty or invalid path")
    posix = PurePosixPath(relative.replace("\\", "/"))
    if posix.is_absolute() or (posix.parts and ":" in posix.parts[0]):
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


def open_no_follow(path: Path, relative: str) -> BinaryIO:
    """Open for reading without following a link at the last component."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except PermissionError as exc:
        raise InvalidInput(f"{relative}: unreadable ({exc.strerror})") from exc
    except OSError as exc:
        raise InvalidInput(f"{relative}: cannot be opened ({exc.strerror})") from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise InvalidInput(f"{relative}: not a regular file")
    return os.fdopen(fd, "rb")


def is_media_name(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in MEDIA_EXTENSIONS


def scan(root: Path) -> Iterator[DockEntry]:
    """Every file under ``root`` that is presented for ingest, sidecars paired with media.

    A ``.json`` file beside a media file of the same name (``clip.mp4.json``) is that file's
    sidecar; every other file, links included, is a candidate so that it is accounted for.
    """
    if not root.is_dir():
        raise InvalidInput(f"{root}: not a directory")
    for directory, names in _walk(root):
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


def _walk(root: Path) -> Iterator[tuple[PurePosixPath, set[str]]]:
    pending = [PurePosixPath()]
    while pending:
        relative = pending.pop()
        names: set[str] = set()
        with os.scandir(root.joinpath(*relative.parts)) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(relative / entry.name)
                else:
                    names.add(entry.name)
        yield relative, names
