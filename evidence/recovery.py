"""Which transcription runs died with their worker, and which items to run again.

A run that is transcribing an item holds the item's claim and renews its lease (see
``storage.transcription_claims``). When its host dies, its process is killed or it is cut off,
the lease runs out, yet the scheduler still shows the run as Running: nothing else will
say it stopped. The plan below names the dead runs so they can be marked Crashed:

- a Pending or Running run whose claim's lease has run out;
- a Pending or Running run with no claim at all, on an item still without a finished
  transcript, for longer than ``STARTUP_LEASES`` leases (a live run claims its item within
  seconds of starting; one that has released its claim has saved its version).

Then it names the items of crashed runs that no run is working on, to submit again. An item
whose runs have crashed ``MAX_CRASHES`` times is left for a person to look at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_CRASHES = 3
STARTUP_LEASES = 3
WORKING = ("PENDING", "RUNNING")


@dataclass(frozen=True)
class RunView:
    run_id: str
    item_id: str
    state: str  # the state type: SCHEDULED, PENDING, RUNNING, CRASHED, ...
    since: datetime  # when it entered that state


@dataclass(frozen=True)
class RecoveryPlan:
    crash: list[RunView]
    resubmit: list[str]
    given_up: list[str]


def is_dead(
    run: RunView, claims: dict[str, datetime], pending: set[str], now: datetime, lease: timedelta
) -> bool:
    if run.state not in WORKING:
        return False
    if run.run_id in claims:
        return claims[run.run_id] <= now
    return run.item_id in pending and now - run.since > lease * STARTUP_LEASES


def recovery_plan(
    active: list[RunView],
    crashed: list[RunView],
    claims: dict[str, datetime],
    pending: set[str],
    now: datetime,
    lease: timedelta,
) -> RecoveryPlan:
    """``active``: scheduled, pending and running runs; ``crashed``: recent crashed runs;
    ``claims``: when each claim-holding run's lease runs out; ``pending``: items without a
    finished transcript."""
    dead = [run for run in active if is_dead(run, claims, pending, now, lease)]
    dead_ids = {run.run_id for run in dead}
    still_active = {run.item_id for run in active if run.run_id not in dead_ids}
    crashes: dict[str, int] = {}
    for run in [*crashed, *dead]:
        crashes[run.item_id] = crashes.get(run.item_id, 0) + 1
    orphaned = sorted(item for item in crashes if item in pending and item not in still_active)
    return RecoveryPlan(
        crash=dead,
        resubmit=[item for item in orphaned if crashes[item] < MAX_CRASHES],
        given_up=[item for item in orphaned if crashes[item] >= MAX_CRASHES],
    )
