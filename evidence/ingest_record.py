"""What ingest records for one dock file: the item and its first four custody events, and
the checks they rest on (whose recording it is; the stored copy read back).

Built only from what was checked: the stored copy (digest and size, read back), the media
description, the sidecar, and when each step happened.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from evidence.custody import DETAILS_KEY, Actor
from evidence.errors import FixityError, InvalidInput
from evidence.hashing import hash_stream
from evidence.model import EvidenceItem, Kind, MediaInfo, iso_utc
from evidence.ports import EventStep, ObjectStore, StoredObject
from evidence.sidecar import Sidecar
from evidence.upload_rules import officer_refusal


@dataclass(frozen=True)
class Presented:
    """One dock entry as presented: where it is, under which options, by whom, when."""

    root: Path
    path: Path
    relative: str
    sidecar_name: str | None
    kind: str | None
    incident: str | None
    batch: str
    actor: Actor
    received: datetime


@dataclass(frozen=True)
class Described:
    """What the checks found out about the file before its bytes were stored."""

    sidecar: Sidecar
    officer: str | None
    media: MediaInfo

    @property
    def recorded_at(self) -> datetime | None:
        return self.sidecar.recorded_at or self.media.creation_time


def verify_stored(store: ObjectStore, key: str, sha256: str, label: str) -> None:
    """Read a stored object back from where it landed and re-hash it."""
    with store.open(key) as stream:
        actual = hash_stream(stream).sha256
    if actual != sha256:
        raise FixityError(
            f"{label}: the stored copy reads back as {actual}, not {sha256}; "
            "the store did not keep the bytes that were sent"
        )


def officer_of(
    sidecar: Sidecar, sidecar_name: str | None, officer: str | None, uploaded_by_officer: bool
) -> str | None:
    """Whose recording it is: an officer's upload is always theirs, never the sidecar's say."""
    if not uploaded_by_officer:
        return sidecar.officer or officer
    refusal = officer_refusal(sidecar_name or "sidecar", sidecar.officer, officer)
    if refusal is not None:
        raise InvalidInput(refusal)
    return officer


def new_item_id() -> str:
    return uuid.uuid4().hex


def build_item(
    presented: Presented, described: Described, stored: StoredObject, verified: datetime
) -> EvidenceItem:
    sidecar, media = described.sidecar, described.media
    return EvidenceItem(
        id=new_item_id(),
        sha256=stored.sha256,
        size=stored.size,
        kind=sidecar.kind or presented.kind or (Kind.BWV if media.has_video else Kind.CALL),
        original_name=Path(presented.relative).name,
        source_path=presented.relative,
        storage_key=stored.key,
        store_location=stored.location,
        ingested_at=verified,
        officer=described.officer,
        device=sidecar.device,
        incident=sidecar.incident or presented.incident,
        recorded_at=described.recorded_at,
        duration=media.duration,
        media=media.details,
        metadata=_metadata(sidecar, media),
    )


def first_events(
    item: EvidenceItem, presented: Presented, sidecar: Sidecar, hashed: datetime
) -> list[EventStep]:
    """received, hashed, stored, verified: the last one commits the item's details."""
    actor = presented.actor
    received_details = {
        "path": item.source_path,
        "batch": presented.batch,
        "size": item.size,
        "sidecar": sidecar.model_dump(mode="json", exclude_none=True),
    }
    hashed_details: dict[str, Any] = {"algorithm": "sha256", "bytes": item.size}
    if sidecar.sha256:
        hashed_details["dock_sha256"] = "matches"
    return [
        ("received", actor, item.sha256, received_details, presented.received),
        ("hashed", actor, item.sha256, hashed_details, hashed),
        ("stored", actor, item.sha256, {"location": item.store_location}, hashed),
        (
            "verified",
            actor,
            item.sha256,
            {"read_back_sha256": item.sha256, DETAILS_KEY: item.item_details()},
            item.ingested_at,
        ),
    ]


def _metadata(sidecar: Sidecar, media: MediaInfo) -> dict[str, Any]:
    data: dict[str, Any] = {"sidecar": sidecar.extra} if sidecar.extra else {}
    if sidecar.sha256:
        data["dock_sha256"] = sidecar.sha256
    if media.creation_time:
        data["media_creation_time"] = iso_utc(media.creation_time)
    return data
