"""Scheduled work for a deployment: periodic fixity audits, transparency-log checkpoints and
catching up transcription.

A court asks not only whether a file was intact when it was captured, but whether anyone
checked since. The fixity audit re-reads every stored object, re-hashes it and verifies its
custody chain, one task per item, recording each check in the item's custody log.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from evidence.services import fixity, log
from evidence.services.caller import system_caller
from evidence.services.transcripts import items_to_transcribe
from flows.ingest import worker_count
from flows.recovery import recover_transcriptions
from flows.transcribe import run_transcription
from storage.bootstrap import get_services

AUDITOR = "scheduled-fixity-audit"
TRANSCRIBER = "scheduled-transcription"
__all__ = ["fixity_audit", "log_checkpoint", "recover_transcriptions", "transcribe_pending"]


@task(cache_policy=NONE, retries=1, retry_delay_seconds=5, task_run_name="fixity {item_id}")
def audit_item(item_id: str, actor: str) -> dict[str, Any]:
    services = get_services()
    caller = system_caller(actor, via="schedule")
    return fixity.check_item(services.unit_of_work(), caller, services.store, item_id).as_dict()


@flow(
    name="fixity-audit",
    task_runner=ThreadPoolTaskRunner(max_workers=worker_count()),  # type: ignore[arg-type]
)
def fixity_audit(actor: str = AUDITOR) -> dict[str, Any]:
    """Check every item; returns the count checked and every item with problems."""
    ids = fixity.item_ids(get_services().unit_of_work())
    futures = [audit_item.submit(item_id, actor) for item_id in ids]
    failed = []
    for future in as_completed(futures):
        result = future.result(raise_on_failure=False)
        if not isinstance(result, dict):
            failed.append({"id": None, "problems": [f"the check itself failed: {result}"]})
        elif result["problems"]:
            failed.append(result)
    return {"checked": len(ids), "failed": sorted(failed, key=lambda r: str(r["id"]))}


@flow(name="log-checkpoint")
def log_checkpoint() -> dict[str, Any]:
    """Sign the transparency log as it stands into a checkpoint in the store (if anything is
    new), so no stretch of custody or audit history stays unsigned for long."""
    services = get_services()
    written = log.checkpoint(services.unit_of_work(), services.installation())
    return {"checkpoint": written.key if written else None, "size": written.size if written else 0}


@flow(name="transcribe-pending")
def transcribe_pending(fan_out: bool = False) -> list[dict[str, Any]]:
    """Transcribe every item without a finished transcript (new, or failed before).

    ``fan_out`` (as deployed): submit one ``transcribe-item`` run per item that no run is
    already working on, for the pool's workers to share, instead of transcribing here.
    """
    caller = system_caller(TRANSCRIBER, via="schedule")
    pending = items_to_transcribe(get_services().unit_of_work(), caller, None)
    if not fan_out:
        return run_transcription(pending) if pending else []
    from flows.runs import ACTIVE, TRANSCRIBE_ITEM, flow_runs, submit_transcriptions

    busy = {run.parameters.get("item_id") for _, run in flow_runs([TRANSCRIBE_ITEM], ACTIVE)}
    submitted = submit_transcriptions([item for item in pending if item not in busy])
    return [{"item_id": item, "status": "submitted", "run": run} for item, run in submitted.items()]
