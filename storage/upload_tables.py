"""The table of web upload jobs: who sent which files, and how their ingest went."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
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
