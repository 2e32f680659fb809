"""What the upload routes answer, as /openapi.json documents it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class UploadJobOut(BaseModel):
    """An upload job as its uploader sees it; ``report`` is ``evidence ingest --json``'s."""

    id: str
    status: str  # received, ingesting, done or failed
    user: str
    officer_id: str | None
    received_at: str | None  # ISO 8601 UTC with a Z, like every date the API gives
    started_at: str | None
    finished_at: str | None
    files: list[str]
    kind: str | None
    incident: str | None
    report: dict[str, list[dict[str, Any]]] | None  # ingested, duplicates, rejected, failed
    reason: str | None
    attempts: int
    status_url: str
