"""The transcription flows: one task per item in-process, or one run per item on a pool.

Each task is idempotent (an item with a current transcript is skipped unless forced) and
records its own failures, so a failed item never fails the batch or the ingest before it.
On a pool (``transcribe-item``), a run holds the item's claim while it works, so two runs of
one item never both transcribe it, and a slot of the ``transcription`` global concurrency
limit, so the pool never runs more transcriptions at once than its hosts have cores for.
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

TRANSCRIPTION_LIMIT = "transcription"
# Prefect's shortest lease on a concurrency slot: a slot held by a run that died comes back
# this long after its last renewal (the server's repossessor frees it).
SLOT_LEASE_SECONDS = 60


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


@flow(name="transcribe-item", log_prints=False)
def transcribe_item_run(item_id: str, actor: str | None = None) -> dict[str, Any]:
    """Transcribe one item on a pool worker: skipped if it has a transcript or another run
    holds it; otherwise under its claim and one ``transcription`` slot."""
    from prefect.runtime import flow_run

    from flows.runs import record_report

    services = get_services()
    holder = str(flow_run.id)
    with services.unit_of_work() as uow:
        item = uow.items.get_item(item_id)
        current = uow.transcripts.current(item.id)
    if current is not None:
        outcome = {"item_id": item.id, "status": current.status, "version": current.version}
        outcome |= {"skipped": True, "reason": "already transcribed"}
    else:
        outcome = _transcribe_claimed(item.id, holder, actor)
    summary = f"item {item.id}: {outcome['status']}" + (
        f" ({outcome['reason']})" if outcome.get("reason") else ""
    )
    record_report("transcription-report", [outcome], summary)
    return outcome


def _transcribe_claimed(item_id: str, holder: str, actor: str | None) -> dict[str, Any]:
    """Under the item's claim (renewed while it works) and a concurrency slot; the version
    is saved only if the claim is still this run's when it is written."""
    from prefect.concurrency.sync import concurrency

    services = get_services()
    claims = services.transcription_claims()
    with claims.held(item_id, holder) as claim:
        if claim is None:
            other = claims.holder_of(item_id)
            reason = f"run {other.holder if other else '?'} is transcribing it"
            return {"item_id": item_id, "status": "busy", "skipped": True, "reason": reason}
        with concurrency(
            TRANSCRIPTION_LIMIT, occupy=1, lease_duration=SLOT_LEASE_SECONDS, strict=True
        ):
            transcriber = transcriber_or_failure(services.settings, 1)
            outcome = transcribe(
                services.unit_of_work,
                system_caller(actor),
                services.store,
                transcriber,
                item_id,
                claim_holder=holder,
            )
            return outcome.as_dict()
