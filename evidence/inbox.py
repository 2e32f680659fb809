"""The S3 inbox: when a dock uploaded there is complete, and what its files must be.

A dock station uploads one dock as ``<inbox>/<dock-id>/<path>`` objects, then says it is
complete in one of two ways:

- ``manifest.json``: ``{"files": [{"path": "bwv/a.mp4", "size": 1234, "sha256": "…"}]}``
  lists every file with its size (``sha256`` optional). The dock is ready when every listed
  file is there with that size; only the listed files are ingested, and anything else in
  the folder is named in the report as not listed.
- ``.complete`` (any content): every object present when the marker is seen is the dock.

An object store shows an object only once its upload has ended, so a file listed but absent,
or present with another size, means the station is still sending: the dock waits for a
later pass. A manifest that cannot be read, or a name that cannot be a dock path, makes the
dock invalid until the station replaces it. Every rule here is pure; the adapters list and
read, the service decides with these functions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any

from evidence.errors import Conflict, InvalidInput
from evidence.hashing import Digest, is_sha256
from evidence.upload_rules import shown, upload_name

MANIFEST = "manifest.json"
COMPLETE_MARKER = ".complete"
CONTROL_NAMES = frozenset({MANIFEST, COMPLETE_MARKER})
MANIFEST_LIMIT = 4 * 1024 * 1024


class DockChanged(Conflict):
    """An inbox object is no longer the one the dock was taken with."""


class DockState(StrEnum):
    WAITING = "waiting"  # not complete yet
    INVALID = "invalid"  # cannot be ingested as it is; the station must replace something
    READY = "ready"  # complete; about to be taken
    INGESTING = "ingesting"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class InboxObject:
    """One object in a dock's folder, by its path relative to the folder."""

    path: str
    size: int
    etag: str


@dataclass(frozen=True)
class DockFile:
    """A file to ingest: where it is, the size (and digest) it must have, the object seen."""

    path: str
    size: int
    etag: str
    sha256: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "size": self.size, "etag": self.etag, "sha256": self.sha256}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> DockFile:
        sha256 = data.get("sha256")
        return cls(
            str(data["path"]),
            int(str(data["size"])),
            str(data["etag"]),
            str(sha256) if sha256 else None,
        )


@dataclass(frozen=True)
class Readiness:
    state: DockState  # WAITING, INVALID or READY
    fingerprint: str
    files: tuple[DockFile, ...] = ()
    problems: tuple[str, ...] = ()
    not_listed: tuple[str, ...] = field(default=())

    @property
    def ready(self) -> bool:
        return self.state is DockState.READY


@dataclass(frozen=True)
class InboxDock:
    """What the database holds about one dock in the inbox."""

    id: str
    inbox: str
    dock: str
    status: DockState
    fingerprint: str
    problems: list[str]
    files: list[DockFile]
    claimed_by: str | None
    attempts: int
    first_seen_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None
    report: dict[str, Any] | None = None
    reason: str | None = None

    @property
    def staging_name(self) -> str:
        """This attempt's own download folder: a runner taking over never shares one."""
        return f"{self.id}-{self.attempts}"

    def as_dict(self) -> dict[str, Any]:
        def when(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "dock": self.dock,
            "inbox": self.inbox,
            "status": self.status.value,
            "problems": self.problems,
            "files": len(self.files),
            "bytes": sum(f.size for f in self.files),
            "claimed_by": self.claimed_by,
            "attempts": self.attempts,
            "first_seen_at": when(self.first_seen_at),
            "updated_at": when(self.updated_at),
            "finished_at": when(self.finished_at),
            "report": self.report,
            "reason": self.reason,
        }


def fingerprint(objects: dict[str, InboxObject]) -> str:
    """A digest of the dock's listing: every name, size and ETag, so any change shows."""
    listing = sorted((o.path, o.size, o.etag) for o in objects.values())
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()


@dataclass(frozen=True)
class ManifestEntry:
    path: str
    size: int
    sha256: str | None


def parse_manifest(data: bytes, dock: str) -> dict[str, ManifestEntry]:
    """The manifest's files by dock path; every problem found is reported at once."""
    where = f"dock {dock}: {MANIFEST}"
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{where} is not JSON ({exc})") from None
    listed = document.get("files") if isinstance(document, dict) else None
    if not isinstance(listed, list) or not listed:
        raise InvalidInput(f'{where} must be an object with a non-empty "files" list')
    entries: dict[str, ManifestEntry] = {}
    problems: list[str] = []
    for number, entry in enumerate(listed, start=1):
        try:
            parsed = _manifest_entry(entry, number)
        except InvalidInput as exc:
            problems.append(str(exc))
            continue
        if parsed.path in entries:
            problems.append(f"{parsed.path}: listed twice")
        entries[parsed.path] = parsed
    problems += _path_clashes(entries)
    if problems:
        raise InvalidInput(f"{where}: " + "; ".join(problems))
    return entries


