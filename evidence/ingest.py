"""Ingest one dock file: check it, hash it while storing, verify the stored copy, register it.

The item is registered (with its first custody events, in one transaction) only after the
stored object has been read back and re-hashed, so a crash at any point leaves either no
item or a complete one; a rerun finds the stored object or the item and carries on.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from evidence.custody import DETAILS_KEY, Actor
from evidence.dock import (
    STILL_WRITTEN,
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
from evidence.ingest_report import IngestStatus
from evidence.model import (
    MEDIA_EXTENSIONS,
    EvidenceItem,
    Kind,
    MediaInfo,
    Rejection,
    iso_utc,
    utcnow,
)
from evidence.ports import EventStep, MediaProbe, ObjectStore, Repository
from evidence.quarantine import Quarantine
from evidence.sidecar import Sidecar, parse_sidecar, require_recordable
from evidence.upload_rules import officer_refusal


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


def new_item_id() -> str:
    return uuid.uuid4().hex


def verify_stored(store: ObjectStore, key: str, sha256: str, label: str) -> None:
    """Read a stored object back from where it landed and re-hash it."""
    with store.open(key) as stream:
        actual = hash_stream(stream).sha256
    if actual != sha256:
        raise FixityError(
            f"{label}: the stored copy reads back as {actual}, not {sha256}; "
            "the store did not keep the bytes that were sent"
        )


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
            return self._ingest(root, path, relative, sidecar, options, actor, received)
        except UnsafePath as exc:
            extra = {"link_target": _link_target(root, relative)}
            return self._reject(None, relative, exc, actor, sidecar_of(root, sidecar), extra)
        except (InvalidInput, FixityError) as exc:
            return self._reject(path, relative, exc, actor, sidecar_of(root, sidecar))

    def _ingest(
        self,
        root: Path,
        path: Path,
        relative: str,
        sidecar_name: str | None,
        options: IngestOptions,
        actor: Actor,
        received: datetime,
    ) -> Outcome:
        with open_steady(path, relative) as stream:
            size = stream.size
            if size == 0:
                raise InvalidInput(f"{relative}: zero-length file; nothing was recorded in it")
            if not is_media_name(relative):
                accepted = ", ".join(sorted(MEDIA_EXTENSIONS))
                suffix = Path(relative).suffix or "no extension"
                raise InvalidInput(
                    f"{relative}: not a media file type we accept ({suffix}); accepted: {accepted}"
                )
            sidecar = self._sidecar(root, sidecar_name)
            officer = _officer(sidecar, sidecar_name, options)
            try:
                media = self.probe.probe(path, relative)
            except MediaError:
                stream.require_unchanged()  # one still being written looks truncated
                raise
            recorded_at = sidecar.recorded_at or media.creation_time
            device = sidecar.device
            earlier = self.repo.find_same_recording(relative, device, recorded_at)
            if earlier is not None:
                current = hash_stream(stream).sha256
                if current == earlier.sha256:
                    return self._presented_again(earlier, relative, options, actor)
                self.repo.append_event(
                    earlier.id,
                    "changed-copy-presented",
                    actor,
                    {"path": relative, "batch": options.batch, "presented_sha256": current},
                )
                raise ChangedCopy(
                    f"{relative}: changed since it was ingested as item {earlier.id} "
                    f"(SHA-256 was {earlier.sha256}, is now {current}); the original is kept",
                    held_item=earlier.id,
                )
            stored = self.store.put(stream, expected_sha256=sidecar.sha256, label=relative)
            # The copy stops at the end of the file; it is the recording only if the file
            # is still the one that was opened (a growing file is caught here or at its end).
            stream.require_unchanged()
            if stored.size != size:
                raise InvalidInput(f"{relative}: {STILL_WRITTEN}")
        hashed = utcnow()
        existing = self.repo.find_by_sha256(stored.sha256)
        if existing is not None:
            return self._presented_again(existing, relative, options, actor)
        verify_stored(self.store, stored.key, stored.sha256, relative)
        verified = utcnow()
        item = EvidenceItem(
            id=new_item_id(),
            sha256=stored.sha256,
            size=stored.size,
            kind=sidecar.kind or options.kind or (Kind.BWV if media.has_video else Kind.CALL),
            original_name=Path(relative).name,
            source_path=relative,
            storage_key=stored.key,
            store_location=stored.location,
            ingested_at=verified,
            officer=officer,
            device=device,
            incident=sidecar.incident or options.incident,
            recorded_at=recorded_at,
            duration=media.duration,
            media=media.details,
            metadata=_metadata(sidecar, media),
        )
        steps = _first_events(item, actor, options, sidecar, received, hashed, verified, size)
        try:
            self.repo.add_item(item, steps)
        except Conflict:
            winner = self.repo.find_by_sha256(stored.sha256)
            if winner is None:
                raise
            return self._presented_again(winner, relative, options, actor)
        return Outcome(
            status=IngestStatus.INGESTED,
            path=relative,
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

    def _presented_again(
        self, item: EvidenceItem, relative: str, options: IngestOptions, actor: Actor
    ) -> Outcome:
        self.repo.append_event(
            item.id,
            "presented-again",
            actor,
            {"path": relative, "batch": options.batch, "note": "same bytes; no second copy kept"},
        )
        return Outcome(status=IngestStatus.DUPLICATE, path=relative, id=item.id, sha256=item.sha256)

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


def _officer(sidecar: Sidecar, sidecar_name: str | None, options: IngestOptions) -> str | None:
    """Whose recording it is: an officer's upload is always theirs, never the sidecar's say."""
    if not options.uploaded_by_officer:
        return sidecar.officer or options.officer
    refusal = officer_refusal(sidecar_name or "sidecar", sidecar.officer, options.officer)
    if refusal is not None:
        raise InvalidInput(refusal)
    return options.officer


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


def _metadata(sidecar: Sidecar, media: MediaInfo) -> dict[str, Any]:
    data: dict[str, Any] = {"sidecar": sidecar.extra} if sidecar.extra else {}
    if sidecar.sha256:
        data["dock_sha256"] = sidecar.sha256
    if media.creation_time:
        data["media_creation_time"] = iso_utc(media.creation_time)
    return data


def _first_events(
    item: EvidenceItem,
    actor: Actor,
    options: IngestOptions,
    sidecar: Sidecar,
    received: datetime,
    hashed: datetime,
    verified: datetime,
    size: int,
) -> list[EventStep]:
    received_details = {
        "path": item.source_path,
        "batch": options.batch,
        "size": size,
        "sidecar": sidecar.model_dump(mode="json", exclude_none=True),
    }
    hashed_details: dict[str, Any] = {"algorithm": "sha256", "bytes": item.size}
    if sidecar.sha256:
        hashed_details["dock_sha256"] = "matches"
    return [
        ("received", actor, item.sha256, received_details, received),
        ("hashed", actor, item.sha256, hashed_details, hashed),
        ("stored", actor, item.sha256, {"location": item.store_location}, hashed),
        (
            "verified",
            actor,
            item.sha256,
            {"read_back_sha256": item.sha256, DETAILS_KEY: item.item_details()},
            verified,
        ),
    ]
