"""SQLAlchemy models for transcripts and their segments.

The full-text index over segment text is not mapped here: on SQLite it is an FTS5 table kept
by triggers, on PostgreSQL a generated ``tsvector`` column; both are created by migration
0002 and read only by ``storage.search_index``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
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

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transcript_id: Mapped[str] = mapped_column(ForeignKey("transcripts.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(32), index=True)
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
