"""Where rejected dock files go: a copy of the bytes (when they can be read) and the reason.

Copies are keyed by their digest, so presenting the same bad file again does not pile up
copies; the reason file records every presentation. Nothing in the dock is touched.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence.custody import Actor
from evidence.dock import open_no_follow
from evidence.errors import EvidenceError
from evidence.hashing import copy_and_hash
from evidence.model import iso_utc, utcnow

REASON_SUFFIX = ".reason.json"


@dataclass(frozen=True)
class Quarantined:
    path: Path | None
    sha256: str | None
    size: int | None


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
        folder = self.root / (copied.sha256 if copied and copied.sha256 else "no-copy")
        folder.mkdir(parents=True, exist_ok=True)
        name = relative.replace("/", "__")
        reason_file = folder / (name + REASON_SUFFIX)
        record = _load(reason_file)
        record.update({"path": relative, "reason": reason, "sha256": copied and copied.sha256})
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
            else:
                copied.path.unlink()
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
        with stream, os.fdopen(fd, "wb") as out:
            digest = copy_and_hash(stream, out)
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
