"""The docks the S3 inbox watcher has seen: one row per dock, claimed by one watcher at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables import Base


class InboxDockRow(Base):
    __tablename__ = "inbox_docks"
    __table_args__ = (UniqueConstraint("inbox", "dock", name="uq_inbox_docks_dock"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    inbox: Mapped[str] = mapped_column(String(255))
    dock: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    problems: Mapped[list[str]] = mapped_column(JSON)
    files: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    claimed_by: Mapped[str | None] = mapped_column(String(160))
    heartbeat_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    report: Mapped[dict[str, Any] | None]
    reason: Mapped[str | None] = mapped_column(Text)
