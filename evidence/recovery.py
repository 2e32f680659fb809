"""Which transcription runs died with their worker, and which items to run again.

A run that is transcribing an item holds the item's claim and renews its lease (see
``storage.transcription_claims``). When its host dies, its process is killed or it is cut off,
the lease runs out and its worker stops answering, yet the scheduler still shows the run as
Running: nothing else will say it stopped. (A worker that is alive reports a run whose
process died as Crashed itself.) The plan below names the dead runs so they can be marked
Crashed: Pending or Running runs whose worker is offline, and

- whose claim's lease has run out, or
- that hold no claim, on an item still without a finished transcript (one that has released
  its claim has saved its version).

A run not yet labelled with its worker is dead only after ``STARTUP_LEASES`` leases without
a claim.

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
    worker: str | None = None  # the worker that took it, once it has


@dataclass(frozen=True)
class RecoveryPlan:
    crash: list[RunView]
    resubmit: dict[str, str]  # item id: the run it replaces (its latest crashed run)
    given_up: list[str]


@dataclass(frozen=True)
class Liveness:
    claims: dict[str, datetime]  # run id: when its claim's lease runs out
    online_workers: set[str]
    pending: set[str]  # items without a finished transcript
    now: datetime
    lease: timedelta

    def is_dead(self, run: RunView) -> bool:
        if run.state not in WORKING or run.worker in self.online_workers:
            return False
        expires = self.claims.get(run.run_id)
        if expires is not None:
            return expires <= self.now
        if run.item_id not in self.pending:
            return False
        return run.worker is not None or self.now - run.since > self.lease * STARTUP_LEASES


def recovery_plan(active: list[RunView], crashed: list[RunView], live: Liveness) -> RecoveryPlan:
    """``active``: scheduled, pending and running runs; ``crashed``: recent crashed runs."""
    pending = live.pending
    dead = [run for run in active if live.is_dead(run)]
    dead_ids = {run.run_id for run in dead}
    still_active = {run.item_id for run in active if run.run_id not in dead_ids}
    crashes: dict[str, int] = {}
    latest: dict[str, RunView] = {}
    for run in [*crashed, *dead]:
        crashes[run.item_id] = crashes.get(run.item_id, 0) + 1
        if run.item_id not in latest or run.since > latest[run.item_id].since:
            latest[run.item_id] = run
    orphaned = sorted(item for item in crashes if item in pending and item not in still_active)
    return RecoveryPlan(
        crash=dead,
        resubmit={i: latest[i].run_id for i in orphaned if crashes[i] < MAX_CRASHES},
        given_up=[i for i in orphaned if crashes[i] >= MAX_CRASHES],
    )
