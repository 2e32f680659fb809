"""The ingest flow: one task per dock file, so retries and the UI are per file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from evidence.dock import display_path, scan
from evidence.ingest import IngestOptions
from evidence.ingest_report import IngestStatus
from evidence.services.case_links import link_ingested, link_window
from evidence.services.log import checkpoint
from flows.pool_ingest import record_ingest_report, submit_ingested
from flows.progress import report_done, report_total
from storage.bootstrap import get_services


def worker_count() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _run_name() -> str:
    """The task's name in the UI; a name that is not UTF-8 is shown escaped, as Prefect's
    API (JSON) cannot carry it as it is."""
    from prefect.runtime import task_run

    return f"ingest {display_path(task_run.parameters['relative'])}"


@task(cache_policy=NONE, retries=1, retry_delay_seconds=1, task_run_name=_run_name)
def ingest_file(
    root: str,
    relative: str,
    sidecar: str | None,
    options: dict[str, Any],
    unlisted: str | None = None,
) -> dict[str, Any]:
    outcome = (
        get_services()
        .ingestor()
        .ingest(Path(root), relative, sidecar, IngestOptions(**options), unlisted)
    )
    return outcome.as_dict()


@flow(
    name="ingest-dock",
    task_runner=ThreadPoolTaskRunner(max_workers=worker_count()),  # type: ignore[arg-type]
    log_prints=False,
)
def ingest_dock(
    root: str,
    kind: str | None = None,
    officer: str | None = None,
    incident: str | None = None,
    batch: str = "",
    transcribe: bool = True,
    uploaded_by_officer: bool = False,
    fan_out: bool = False,
) -> list[dict[str, Any]]:
    """Ingest every file presented in the dock at ``root``; returns one outcome per file.

    ``uploaded_by_officer``: an officer's web upload, whose items are all ``officer``'s.
    ``fan_out`` (as deployed on a pool): submit one ``transcribe-item`` run per new item for
    the pool's workers instead of transcribing here, so ingest never waits on transcription,
    and attach the report to the run.
    """
    options: dict[str, Any] = {
        "kind": kind,
        "officer": officer,
        "incident": incident,
        "batch": batch,
        "uploaded_by_officer": uploaded_by_officer,
    }
    entries = list(scan(Path(root)))
    report_total("ingest", len(entries))
    futures = {
        ingest_file.submit(
            root, entry.relative_path, entry.sidecar, options, entry.unlisted
        ): entry.relative_path
        for entry in entries
    }
    outcomes: list[dict[str, Any]] = []
    for future in as_completed(list(futures)):
        outcome = _outcome(future.result(raise_on_failure=False), futures[future])
        outcomes.append(outcome)
        report_done("ingest", outcome)
    outcomes.sort(key=lambda o: o["path"])
    services = get_services()
    link_ingested(
        services.unit_of_work(),
        outcomes,
        IngestOptions(**options).actor,
        window=link_window(services.settings),
    )
    # Sign what this batch added before transcription starts, then what transcription added.
    _checkpoint()
    if transcribe and fan_out:
        submit_ingested(outcomes, officer)
    elif transcribe:
        # Imported here: the transcription stack (numpy, the model adapter) costs a third
        # of a second that an ingest without transcription need not pay.
        from flows.transcribe import transcribe_ingested

        transcribe_ingested(outcomes, officer)
        _checkpoint()
    if fan_out:
        record_ingest_report(outcomes)
    return outcomes


def _outcome(result: Any, relative: str) -> dict[str, Any]:
    """The file's outcome; a task that crashed is a failure that leaves the dock untouched."""
    if isinstance(result, dict):
        return result
    return {
        "status": IngestStatus.FAILED,
        "path": display_path(relative),
        "reason": f"{display_path(relative)}: could not be ingested "
        f"({display_path(str(result))}); the dock file is untouched, run the ingest again",
    }


def _checkpoint() -> None:
    """Sign the transparency log as it stands after a batch."""
    services = get_services()
    checkpoint(services.unit_of_work(), services.installation())
