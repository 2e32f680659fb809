"""Where rejected dock files go: a copy of the bytes (when they can be read) and the reason.

Copies are keyed by their digest, so presenting the same bad file again does not pile up
copies; the reason file records every presentation. Nothing in the dock is touched.

A copy is named after its dock path (folders joined with ``__``), shortened when that would
not fit in one file name (NAME_MAX, 255 bytes on Linux): the start and the end of the path
are kept around a digest of the whole path, so names stay distinct and readable. The reason
file records the full path, with any bytes that are not UTF-8 escaped (``\\xff``) and, for
such a name, its exact bytes in hex.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence.custody import Actor
from evidence.dock import display_path, is_utf8, open_no_follow
from evidence.errors import EvidenceError
from evidence.hashing import copy_and_hash
from evidence.model import iso_utc, utcnow

REASON_SUFFIX = ".reason.json"
# Room for REASON_SUFFIX and a temporary suffix within NAME_MAX (255 bytes).
NAME_LIMIT = 200
_HEAD, _TAIL = 60, 100


@dataclass(frozen=True)
class Quarantined:
    path: Path | None
    sha256: str | None
    size: int | None


def quarantine_name(relative: str) -> str:
    """A file name for ``relative`` that fits in NAME_LIMIT bytes and stays distinct."""
    name = display_path(relative).replace("/", "__")
    encoded = name.encode("utf-8")
    if len(encoded) <= NAME_LIMIT:
        return name
    tag = hashlib.sha256(os.fsencode(relative)).hexdigest()[:16]
    head = encoded[:_HEAD].decode("utf-8", "ignore")
    tail = encoded[-_TAIL:].decode("utf-8", "ignore")
    return f"{head}--{tag}--{tail}"


class Quarantine:
    def __init__(self, root: Path) -> None:
        self.root = root

    def keep(
        self,
        source: Path | None,
        relative: str,
        reason: str,
        actor: Actor,
        extra: dict[str, Any] | None = None,
    ) -> Quarantined:
        """Copy ``source`` (if it can be read) into quarantine with its reason."""
        copied = self._copy(source, relative) if source is not None else None
        try:
            return self._file(copied, relative, reason, actor, extra)
        finally:
            if copied and copied.path:
                with contextlib.suppress(FileNotFoundError):
                    copied.path.unlink()

    def _file(
        self,
        copied: Quarantined | None,
        relative: str,
        reason: str,
        actor: Actor,
        extra: dict[str, Any] | None,
    ) -> Quarantined:
        folder = self.root / (copied.sha256 if copied and copied.sha256 else "no-copy")
        folder.mkdir(parents=True, exist_ok=True)
        name = quarantine_name(relative)
        reason_file = folder / (name + REASON_SUFFIX)
        record = _load(reason_file)
        record.update(
            {
                "path": display_path(relative),
                "quarantine_name": name,
                "reason": reason,
                "sha256": copied and copied.sha256,
            }
        )
        if not is_utf8(relative):
            record["path_bytes"] = os.fsencode(relative).hex()
        record.setdefault("presentations", []).append(
            {"at": iso_utc(utcnow()), "actor": actor.name, "host": actor.host, "reason": reason}
            | (extra or {})
        )
        _write_json(reason_file, record)
        if copied and copied.path:
            final = folder / name
            if not final.exists():
                copied.path.replace(final)
                final.chmod(0o444)
            return Quarantined(final, copied.sha256, copied.size)
        return Quarantined(None, None, None)

    def _copy(self, source: Path, relative: str) -> Quarantined | None:
        staging = self.root / ".staging"
        staging.mkdir(parents=True, exist_ok=True)
        try:
            stream = open_no_follow(source, relative)
        except EvidenceError:
            return None
        fd, name = tempfile.mkstemp(dir=staging)
        try:
            with stream, os.fdopen(fd, "wb") as out:
                digest = copy_and_hash(stream, out)
        except OSError:  # unreadable part way: the reason is still recorded, without a copy
            Path(name).unlink()
            return None
        return Quarantined(Path(name), digest.sha256, digest.size)


def _load(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text("utf-8")))
    except (FileNotFoundError, ValueError):
        return {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".reason-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, sort_keys=True)
    Path(name).replace(path)
