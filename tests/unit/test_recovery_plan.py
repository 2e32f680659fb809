"""Which transcription runs are dead and which items to submit again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evidence.recovery import (
    MAX_CRASHES,
    STARTUP_LEASES,
    Liveness,
    RecoveryPlan,
    RunView,
    recovery_plan,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=120)
EXPIRED, LIVE = NOW - timedelta(seconds=1), NOW + timedelta(seconds=30)


def run(
    run_id: str, item: str, state: str = "RUNNING", ago: float = 600, worker: str | None = "w1"
) -> RunView:
    return RunView(run_id, item, state, NOW - timedelta(seconds=ago), worker)


def plan(
    active: list[RunView],
    crashed: list[RunView] | None = None,
    claims: dict[str, datetime] | None = None,
    pending: set[str] | None = None,
    online: set[str] | None = None,
) -> RecoveryPlan:
    crashed = crashed or []
    items = {r.item_id for r in [*active, *crashed]} if pending is None else pending
    live = Liveness(claims or {}, online or set(), items, NOW, LEASE)
    return recovery_plan(active, crashed, live)


def test_a_run_of_an_offline_worker_whose_claim_expired_is_crashed_and_resubmitted() -> None:
    result = plan([run("r1", "i1")], claims={"r1": EXPIRED})
    assert [r.run_id for r in result.crash] == ["r1"]
    assert result.resubmit == {"i1": "r1"}


def test_a_run_of_an_online_worker_is_left_to_its_worker() -> None:
    # A live worker reports a run whose process died as Crashed itself.
    assert plan([run("r1", "i1")], claims={"r1": EXPIRED}, online={"w1"}).crash == []
    assert plan([run("r1", "i1")], online={"w1"}).crash == []


def test_a_run_still_renewing_its_claim_is_alive_even_if_its_worker_is_not() -> None:
    # The worker process died, but the flow-run process it started carries on.
    result = plan([run("r1", "i1", ago=86400)], claims={"r1": LIVE})
    assert result.crash == [] and result.resubmit == {}


def test_an_unclaimed_run_of_an_offline_worker_is_dead_if_its_item_is_pending() -> None:
    assert [r.run_id for r in plan([run("r1", "i1", ago=1)]).crash] == ["r1"]
    # One that released its claim after saving the transcript is about to report.
    assert plan([run("r1", "i1", ago=3600)], pending=set()).crash == []


def test_a_run_no_worker_has_labelled_is_dead_only_after_the_startup_leases() -> None:
    grace = (LEASE * STARTUP_LEASES).total_seconds()
    starting = run("r1", "i1", "PENDING", ago=grace - 1, worker=None)
    stuck = run("r2", "i2", "PENDING", ago=grace + 1, worker=None)
    result = plan([starting, stuck])
    assert [r.run_id for r in result.crash] == ["r2"]
    assert result.resubmit == {"i2": "r2"}


def test_scheduled_runs_are_never_dead() -> None:
    assert plan([run("r1", "i1", "SCHEDULED", ago=86400, worker=None)]).crash == []


def test_an_item_another_run_is_working_on_is_not_submitted_twice() -> None:
    dead, waiting = run("r1", "i1"), run("r2", "i1", "SCHEDULED", ago=5, worker=None)
    result = plan([dead, waiting], claims={"r1": EXPIRED})
    assert [r.run_id for r in result.crash] == ["r1"]
    assert result.resubmit == {}


def test_a_crashed_run_of_a_pending_item_is_submitted_again_once_nothing_works_on_it() -> None:
    older, newer = run("r1", "i1", "CRASHED", ago=900), run("r2", "i1", "CRASHED", ago=300)
    assert plan([], crashed=[older, newer]).resubmit == {"i1": "r2"}
    assert plan([], crashed=[newer], pending=set()).resubmit == {}


def test_an_item_that_keeps_crashing_is_given_up() -> None:
    crashed = [run(f"r{n}", "i1", "CRASHED") for n in range(MAX_CRASHES)]
    result = plan([], crashed=crashed)
    assert result.resubmit == {} and result.given_up == ["i1"]
