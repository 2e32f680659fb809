"""What an ingest run on the pool does besides ingesting: hand transcription to the pool,
one run per new item, and leave its report on the run."""

from __future__ import annotations

from typing import Any

from evidence.ingest_report import ingest_report
from flows.runs import record_report, submit_transcriptions


def submit_ingested(outcomes: list[dict[str, Any]], officer: str | None) -> None:
    """Submit a ``transcribe-item`` run per newly ingested item, noting it on the outcome."""
    ingested = [o["id"] for o in outcomes if o["status"] == "ingested"]
    runs = submit_transcriptions(ingested, actor=officer)
    for outcome in outcomes:
        if outcome.get("id") in runs and outcome["status"] == "ingested":
            outcome["transcription"] = {
                "item_id": outcome["id"],
                "status": "submitted",
                "run": runs[outcome["id"]],
            }


def record_ingest_report(outcomes: list[dict[str, Any]]) -> None:
    report = ingest_report(outcomes)
    rows = [
        {
            "result": outcome["status"],
            "path": outcome.get("path"),
            "item": outcome.get("id"),
            "sha256": outcome.get("sha256"),
            "reason": outcome.get("reason") or outcome.get("note"),
            "transcription_run": outcome.get("transcription", {}).get("run"),
        }
        for outcome in outcomes
    ]
    summary = (
        f"{len(report['ingested'])} ingested, {len(report['duplicates'])} already held, "
        f"{len(report['rejected'])} rejected"
    )
    record_report("ingest-report", rows, summary)
