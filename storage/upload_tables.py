"""The table of web upload jobs: who sent which files, and how their ingest went."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables import Base


class UploadJobRow(Base):
    __tablename__ = "upload_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(64), index=True)
    officer_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(index=True)
    dock: Mapped[str] = mapped_column(Text)
    files: Mapped[list[str]] = mapped_column(JSON)
    kind: Mapped[str | None] = mapped_column(String(16))
    incident: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    report: Mapped[dict[str, Any] | None]
    reason: Mapped[str | None] = mapped_column(Text)
    # Who put the job in a queue (a web process, or its pool submission) and when: another
    # process starting up leaves it alone until that is older than the lease.
    queued_by: Mapped[str | None] = mapped_column(String(160))
    queued_at: Mapped[datetime | None]
    # The runner ingesting it, and its last sign of life; a stale one is taken over.
    claimed_by: Mapped[str | None] = mapped_column(String(160))
    heartbeat_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
