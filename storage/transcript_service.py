"""The entry points the CLI, the web app and the flows call for transcripts and search.

Plain functions over the bootstrap's ``Services``; nothing here imports Prefect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evidence.custody import Actor
from evidence.errors import ConfigurationError, NotFound, TranscriptionError
from evidence.ports import Transcriber
from evidence.search import Hit, SearchFilters
from evidence.transcription import TranscriptionOutcome, TranscriptRepository, transcribe_item
from evidence.transcripts import Recognition, Transcript
from storage.bootstrap import Services
from storage.search_index import search as search_index
from storage.transcript_repository import SqlTranscriptRepository
from storage.transcription_claims import SqlTranscriptionClaims


def transcripts_of(services: Services) -> SqlTranscriptRepository:
    return SqlTranscriptRepository(services.engine, services.repo)


def claims_of(services: Services) -> SqlTranscriptionClaims:
    return SqlTranscriptionClaims(services.engine, services.settings.transcription_lease_seconds)


def search(services: Services, query: str, filters: SearchFilters) -> list[Hit]:
    """Ranked hits in current transcripts; ``InvalidInput`` for a malformed query."""
    return search_index(services.engine, query, filters)


def latest_transcript(services: Services, item_id: str, version: int | None = None) -> Transcript:
    """The current transcript of an item (or the given version); ``NotFound`` if none."""
    item = services.repo.get_item(item_id)
    transcripts = transcripts_of(services)
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


def transcript_versions(services: Services, item_id: str) -> list[dict[str, Any]]:
    item = services.repo.get_item(item_id)
    return transcripts_of(services).versions(item.id)


def pending_item_ids(services: Services) -> list[str]:
    """Items without a finished transcript (never transcribed, or every attempt failed)."""
    return transcripts_of(services).pending_item_ids()


def transcribe(
    services: Services,
    item_id: str,
    actor: Actor,
    force: bool = False,
    workers: int = 1,
    claim_holder: str | None = None,
) -> TranscriptionOutcome:
    """Transcribe one item into a new version (skipped if it has one, unless forced).

    ``claim_holder``: the run holding the item's transcription claim (``claims_of``); the
    version is saved only if the claim is still that run's when it is written.

    A speech model that cannot be found or loaded fails the item like any other failure:
    recorded (a ``transcription-failed`` event with the reason), the item kept, retried by
    ``--pending`` once the model is there.
    """
    # Imported here: the speech model's stack (numpy, faster-whisper) is for this work only,
    # not for every command that reads transcripts.
    from storage.transcriber import get_transcriber

    transcriber: Transcriber
    try:
        transcriber = get_transcriber(services.settings, workers)
    except ConfigurationError as exc:
        transcriber = NoModel(str(exc))
    transcripts: TranscriptRepository = transcripts_of(services)
    if claim_holder is not None:
        transcripts = ClaimedTranscripts(transcripts_of(services), claim_holder)
    return transcribe_item(
        services.repo,
        transcripts,
        services.store,
        transcriber,
        item_id,
        actor,
        force,
    )


class NoModel:
    """Stands in for the transcriber when there is no usable speech model: every item fails
    with the reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def transcribe(self, media: Path, label: str) -> Recognition:
        raise TranscriptionError(f"{label}: not transcribed: {self.reason}")


class ClaimedTranscripts:
    """The transcript repository for a run holding an item's claim: it saves only while the
    claim is still that run's."""

    def __init__(self, transcripts: SqlTranscriptRepository, holder: str) -> None:
        self.transcripts = transcripts
        self.holder = holder

    def next_version(self, item_id: str) -> int:
        return self.transcripts.next_version(item_id)

    def save(
        self, transcript: Transcript, action: str, actor: Actor, details: dict[str, Any]
    ) -> None:
        self.transcripts.save(transcript, action, actor, details, claim_holder=self.holder)

    def current(self, item_id: str) -> Transcript | None:
        return self.transcripts.current(item_id)

    def latest_failure(self, item_id: str) -> Transcript | None:
        return self.transcripts.latest_failure(item_id)
