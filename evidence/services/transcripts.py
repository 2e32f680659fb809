"""Transcripts: reading them (audited, as every read of an item is) and making new versions."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

from evidence.errors import InvalidInput, NotFound
from evidence.model import EvidenceItem, utcnow
from evidence.ports import ObjectStore, Transcriber, TranscriptRepository, UnitOfWork
from evidence.ports import UnitOfWorkFactory as NewUow
from evidence.services.caller import Caller, audit
from evidence.services.items import visible_item, visible_items
from evidence.services.refusals import refusals_recorded
from evidence.transcription import (
    ACTIONS,
    TranscriptionOutcome,
    custody_details,
    recognise,
    sealed_transcript,
)
from evidence.transcripts import FORMATS, Transcript, render


def show_transcript(
    uow: UnitOfWork,
    caller: Caller,
    item_id: str,
    version: int | None = None,
    details: dict[str, Any] | None = None,
) -> Transcript:
    """The item's current transcript (or the given version); ``NotFound`` if there is none."""
    with uow, refusals_recorded(uow, caller):
        item = visible_item(uow, caller, item_id)
        transcript = _transcript(uow.transcripts, item, version)
        audit(uow, caller, "view-transcript", f"item:{item.id}", details)
        uow.commit()
        return transcript


def export_transcript(
    uow: UnitOfWork, caller: Caller, item_id: str, fmt: str, version: int | None = None
) -> str:
    """The transcript as text, WebVTT, SubRip or JSON (``InvalidInput`` for another format)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"transcript format {fmt!r}: use one of {', '.join(FORMATS)}")
    transcript = show_transcript(uow, caller, item_id, version, {"format": fmt})
    return render(transcript, fmt)


def transcript_versions(uow: UnitOfWork, caller: Caller, item_id: str) -> list[dict[str, Any]]:
    with uow, refusals_recorded(uow, caller):
        item = visible_item(uow, caller, item_id)
        versions = uow.transcripts.versions(item.id)
        audit(uow, caller, "view-transcript", f"item:{item.id}", {"versions": True})
        uow.commit()
        return versions


def _transcript(
    transcripts: TranscriptRepository, item: EvidenceItem, version: int | None
) -> Transcript:
    if version is not None:
        found = transcripts.get(item.id, version)
        if found is None:
            raise NotFound(f"item {item.id}: no transcript version {version}")
        return found
    current = transcripts.current(item.id)
    if current is not None:
        return current
    failure = transcripts.latest_failure(item.id)
    if failure is not None:
        raise NotFound(
            f"item {item.id}: no transcript; the last attempt failed ({failure.reason}); "
            f"run `evidence transcribe {item.id}` to retry"
        )
    raise NotFound(f"item {item.id}: not transcribed yet; run `evidence transcribe {item.id}`")


def items_to_transcribe(uow: UnitOfWork, caller: Caller, item_id: str | None) -> list[str]:
    """The item named (if the caller may see it), or every visible item without a finished
    transcript (never transcribed, or every attempt failed), oldest first."""
    with uow, refusals_recorded(uow, caller):
        if item_id is not None:
            return [visible_item(uow, caller, item_id).id]
        pending = uow.transcripts.pending_item_ids()
        if caller.principal.sees_everything:
            return pending
        visible = {item.id for item in visible_items(uow, caller, None)}
        return [pending_id for pending_id in pending if pending_id in visible]


def transcribe(
    new_uow: NewUow,
    caller: Caller,
    store: ObjectStore,
    transcriber: Transcriber,
    item_id: str,
    force: bool = False,
    claim_holder: str | None = None,
) -> TranscriptionOutcome:
    """Make a new transcript version of an item, unless it has one and ``force`` is off.

    ``claim_holder``: the pool run holding the item's transcription claim; the version is
    saved only if the claim is still that run's when it is written (``Conflict`` if not).

    Recognition takes seconds to minutes, so no transaction is held while it runs: the item
    is read in one unit of work, and the version is saved in another, with its custody
    event (``Conflict`` if another run saved that version first).
    """
    with new_uow() as uow, refusals_recorded(uow, caller):
        item = visible_item(uow, caller, item_id)
        current = uow.transcripts.current(item.id)
    if current is not None and not force:
        return TranscriptionOutcome(
            item.id, current.status, current.id, current.version, current.reason, skipped=True
        )
    label = f"item {item.id} ({item.original_name})"
    started = utcnow()
    recognition = recognise(item, store, transcriber, label)
    with new_uow() as uow:
        version = uow.transcripts.next_version(item.id)
    transcript = sealed_transcript(item, version, recognition, started, utcnow())
    stored = store.put(
        io.BytesIO(transcript.canonical_bytes()),
        expected_sha256=transcript.sha256,
        label=f"transcript v{transcript.version} of {label}",
    )
    transcript = replace(transcript, storage_key=stored.key)
    with new_uow() as uow:
        details = custody_details(transcript)
        action = ACTIONS[transcript.status]
        uow.transcripts.save(transcript, action, caller.actor, details, claim_holder)
        uow.commit()
    return TranscriptionOutcome(
        item.id, transcript.status, transcript.id, transcript.version, transcript.reason
    )
