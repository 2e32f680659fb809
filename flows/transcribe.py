"""The transcription flow: one task per item, never more CPU threads than cores.

Each task is idempotent (an item with a current transcript is skipped unless forced) and
records its own failures, so a failed item never fails the batch or the ingest before it.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from evidence.errors import ConfigurationError, EvidenceError
from evidence.services.caller import system_caller
from evidence.services.transcripts import transcribe
from flows.progress import report_done, report_total
from storage.bootstrap import get_services
from storage.transcriber import cpu_threads, get_transcriber, transcriber_or_failure


def transcription_workers() -> int:
    """Concurrent items such that workers * faster-whisper threads <= cores."""
    cores = os.cpu_count() or 1
    return max(1, cores // cpu_threads(get_services().settings))


@task(cache_policy=NONE, task_run_name="transcribe {item_id}")
def transcribe_task(item_id: str, force: bool, actor: str | None, workers: int) -> dict[str, Any]:
    """As the system, named in the custody log by ``actor`` (the officer whose ingest
    started it) or the OS user."""
    services = get_services()
    transcriber = transcriber_or_failure(services.settings, workers)
    caller = system_caller(actor)
    outcome = transcribe(services.unit_of_work, caller, services.store, transcriber, item_id, force)
    return outcome.as_dict()


@flow(name="transcribe-items", log_prints=False)
def transcribe_items(
    item_ids: list[str], force: bool = False, actor: str | None = None
) -> list[dict[str, Any]]:
    """Transcribe each item; returns one outcome per item, in the order given."""
    workers = transcription_workers()
    # Load the model once, before the tasks share it. Without a usable model each task
    # records the failure on its item (the service stands in a failing transcriber).
    with contextlib.suppress(ConfigurationError):
        get_transcriber(get_services().settings, workers)
    report_total("transcribe", len(item_ids))
    futures = {
        transcribe_task.submit(item_id, force, actor, workers): item_id for item_id in item_ids
    }
    outcomes: dict[str, dict[str, Any]] = {}
    for future in as_completed(list(futures)):
        item_id = futures[future]
        result = future.result(raise_on_failure=False)
        outcomes[item_id] = (
            result
            if isinstance(result, dict)
            else {
                "item_id": item_id,
                "status": "failed",
                "reason": f"item {item_id}: transcription stopped ({result}); "
                "the item is preserved, run `evidence transcribe` again",
            }
        )
        report_done("transcribe", outcomes[item_id])
    return [outcomes[item_id] for item_id in item_ids]


def run_transcription(
    item_ids: list[str], force: bool = False, actor: str | None = None
) -> list[dict[str, Any]]:
    """The flow with a task runner sized so that workers * model threads <= cores."""
    runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=transcription_workers())
    flow_run = transcribe_items.with_options(task_runner=runner)  # type: ignore[arg-type]
    return flow_run(item_ids, force, actor)


def transcribe_ingested(outcomes: list[dict[str, Any]], officer: str | None) -> None:
    """Transcribe the newly ingested items of an ingest run, noting each result on its outcome."""
    ingested = [o["id"] for o in outcomes if o["status"] == "ingested"]
    if not ingested:
        return
    try:
        results = {r["item_id"]: r for r in run_transcription(ingested, actor=officer)}
    except EvidenceError as exc:
        # The items are preserved whatever happens here; the report must still reach the user.
        reason = f"transcription did not run ({exc}); run `evidence transcribe --pending` later"
        results = {i: {"item_id": i, "status": "failed", "reason": reason} for i in ingested}
    for outcome in outcomes:
        if outcome.get("id") in results and outcome["status"] == "ingested":
            outcome["transcription"] = results[outcome["id"]]
