"""Runs on the ``evidence`` work pool: submit them, find them, read their reports.

Each deployed run leaves its report as a table artifact on the Prefect server (keys
``ingest-report`` and ``transcription-report``): every host that can reach the API reads it,
the UI shows it beside the run, and nothing needs a result store shared between workers.
The evidence itself (items, custody, transcripts) stays in our database; a report is only
what one run did.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from prefect import get_client
from prefect.artifacts import create_table_artifact
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterDeploymentId,
    FlowRunFilterId,
    FlowRunFilterStartTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
    WorkPoolFilter,
    WorkPoolFilterName,
)
from prefect.client.schemas.objects import FlowRun, StateType, WorkerStatus
from prefect.client.schemas.sorting import FlowRunSort
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.states import Crashed

INGEST_DOCK = "ingest-dock/ingest-dock"
TRANSCRIBE_ITEM = "transcribe-item/transcribe-item"
REPORT_KEYS = ("ingest-report", "transcription-report")
ACTIVE = [StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING]
PAGE = 200


def submit(deployment: str, parameters: dict[str, Any], key: str | None = None) -> str:
    """Create a run of ``deployment`` for a worker to take; returns its id at once.

    ``key``: an idempotency key; submitting again with the same key returns the same run."""
    # _sync: this is synchronous whoever calls it (a flow, a CLI command, a test).
    run: FlowRun = run_deployment(  # type: ignore[call-arg,assignment]
        deployment,
        parameters=parameters,
        timeout=0,
        as_subflow=False,
        idempotency_key=key,
        _sync=True,
    )
    return str(run.id)


def submit_transcriptions(
    item_ids: list[str], actor: str | None = None, cause: str | None = None
) -> dict[str, str]:
    """One ``transcribe-item`` run per item; returns each item's run id. ``cause`` (the id of
    the run submitting them, or of the crashed run they replace) makes a repeated submission
    for the same cause return the runs already made."""
    if cause is None:
        from prefect.runtime import flow_run

        cause = flow_run.id
    return {
        item_id: submit(
            TRANSCRIBE_ITEM,
            {"item_id": item_id, "actor": actor},
            key=f"{cause}:{item_id}" if cause else None,
        )
        for item_id in item_ids
    }


def record_report(key: str, rows: list[dict[str, Any]], summary: str) -> None:
    """Attach this run's report to it (a table artifact), for ``evidence runs`` and the UI."""
    create_table_artifact(table=rows, key=key, description=summary)


def deployment_ids(client: SyncPrefectClient, names: list[str]) -> dict[UUID, str]:
    """The ids of those deployments that exist, with their ``flow/deployment`` names."""
    found = {}
    for name in names:
        try:
            found[client.read_deployment_by_name(name).id] = name
        except ObjectNotFound:
            continue
    return found


def pool_deployments(client: SyncPrefectClient, pool: str) -> dict[UUID, str]:
    """Every deployment on the work pool, by id, with its name."""
    found = client.read_deployments(
        work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[pool]))
    )
    return {deployment.id: deployment.name for deployment in found}


def flow_runs(
    deployments: list[str] | None = None,
    states: list[StateType] | None = None,
    started_after: datetime | None = None,
    limit: int | None = None,
    pool: str = "evidence",
) -> Iterator[tuple[str, FlowRun]]:
    """Runs of the named deployments (``flow/deployment``), or of every deployment on
    ``pool``, newest first, each with its deployment's name."""
    with get_client(sync_client=True) as client:
        ids = (
            deployment_ids(client, deployments)
            if deployments is not None
            else pool_deployments(client, pool)
        )
        if not ids:
            return
        run_filter = FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(any_=list(ids)))
        if states:
            run_filter.state = FlowRunFilterState(type=FlowRunFilterStateType(any_=states))
        if started_after:
            run_filter.start_time = FlowRunFilterStartTime(after_=started_after)
        offset = 0
        while limit is None or offset < limit:
            page = client.read_flow_runs(
                flow_run_filter=run_filter,
                sort=FlowRunSort.EXPECTED_START_TIME_DESC,
                limit=PAGE if limit is None else min(PAGE, limit - offset),
                offset=offset,
            )
            for run in page:
                yield ids.get(run.deployment_id, "") if run.deployment_id else "", run
            offset += len(page)
            if len(page) < PAGE:
                return


def reports(run_ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    """Each run's report artifact: its summary line and its rows."""
    if not run_ids:
        return {}
    found: dict[UUID, dict[str, Any]] = {}
    with get_client(sync_client=True) as client:
        for start in range(0, len(run_ids), PAGE):
            chunk = run_ids[start : start + PAGE]
            artifacts = client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=chunk))
            )
            for artifact in artifacts:
                if artifact.key in REPORT_KEYS and artifact.flow_run_id is not None:
                    data = artifact.data
                    rows = json.loads(data) if isinstance(data, str) else data
                    found[artifact.flow_run_id] = {
                        "summary": artifact.description,
                        "rows": rows,
                    }
    return found


def run_summary(deployment: str, run: FlowRun) -> dict[str, Any]:
    """What ``evidence runs`` shows of one run."""
    return {
        "id": str(run.id),
        "name": run.name,
        "deployment": deployment,
        "state": run.state.name if run.state else None,
        "state_type": run.state.type.value if run.state else None,
        "message": run.state.message if run.state else None,
        "parameters": run.parameters,
        "expected_start": run.expected_start_time,
        "start": run.start_time,
        "end": run.end_time,
        "worker": (run.labels or {}).get("prefect.worker.name"),
        "process": run.infrastructure_pid,
    }


def read_run(run_id: str) -> FlowRun | None:
    with get_client(sync_client=True) as client:
        found = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(run_id)]))
        )
        return found[0] if found else None


def online_workers(pool: str = "evidence") -> set[str]:
    """Workers of the pool whose heartbeat is recent (Prefect: within 3 intervals)."""
    with get_client(sync_client=True) as client:
        workers = client.read_workers_for_work_pool(pool)
    return {worker.name for worker in workers if worker.status == WorkerStatus.ONLINE}


def mark_crashed(run_id: str, message: str) -> None:
    """Set a run whose process is gone to Crashed, so the UI and ``evidence runs`` say so."""
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(run_id), Crashed(message=message), force=True)
