"""The ingest report: what `evidence ingest --json` prints and an upload job records."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class IngestStatus(StrEnum):
    """What became of one file: the ingest service gives the first three; a flow whose task
    failed outright reports the file as ``failed``."""

    INGESTED = "ingested"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    FAILED = "failed"


IngestReport = dict[str, list[dict[str, Any]]]


def ingest_report(outcomes: list[dict[str, Any]]) -> IngestReport:
    """Ingested, already held (duplicates), rejected with reasons, transcription results."""

    def pick(outcome: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
        return {key: outcome.get(key) for key in keys}

    return {
        "ingested": [
            pick(o, ("id", "sha256", "path", "size", "kind", "duration"))
            for o in outcomes
            if o["status"] == IngestStatus.INGESTED
        ],
        "duplicates": [
            pick(o, ("id", "sha256", "path")) | ({"note": o["note"]} if "note" in o else {})
            for o in outcomes
            if o["status"] == IngestStatus.DUPLICATE
        ],
        "rejected": [
            pick(o, ("path", "reason"))
            for o in outcomes
            if o["status"] in (IngestStatus.REJECTED, IngestStatus.FAILED)
        ],
        "transcribed": [o["transcription"] for o in outcomes if "transcription" in o],
    }
