"""Recover the transcriptions of workers that died: mark their runs Crashed, submit the
items again (``evidence.recovery`` decides which)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from prefect import flow
from prefect.client.schemas.objects import FlowRun, StateType

from evidence.recovery import Liveness, RunView, recovery_plan
from evidence.services.caller import system_caller
from evidence.services.transcripts import items_to_transcribe
from flows.runs import (
    ACTIVE,
    TRANSCRIBE_ITEM,
    flow_runs,
    mark_crashed,
    online_workers,
    submit_transcriptions,
)
from storage.bootstrap import get_services

CRASH_WINDOW = timedelta(hours=24)


def _view(run: FlowRun) -> RunView | None:
    item_id = run.parameters.get("item_id")
    if not isinstance(item_id, str) or run.state is None:
        return None
    worker = (run.labels or {}).get("prefect.worker.name")
    return RunView(
        str(run.id),
        item_id,
        run.state.type.value,
        run.state.timestamp,
        str(worker) if worker else None,
    )


def _views(states: list[StateType], since: datetime | None = None) -> list[RunView]:
    views = (_view(run) for _, run in flow_runs([TRANSCRIBE_ITEM], states, started_after=since))
    return [view for view in views if view is not None]


@flow(name="transcription-recovery")
def recover_transcriptions() -> dict[str, Any]:
    """Mark transcription runs whose worker died as Crashed and submit their items again."""
    services = get_services()
    recoverer = system_caller("transcription-recovery", via="schedule")
    now = datetime.now(UTC)
    live = Liveness(
        claims={claim.holder: claim.expires_at for claim in services.transcription_claims().all()},
        online_workers=online_workers(),
        pending=set(items_to_transcribe(services.unit_of_work(), recoverer, None)),
        now=now,
        lease=timedelta(seconds=services.settings.transcription_lease_seconds),
    )
    plan = recovery_plan(
        _views(ACTIVE), _views([StateType.CRASHED], since=now - CRASH_WINDOW), live
    )
    for run in plan.crash:
        mark_crashed(
            run.run_id,
            f"item {run.item_id}: worker {run.worker or '(none yet)'} is offline and the run "
            "holds no live claim on the item; presumed dead, the item is submitted again",
        )
    # Keyed on the crashed run each replaces: a second pass before the new run shows up as
    # scheduled finds the same run instead of making another.
    submitted = {
        item: submit_transcriptions([item], cause=f"recover-{run_id}")[item]
        for item, run_id in plan.resubmit.items()
    }
    return {
        "crashed": [run.run_id for run in plan.crash],
        "resubmitted": submitted,
        "given_up": plan.given_up,
    }
