"""Evidence items and custody events as the domain sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What a recording is; stored and committed as its value."""

    BWV = "bwv"
    CALL = "call"


class ItemStatus(StrEnum):
    PRESERVED = "preserved"


KINDS: tuple[Kind, ...] = tuple(Kind)
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".mkv", ".avi"})
AUDIO_EXTENSIONS = frozenset({".wav", ".mp3", ".m4a", ".ogg"})
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS | AUDIO_EXTENSIONS
# What drives linking and bundles: committed in the custody chain at registration and by
# every lawful correction, so an edit of the item's row alone is detected.
ITEM_DETAIL_FIELDS = (
    "kind",
    "original_name",
    "source_path",
    "officer",
    "device",
    "incident",
    "recorded_at",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z``: the one form we hash and print."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: custody times must carry a time zone")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def object_key(sha256: str) -> str:
    """Content address of an object: its digest, fanned out so no directory grows huge."""
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


@dataclass(frozen=True)
class MediaInfo:
    format_name: str
    duration: float | None
    has_video: bool
    has_audio: bool
    details: dict[str, Any] = field(default_factory=dict)
    creation_time: datetime | None = None


@dataclass
class EvidenceItem:
    id: str
    sha256: str
    size: int
    kind: str
    original_name: str
    source_path: str
    storage_key: str
    store_location: str
    ingested_at: datetime
    officer: str | None = None
    device: str | None = None
    incident: str | None = None
    recorded_at: datetime | None = None
    duration: float | None = None
    media: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    status: str = ItemStatus.PRESERVED
    custody_head: str = ""

    def item_details(self) -> dict[str, str | None]:
        """The ``ITEM_DETAIL_FIELDS`` in the one form the custody chain commits."""
        return {
            "kind": self.kind,
            "original_name": self.original_name,
            "source_path": self.source_path,
            "officer": self.officer,
            "device": self.device,
            "incident": self.incident,
            "recorded_at": iso_utc(self.recorded_at) if self.recorded_at else None,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sha256": self.sha256,
            "size": self.size,
            **self.item_details(),
            "duration": self.duration,
            "media": self.media,
            "metadata": self.metadata,
            "storage_key": self.storage_key,
            "store_location": self.store_location,
            "status": self.status,
            "ingested_at": iso_utc(self.ingested_at),
            "custody_head": self.custody_head,
        }


@dataclass(frozen=True)
class CustodyEvent:
    item_id: str
    seq: int
    action: str
    actor: str
    host: str
    at: str
    sha256: str
    details: dict[str, Any]
    prev_hash: str
    hash: str
    format: int = 1

    def as_dict(self) -> dict[str, Any]:
        """The hashed record; format 1 events were hashed without a ``format`` field."""
        record: dict[str, Any] = {
            "item_id": self.item_id,
            "seq": self.seq,
            "action": self.action,
            "actor": self.actor,
            "host": self.host,
            "at": self.at,
            "sha256": self.sha256,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }
        if self.format != 1:
            record["format"] = self.format
        return record


@dataclass(frozen=True)
class Rejection:
    path: str
    reason: str
    sha256: str | None
    size: int | None
    quarantine_path: str | None
    actor: str
    host: str
    at: datetime
