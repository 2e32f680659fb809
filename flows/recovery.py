"""Recover the transcriptions of workers that died: mark their runs Crashed, submit the
items again (``evidence.recovery`` decides which)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from prefect import flow
from prefect.client.schemas.objects import FlowRun, StateType

from evidence.recovery import RunView, recovery_plan
from flows.runs import ACTIVE, TRANSCRIBE_ITEM, flow_runs, mark_crashed, submit_transcriptions
from storage.bootstrap import get_services
from storage.transcript_service import claims_of, pending_item_ids

CRASH_WINDOW = timedelta(hours=24)


def _view(run: FlowRun) -> RunView | None:
    item_id = run.parameters.get("item_id")
    if not isinstance(item_id, str) or run.state is None:
        return None
    return RunView(str(run.id), item_id, run.state.type.value, run.state.timestamp)


def _views(states: list[StateType], since: datetime | None = None) -> list[RunView]:
    views = (_view(run) for _, run in flow_runs([TRANSCRIBE_ITEM], states, started_after=since))
    return [view for view in views if view is not None]


@flow(name="transcription-recovery")
def recover_transcriptions() -> dict[str, Any]:
    """Mark transcription runs whose worker died as Crashed and submit their items again."""
    services = get_services()
    now = datetime.now(UTC)
    plan = recovery_plan(
        active=_views(ACTIVE),
        crashed=_views([StateType.CRASHED], since=now - CRASH_WINDOW),
        claims={claim.holder: claim.expires_at for claim in claims_of(services).all()},
        pending=set(pending_item_ids(services)),
        now=now,
        lease=timedelta(seconds=services.settings.transcription_lease_seconds),
    )
    for run in plan.crash:
        mark_crashed(
            run.run_id,
            f"item {run.item_id}: its worker stopped renewing the item's claim "
            f"(last seen {run.since.isoformat()}); presumed dead, the item is submitted again",
        )
    submitted = submit_transcriptions(plan.resubmit)
    return {
        "crashed": [run.run_id for run in plan.crash],
        "resubmitted": submitted,
        "given_up": plan.given_up,
    }
