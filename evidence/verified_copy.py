"""Writing a verified copy of stored evidence to a path someone names, without clobbering.

A copy never lands on what is already there unless asked to: an existing file is refused
(``force`` replaces a regular, writable one), and a symbolic link, a device, a pipe or a
folder is never written to or replaced, forced or not. The bytes go to a new hidden staging
file beside the target, opened ``O_EXCL | O_NOFOLLOW`` so it is fresh and never a link,
hashed while they are written and flushed to disk; only when the digest matches is the copy
put in place: by a hard link, which fails rather than replace an entry that appeared in the
meantime (or, with ``force``, by a rename onto the regular file). A mismatch or a failure
leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from evidence.errors import Conflict, EvidenceError, FixityError, InvalidInput, StoreError
from evidence.hashing import Digest, copy_and_hash

# Filesystems without hard links (FAT and exFAT on removable media, some network shares).
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK})


def absolute(output: Path) -> Path:
    """The path made absolute without following a link at its end (``resolve`` would)."""
    return output.parent.resolve() / output.name


def check_target(output: Path, force: bool) -> None:
    """Refuse, before any bytes move, a target that must not be written."""
    try:
        info: os.stat_result | None = os.lstat(output)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InvalidInput(f"--output {output}: cannot be checked ({exc.strerror})") from exc
    if info is None:
        if not output.parent.is_dir():
            raise InvalidInput(f"--output {output}: no such folder {output.parent}")
        return
    if stat.S_ISLNK(info.st_mode):
        raise InvalidInput(
            f"--output {output}: a symbolic link; links are never written through or replaced"
        )
    if not stat.S_ISREG(info.st_mode):
        raise InvalidInput(
            f"--output {output}: not a regular file ({_kind(info.st_mode)}); "
            "name a new file to write the copy to"
        )
    if not force:
        raise Conflict(
            f"--output {output}: already exists and was left as it is; name a new file, "
            "or use --force to replace it"
        )
    if not info.st_mode & 0o222 or not os.access(output, os.W_OK):
        raise Conflict(f"--output {output}: read-only; it is never replaced, even with --force")


def write_verified(
    source: BinaryIO,
    output: Path,
    expected_sha256: str,
    *,
    force: bool,
    label: str,
    on_verified: Callable[[Digest], object] = lambda _digest: None,
    on_abandoned: Callable[[str], object] = lambda _reason: None,
) -> Digest:
    """Copy ``source`` to ``output`` if and only if its SHA-256 is ``expected_sha256``.

    ``on_verified`` runs once the bytes are proven and before the copy appears under its
    name (the custody record, which may refuse: then nothing appears); ``on_abandoned`` runs
    if the proven copy then cannot be put in place.
    """
    output = absolute(output)
    check_target(output, force)
    staging = output.with_name(f".{output.name}.{secrets.token_hex(6)}.partial")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(staging, flags, 0o666)
    except OSError as exc:
        raise InvalidInput(
            f"--output {output}: cannot write into {output.parent} ({exc.strerror})"
        ) from exc
    try:
        try:
            with os.fdopen(fd, "wb") as out:
                digest = copy_and_hash(source, out)
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise StoreError(
                f"--output {output}: the copy failed ({exc.strerror}); nothing was left there"
            ) from exc
        if digest.sha256 != expected_sha256:
            raise FixityError(
                f"{label}: the stored copy reads as {digest.sha256}, not the recorded "
                f"{expected_sha256}; nothing was written to {output}"
            )
        on_verified(digest)
        try:
            _put_in_place(staging, output, force)
        except EvidenceError as exc:
            on_abandoned(str(exc))
            raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            staging.unlink()
    return digest


def stream_verified(source: BinaryIO, sink: BinaryIO, expected_sha256: str, label: str) -> Digest:
    """Copy ``source`` to an already open stream (standard output), checking the digest."""
    digest = copy_and_hash(source, sink)
    sink.flush()
    if digest.sha256 != expected_sha256:
        raise FixityError(
            f"{label}: the bytes sent to standard output read as {digest.sha256}, not the "
            f"recorded {expected_sha256}; discard them"
        )
    return digest


def _put_in_place(staging: Path, output: Path, force: bool) -> None:
    try:
        if force:
            check_target(output, force=True)
            staging.replace(output)
        else:
            try:
                os.link(staging, output, follow_symlinks=False)
            except FileExistsError as exc:
                raise Conflict(
                    f"--output {output}: appeared while the copy was being made and was left "
                    "as it is; nothing was written"
                ) from exc
            except OSError as exc:
                if exc.errno not in _NO_HARD_LINKS:
                    raise
                check_target(output, force=False)
                staging.replace(output)
        _fsync_folder(output.parent)
    except OSError as exc:
        raise StoreError(
            f"--output {output}: the verified copy could not be put in place ({exc.strerror})"
        ) from exc


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    kinds = [
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "an unusual file type")