def _manifest_entry(entry: object, number: int) -> ManifestEntry:
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        raise InvalidInput(f'file {number}: needs a "path" (text) and a "size"')
    path = dock_path(entry["path"])
    size, sha256 = entry.get("size"), entry.get("sha256")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise InvalidInput(f'{path}: "size" must be a whole number of bytes, not {size!r}')
    if sha256 is not None and not (isinstance(sha256, str) and is_sha256(sha256.lower())):
        raise InvalidInput(f'{path}: "sha256" must be 64 hexadecimal digits')
    return ManifestEntry(path, size, sha256.lower() if sha256 else None)


def dock_path(name: str) -> str:
    """The dock path an object name stands for, refused as a web upload's name would be."""
    path = upload_name(name)
    if path in CONTROL_NAMES:
        raise InvalidInput(f"{shown(name)}: the inbox's own control file, not a dock file")
    return path


def _path_clashes(paths: Collection[str]) -> list[str]:
    folders = {p.as_posix() for path in paths for p in PurePosixPath(path).parents}
    return [f"{path}: also a folder in this dock" for path in sorted(paths) if path in folders]


def readiness(
    dock: str, objects: dict[str, InboxObject], manifest: bytes | None = None
) -> Readiness:
    """Whether the dock can be taken now, and which files it is; ``manifest``: its bytes."""
    seen = fingerprint(objects)
    if manifest is not None:
        return _by_manifest(dock, objects, manifest, seen)
    if COMPLETE_MARKER not in objects:
        return Readiness(
            DockState.WAITING, seen, problems=(f"no {MANIFEST} or {COMPLETE_MARKER} yet",)
        )
    files, problems = [], []
    for obj in sorted(objects.values(), key=lambda o: o.path):
        if obj.path in CONTROL_NAMES:
            continue
        try:
            files.append(DockFile(dock_path(obj.path), obj.size, obj.etag))
        except InvalidInput as exc:
            problems.append(str(exc))
    problems += _path_clashes([f.path for f in files])
    if problems:
        return Readiness(DockState.INVALID, seen, problems=tuple(problems))
    if not files:
        return Readiness(DockState.INVALID, seen, problems=(f"{COMPLETE_MARKER} but no files",))
    return Readiness(DockState.READY, seen, files=tuple(files))


def _by_manifest(
    dock: str, objects: dict[str, InboxObject], manifest: bytes, seen: str
) -> Readiness:
    try:
        entries = parse_manifest(manifest, dock)
    except InvalidInput as exc:
        return Readiness(DockState.INVALID, seen, problems=(str(exc),))
    files, waiting = [], []
    for entry in entries.values():
        obj = objects.get(entry.path)
        if obj is None:
            waiting.append(f"{entry.path}: not uploaded yet")
        elif obj.size != entry.size:
            waiting.append(f"{entry.path}: {obj.size} bytes, the manifest says {entry.size}")
        else:
            files.append(DockFile(entry.path, entry.size, obj.etag, entry.sha256))
    extra = sorted(set(objects) - set(entries) - CONTROL_NAMES)
    if waiting:
        return Readiness(DockState.WAITING, seen, problems=tuple(waiting), not_listed=tuple(extra))
    ordered = tuple(sorted(files, key=lambda f: f.path))
    return Readiness(DockState.READY, seen, files=ordered, not_listed=tuple(extra))


def download_problem(dock: str, expected: DockFile, got: Digest) -> str | None:
    """Why a downloaded file is not the one the dock was claimed with; None if it is."""
    where = f"dock {dock}: {expected.path}"
    if got.size != expected.size:
        return (
            f"{where} changed in the inbox after the dock was taken for ingest "
            f"({expected.size} bytes then, {got.size} read); nothing of the dock was ingested, "
            "it is taken again on a later pass once it stops changing"
        )
    if expected.sha256 is not None and got.sha256 != expected.sha256:
        return (
            f"{where}: SHA-256 is {got.sha256}, the manifest says {expected.sha256}; the bytes "
            "differ, so nothing of the dock was ingested (replace the file or the manifest)"
        )
    return None
