"""SQLAlchemy models for transcripts and their segments.

The full-text index over segment text is not mapped here: on SQLite it is an FTS5 table kept
by triggers (over ``text``, ``officer`` and ``cases``, current segments only), on PostgreSQL a
generated ``tsvector`` column with a GIN index over current segments; both are created by
migrations 0002 and 0009 and read only by ``storage.search_index``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables import Base


class TranscriptRow(Base):
    __tablename__ = "transcripts"
    __table_args__ = (UniqueConstraint("item_id", "version", name="uq_transcripts_item_version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(Text)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    is_current: Mapped[bool] = mapped_column(Boolean, index=True)


class SegmentRow(Base):
    __tablename__ = "transcript_segments"
    __table_args__ = (Index("ix_transcript_segments_officer_id", "officer", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transcript_id: Mapped[str] = mapped_column(ForeignKey("transcripts.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(32), index=True)
    # The item's officer, copied at save (fixed at ingest) so search filters in the index.
    officer: Mapped[str | None] = mapped_column(String(64))
    # The URNs of the cases the item is linked to, space-separated, for the CPS scope
    # (storage.search_scope.refresh_case_scope keeps it on link and unlink).
    cases: Mapped[str | None] = mapped_column(Text)
    # Its transcript is the item's current version: only these are indexed for search.
    is_current: Mapped[bool] = mapped_column(Boolean, server_default=true())
    seq: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[float] = mapped_column(Float)
    end_time: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    avg_logprob: Mapped[float] = mapped_column(Float)
    no_speech_prob: Mapped[float] = mapped_column(Float)
    words: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class TranscriptionClaimRow(Base):
    """Which flow run is transcribing an item now, and until when its lease holds.

    One row per item at most (the primary key): two runs of the same item cannot both hold
    it. The holder renews ``expires_at`` while it works; a row past it was left by a run
    that died, and the next claimant takes it over.
    """

    __tablename__ = "transcription_claims"

    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    claimed_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
