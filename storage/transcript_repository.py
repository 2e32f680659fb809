"""Transcripts in the database: versions per item, one current, segments for the index.

Saving a transcript inserts its row and segments (the full-text index follows by trigger
or generated column), retires the previous current version and appends the custody event
on the source item, all in the unit of work's one transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evidence.custody import Actor
from evidence.errors import Conflict
from evidence.model import iso_utc
from evidence.transcripts import DONE, FAILED, NO_SPEECH, Segment, Transcript, Word
from storage.repository import SqlItems
from storage.search_scope import case_scope
from storage.tables import ItemRow
from storage.transcript_tables import SegmentRow, TranscriptRow
from storage.transcription_claims import claim_is_held

FINISHED = (DONE, NO_SPEECH)


class SqlTranscriptRepository:
    """Transcripts inside one unit of work's session; nothing here commits."""

    def __init__(self, session: Session, items: SqlItems) -> None:
        self.session = session
        self.items = items

    def next_version(self, item_id: str) -> int:
        latest = self.session.scalar(
            select(func.max(TranscriptRow.version)).where(TranscriptRow.item_id == item_id)
        )
        return int(latest or 0) + 1

    def save(
        self,
        transcript: Transcript,
        action: str,
        actor: Actor,
        details: dict[str, Any],
        claim_holder: str | None = None,
    ) -> None:
        """Save a new version; with ``claim_holder``, only while that run holds the item's
        claim (``storage.transcription_claims``), checked under a row lock in this transaction."""
        finished = transcript.status in FINISHED
        session = self.session
        try:
            if claim_holder is not None and not claim_is_held(
                session, transcript.item_id, claim_holder
            ):
                raise Conflict(
                    f"item {transcript.item_id}: run {claim_holder} lost its claim (its "
                    "lease ran out and another run took the item over); nothing was saved"
                )
            with session.begin_nested():
                if finished:
                    session.execute(
                        update(TranscriptRow)
                        .where(TranscriptRow.item_id == transcript.item_id)
                        .values(is_current=False)
                    )
                    session.execute(
                        update(SegmentRow)
                        .where(SegmentRow.item_id == transcript.item_id, SegmentRow.is_current)
                        .values(is_current=False)
                    )
                session.add(_row(transcript, is_current=finished))
                session.flush()
        except IntegrityError as exc:
            raise Conflict(
                f"item {transcript.item_id}: another transcription saved version "
                f"{transcript.version} first; run the transcription again"
            ) from exc
        officer = session.scalar(select(ItemRow.officer).where(ItemRow.id == transcript.item_id))
        cases = case_scope(session, transcript.item_id)
        session.add_all(
            _segment_row(transcript, seq, segment, officer, cases, finished)
            for seq, segment in enumerate(transcript.segments, start=1)
        )
        self.items.append_event(transcript.item_id, action, actor, details)

    def current(self, item_id: str) -> Transcript | None:
        return self._first(
            select(TranscriptRow).where(
                TranscriptRow.item_id == item_id, TranscriptRow.is_current.is_(True)
            )
        )

    def latest_failure(self, item_id: str) -> Transcript | None:
        return self._first(
            select(TranscriptRow)
            .where(TranscriptRow.item_id == item_id, TranscriptRow.status == FAILED)
            .order_by(TranscriptRow.version.desc())
        )

    def get(self, item_id: str, version: int) -> Transcript | None:
        return self._first(
            select(TranscriptRow).where(
                TranscriptRow.item_id == item_id, TranscriptRow.version == version
            )
        )

    def versions(self, item_id: str) -> list[dict[str, Any]]:
        query = (
            select(TranscriptRow)
            .where(TranscriptRow.item_id == item_id)
            .order_by(TranscriptRow.version)
        )
        return [
            {
                "id": row.id,
                "version": row.version,
                "status": row.status,
                "reason": row.reason,
                "model": row.model,
                "sha256": row.sha256,
                "created_at": iso_utc(row.created_at),
                "current": row.is_current,
            }
            for row in self.session.scalars(query)
        ]

    def pending_item_ids(self) -> list[str]:
        """Items with no finished transcript: never transcribed, or every attempt failed."""
        finished = select(TranscriptRow.item_id).where(TranscriptRow.status.in_(FINISHED))
        query = select(ItemRow.id).where(ItemRow.id.not_in(finished)).order_by(ItemRow.ingested_at)
        return list(self.session.scalars(query))

    def _first(self, query: Any) -> Transcript | None:
        row = self.session.scalars(query.limit(1)).first()
        return _transcript(self.session, row) if row else None


def _row(transcript: Transcript, is_current: bool) -> TranscriptRow:
    model = transcript.provenance.get("model", {}).get("name") or "unknown"
    return TranscriptRow(
        id=transcript.id,
        item_id=transcript.item_id,
        version=transcript.version,
        status=transcript.status,
        reason=transcript.reason,
        language=transcript.language,
        model=str(model)[:255],
        sha256=transcript.sha256,
        storage_key=transcript.storage_key,
        provenance=transcript.provenance,
        created_at=transcript.created_at,
        is_current=is_current,
    )


def _segment_row(
    transcript: Transcript,
    seq: int,
    segment: Segment,
    officer: str | None,
    cases: str | None,
    is_current: bool,
) -> SegmentRow:
    return SegmentRow(
        transcript_id=transcript.id,
        item_id=transcript.item_id,
        officer=officer,
        cases=cases,
        is_current=is_current,
        seq=seq,
        start_time=segment.start,
        end_time=segment.end,
        text=segment.text,
        avg_logprob=segment.avg_logprob,
        no_speech_prob=segment.no_speech_prob,
        words=[word.as_dict() for word in segment.words],
    )


def _transcript(session: Session, row: TranscriptRow) -> Transcript:
    segments = session.scalars(
        select(SegmentRow).where(SegmentRow.transcript_id == row.id).order_by(SegmentRow.seq)
    )
    return Transcript(
        id=row.id,
        item_id=row.item_id,
        version=row.version,
        status=row.status,
        reason=row.reason,
        language=row.language,
        segments=tuple(
            Segment(
                start=s.start_time,
                end=s.end_time,
                text=s.text,
                avg_logprob=s.avg_logprob,
                no_speech_prob=s.no_speech_prob,
                words=tuple(Word(**word) for word in s.words),
            )
            for s in segments
        ),
        provenance=dict(row.provenance),
        created_at=row.created_at,
        sha256=row.sha256,
        storage_key=row.storage_key,
    )
