"""Ingest one dock file: check it, hash it while storing, verify the stored copy, register it.

The item is registered (with its first custody events, in one transaction) only after the
stored object has been read back and re-hashed, so a crash at any point leaves either no
item or a complete one; a rerun finds the stored object or the item and carries on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evidence.custody import Actor
from evidence.dock import (
    STILL_WRITTEN,
    SteadyReader,
    display_path,
    is_media_name,
    is_utf8,
    open_no_follow,
    open_steady,
    resolve_inside,
)
from evidence.errors import (
    Conflict,
    EvidenceError,
    FixityError,
    InvalidInput,
    MediaError,
    UnsafePath,
)
from evidence.hashing import hash_stream
from evidence.ingest_record import (
    Described,
    Presented,
    build_item,
    first_events,
    officer_of,
    verify_stored,
)
from evidence.ingest_report import IngestStatus
from evidence.model import MEDIA_EXTENSIONS, EvidenceItem, Rejection, utcnow
from evidence.ports import EventStep, MediaProbe, ObjectStore, Repository, StoredObject
from evidence.quarantine import Quarantine
from evidence.sidecar import Sidecar, parse_sidecar, require_recordable


@dataclass(frozen=True)
class IngestOptions:
    kind: str | None = None
    officer: str | None = None
    incident: str | None = None
    batch: str = ""
    # An officer's upload: its items are ``officer``'s, whatever a sidecar says.
    uploaded_by_officer: bool = False

    def __post_init__(self) -> None:
        require_recordable("officer", self.officer)
        require_recordable("incident", self.incident)

    @property
    def actor(self) -> Actor:
        return Actor.current(self.officer)


@dataclass
class Outcome:
    status: IngestStatus
    path: str
    id: str | None = None
    sha256: str | None = None
    size: int | None = None
    kind: str | None = None
    duration: float | None = None
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Ingestor:
    def __init__(
        self, repo: Repository, store: ObjectStore, probe: MediaProbe, quarantine: Quarantine
    ) -> None:
        self.repo = repo
        self.store = store
        self.probe = probe
        self.quarantine = quarantine

    def ingest(
        self,
        root: Path,
        relative: str,
        sidecar: str | None,
        options: IngestOptions,
        unlisted: str | None = None,
    ) -> Outcome:
        """Ingest one dock entry; ``unlisted`` says why a folder entry could not be listed."""
        actor = options.actor
        received = utcnow()
        path: Path | None = None
        if unlisted is not None:
            error = InvalidInput(f"{display_path(relative)}: {unlisted}")
            return self._reject(None, relative, error, actor, None)
        try:
            path = resolve_inside(root, relative)
            if not is_utf8(relative):
                raise InvalidInput(
                    f"{display_path(relative)}: the file name is not valid UTF-8, so it cannot "
                    "be recorded as it is; rename it and present it again"
                )
            presented = Presented(
                root, path, relative, sidecar, options.kind, options.incident, options.batch,
                actor, received,
            )  # fmt: skip
            return self._ingest(presented, options)
        except UnsafePath as exc:
            extra = {"link_target": _link_target(root, relative)}
            return self._reject(None, relative, exc, actor, sidecar_of(root, sidecar), extra)
        except (InvalidInput, FixityError) as exc:
            return self._reject(path, relative, exc, actor, sidecar_of(root, sidecar))

    def _ingest(self, presented: Presented, options: IngestOptions) -> Outcome:
        relative = presented.relative
        with open_steady(presented.path, relative) as stream:
            _require_acceptable(relative, stream.size)
            described = self._describe(stream, presented, options)
            earlier = self.repo.find_same_recording(
                relative, described.sidecar.device, described.recorded_at
            )
            if earlier is not None:
                return self._same_recording(earlier, stream, presented)
            stored = self._store(stream, described.sidecar, relative)
        hashed = utcnow()
        existing = self.repo.find_by_sha256(stored.sha256)
        if existing is not None:
            return self._presented_again(existing, presented)
        verify_stored(self.store, stored.key, stored.sha256, relative)
        item = build_item(presented, described, stored, verified=utcnow())
        steps = first_events(item, presented, described.sidecar, hashed)
        return self._register(item, steps, presented)

    def _describe(
        self, stream: SteadyReader, presented: Presented, options: IngestOptions
    ) -> Described:
        """The sidecar, whose recording it is, then the media check, in that order."""
        sidecar = self._sidecar(presented.root, presented.sidecar_name)
        officer = officer_of(
            sidecar, presented.sidecar_name, options.officer, options.uploaded_by_officer
        )
        try:
            media = self.probe.probe(presented.path, presented.relative)
        except MediaError:
            stream.require_unchanged()  # one still being written looks truncated
            raise
        return Described(sidecar, officer, media)

    def _same_recording(
        self, earlier: EvidenceItem, stream: SteadyReader, presented: Presented
    ) -> Outcome:
        """An item held under this name, device and recording time: the same bytes, or not."""
        current = hash_stream(stream).sha256
        if current == earlier.sha256:
            return self._presented_again(earlier, presented)
        self.repo.append_event(
            earlier.id,
            "changed-copy-presented",
            presented.actor,
            {"path": presented.relative, "batch": presented.batch, "presented_sha256": current},
        )
        raise ChangedCopy(
            f"{presented.relative}: changed since it was ingested as item {earlier.id} "
            f"(SHA-256 was {earlier.sha256}, is now {current}); the original is kept",
            held_item=earlier.id,
        )

    def _store(self, stream: SteadyReader, sidecar: Sidecar, relative: str) -> StoredObject:
        stored = self.store.put(stream, expected_sha256=sidecar.sha256, label=relative)
        # The copy stops at the end of the file; it is the recording only if the file
        # is still the one that was opened (a growing file is caught here or at its end).
        stream.require_unchanged()
        if stored.size != stream.size:
            raise InvalidInput(f"{relative}: {STILL_WRITTEN}")
        return stored

    def _register(
        self, item: EvidenceItem, steps: list[EventStep], presented: Presented
    ) -> Outcome:
        try:
            self.repo.add_item(item, steps)
        except Conflict:  # the same bytes, registered meanwhile by a racing ingest
            winner = self.repo.find_by_sha256(item.sha256)
            if winner is None:
                raise
            return self._presented_again(winner, presented)
        return Outcome(
            status=IngestStatus.INGESTED,
            path=item.source_path,
            id=item.id,
            sha256=item.sha256,
            size=item.size,
            kind=item.kind,
            duration=item.duration,
            details={"incident": item.incident, "officer": item.officer},
        )

    def _sidecar(self, root: Path, name: str | None) -> Sidecar:
        if name is None:
            return Sidecar()
        with open_no_follow(resolve_inside(root, name), name) as stream:
            return parse_sidecar(stream.read(), name)

    def _presented_again(self, item: EvidenceItem, presented: Presented) -> Outcome:
        self.repo.append_event(
            item.id,
            "presented-again",
            presented.actor,
            {
                "path": presented.relative,
                "batch": presented.batch,
                "note": "same bytes; no second copy kept",
            },
        )
        duplicate = IngestStatus.DUPLICATE
        return Outcome(status=duplicate, path=presented.relative, id=item.id, sha256=item.sha256)

    def _reject(
        self,
        path: Path | None,
        relative: str,
        error: EvidenceError,
        actor: Actor,
        sidecar: Path | None,
        extra: dict[str, Any] | None = None,
    ) -> Outcome:
        reason = display_path(str(error))
        kept = self.quarantine.keep(path, relative, reason, actor, extra)
        if sidecar is not None:
            self.quarantine.keep(sidecar, relative + ".sidecar.json", reason, actor)
        self.repo.add_rejection(
            Rejection(
                path=display_path(relative),
                reason=reason,
                sha256=kept.sha256,
                size=kept.size,
                quarantine_path=str(kept.path) if kept.path else None,
                actor=actor.name,
                host=actor.host,
                at=utcnow(),
            )
        )
        held = {"held_item": error.held_item} if isinstance(error, ChangedCopy) else {}
        return Outcome(
            status=IngestStatus.REJECTED,
            path=display_path(relative),
            reason=reason,
            sha256=kept.sha256,
            size=kept.size,
            details=held,
        )


class ChangedCopy(InvalidInput):
    """Different bytes under the name, device and recording time of an item already held."""

    def __init__(self, message: str, held_item: str) -> None:
        super().__init__(message)
        self.held_item = held_item


def sidecar_of(root: Path, name: str | None) -> Path | None:
    if name is None:
        return None
    try:
        return resolve_inside(root, name)
    except UnsafePath:
        return None


def _link_target(root: Path, relative: str) -> str | None:
    """Where a rejected link pointed, for the record; the link itself is never followed."""
    try:
        return display_path(str((root / relative).readlink()))
    except (OSError, ValueError):
        return None


def _require_acceptable(relative: str, size: int) -> None:
    if size == 0:
        raise InvalidInput(f"{relative}: zero-length file; nothing was recorded in it")
    if not is_media_name(relative):
        accepted = ", ".join(sorted(MEDIA_EXTENSIONS))
        suffix = Path(relative).suffix or "no extension"
        raise InvalidInput(
            f"{relative}: not a media file type we accept ({suffix}); accepted: {accepted}"
        )
