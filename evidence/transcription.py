"""Transcribe one item into a new transcript version, never touching the original.

The stored original is copied to a scratch file while it is hashed, so what is transcribed
is proven to be the preserved bytes. Whatever happens (speech, silence, no audio track,
a failure) ends as a sealed transcript record in the object store, a row in the database
and a custody event on the source item, written in one transaction. A failure is recorded,
never raised, so a batch carries on and a rerun retries the item.
"""

from __future__ import annotations

import io
import tempfile
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from evidence.custody import Actor
from evidence.errors import FixityError, StoreError, TranscriptionError
from evidence.hashing import copy_and_hash, require_digest
from evidence.model import EvidenceItem, iso_utc, utcnow
from evidence.ports import ObjectStore, Repository, Transcriber
from evidence.transcripts import DONE, FAILED, NO_SPEECH, Recognition, Transcript

ACTIONS = {DONE: "transcribed", NO_SPEECH: "no-speech", FAILED: "transcription-failed"}


class TranscriptRepository(Protocol):
    def next_version(self, item_id: str) -> int: ...

    def save(
        self, transcript: Transcript, action: str, actor: Actor, details: dict[str, Any]
    ) -> None:
        """Insert the transcript and its segments and append the custody event, atomically."""
        ...

    def current(self, item_id: str) -> Transcript | None:
        """The newest transcript that finished (with speech or with none), if any."""
        ...

    def latest_failure(self, item_id: str) -> Transcript | None: ...


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


def _recognise(
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


def transcribe_item(
    repo: Repository,
    transcripts: TranscriptRepository,
    store: ObjectStore,
    transcriber: Transcriber,
    item_id: str,
    actor: Actor,
    force: bool = False,
) -> TranscriptionOutcome:
    """Make a new transcript version of an item, unless it has one and ``force`` is off."""
    item = repo.get_item(item_id)
    current = transcripts.current(item.id)
    if current is not None and not force:
        return TranscriptionOutcome(
            item.id, current.status, current.id, current.version, current.reason, skipped=True
        )
    label = f"item {item.id} ({item.original_name})"
    started = utcnow()
    recognition = _recognise(item, store, transcriber, label)
    finished = utcnow()
    provenance = {
        "source": {"item_id": item.id, "sha256": item.sha256, "storage_key": item.storage_key},
        **recognition.provenance,
        "started_at": iso_utc(started),
        "finished_at": iso_utc(finished),
    }
    transcript = Transcript(
        id=uuid.uuid4().hex,
        item_id=item.id,
        version=transcripts.next_version(item.id),
        status=recognition.status,
        reason=recognition.reason,
        language=recognition.language,
        segments=recognition.segments,
        provenance=provenance,
        created_at=finished,
    ).sealed()
    stored = store.put(
        io.BytesIO(transcript.canonical_bytes()),
        expected_sha256=transcript.sha256,
        label=f"transcript v{transcript.version} of {label}",
    )
    transcript = replace(transcript, storage_key=stored.key)
    details = {
        "transcript_id": transcript.id,
        "version": transcript.version,
        "status": transcript.status,
        "reason": transcript.reason,
        "language": transcript.language,
        "segments": len(transcript.segments),
        "transcript_sha256": transcript.sha256,
        "transcript_storage_key": stored.key,
        "provenance": provenance,
    }
    transcripts.save(transcript, ACTIONS[transcript.status], actor, details)
    return TranscriptionOutcome(
        item.id, transcript.status, transcript.id, transcript.version, transcript.reason
    )
