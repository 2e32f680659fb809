"""Transcribing one item: recognise the preserved bytes, seal the result as a new version.

The stored original is copied to a scratch file while it is hashed, so what is transcribed
is proven to be the preserved bytes. Whatever happens (speech, silence, no audio track,
a failure) ends as a sealed transcript record; a failure is recorded, never raised, so a
batch carries on and a rerun retries the item. The use case that saves it
(``evidence.services.transcripts.transcribe``) writes the record, its row and a custody
event on the source item in one transaction.
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from evidence.errors import FixityError, StoreError, TranscriptionError
from evidence.hashing import copy_and_hash, require_digest
from evidence.model import EvidenceItem, iso_utc
from evidence.ports import ObjectStore, Transcriber
from evidence.transcripts import DONE, FAILED, NO_SPEECH, Recognition, Transcript

ACTIONS = {DONE: "transcribed", NO_SPEECH: "no-speech", FAILED: "transcription-failed"}


@dataclass(frozen=True)
class TranscriptionOutcome:
    item_id: str
    status: str
    transcript_id: str | None
    version: int | None
    reason: str | None = None
    skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "status": self.status,
            "transcript_id": self.transcript_id,
            "version": self.version,
            "reason": self.reason,
            "skipped": self.skipped,
        }


def recognise(
    item: EvidenceItem, store: ObjectStore, transcriber: Transcriber, label: str
) -> Recognition:
    with tempfile.TemporaryDirectory(prefix="evidence-transcribe-") as scratch:
        media = Path(scratch) / f"original{Path(item.original_name).suffix.lower()}"
        try:
            with store.open(item.storage_key) as source, media.open("wb") as target:
                digest = copy_and_hash(source, target)
            require_digest(f"{label} (stored copy)", item.sha256, digest.sha256)
            return transcriber.transcribe(media, label)
        except (TranscriptionError, FixityError, StoreError) as exc:
            return Recognition(FAILED, None, (), {}, reason=str(exc))


def sealed_transcript(
    item: EvidenceItem,
    version: int,
    recognition: Recognition,
    started: datetime,
    finished: datetime,
) -> Transcript:
    """Version ``version`` of the item's transcript, with its provenance, sealed."""
    provenance = {
        "source": {"item_id": item.id, "sha256": item.sha256, "storage_key": item.storage_key},
        **recognition.provenance,
        "started_at": iso_utc(started),
        "finished_at": iso_utc(finished),
    }
    return Transcript(
        id=uuid.uuid4().hex,
        item_id=item.id,
        version=version,
        status=recognition.status,
        reason=recognition.reason,
        language=recognition.language,
        segments=recognition.segments,
        provenance=provenance,
        created_at=finished,
    ).sealed()


def custody_details(transcript: Transcript) -> dict[str, Any]:
    """What the custody event on the source item commits about a stored transcript."""
    return {
        "transcript_id": transcript.id,
        "version": transcript.version,
        "status": transcript.status,
        "reason": transcript.reason,
        "language": transcript.language,
        "segments": len(transcript.segments),
        "transcript_sha256": transcript.sha256,
        "transcript_storage_key": transcript.storage_key,
        "provenance": transcript.provenance,
    }
