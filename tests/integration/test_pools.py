"""Ingest and transcription on a real pool: a Prefect server on PostgreSQL, two workers.

A 20-file dock is submitted with ``evidence ingest --submit``; the ingest run fans out one
``transcribe-item`` run per item. Once both workers have taken work, one worker and every
flow-run process it started are killed (SIGKILL, by pid) while one of its runs holds an
item's claim: a host lost mid-transcription. The recovery deployment marks that run Crashed
and submits its item again; the backlog completes with every file held once, one transcript
version per item, and never more transcriptions at once than the concurrency limit.

About 2 minutes on 2 cores (server start, 20 short flow-run processes, the recovery).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from entrypoints.sample_dock import speech_wav
from tests.fixtures.cli import Cli
from tests.fixtures.prefect_server import start_worker, stop

pytestmark = pytest.mark.postgres

T = TypeVar("T")
FILES = 20
SLOTS = 2
LEASE = 10.0
LONG = "call-long.wav"
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]


def wait_for(what: str, probe: Callable[[], T | None], timeout: float) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    states = [
        (r.parameters["item_id"][:8], r.name, r.state.name, f"{r.created:%H:%M:%S}")
        for r in transcription_runs()
    ]
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; runs: {states}")


def make_dock(root: Path) -> Path:
    """Short calls, and one long enough (about a minute) to be killed in the middle of."""
    root.mkdir()
    for n in range(FILES - 1):
        speech_wav(f"call {n} {WORDS[n % len(WORDS)]}", root / f"call-{n:02d}.wav")
    speech_wav(" ".join(f"{word} {n}." for n, word in enumerate(WORDS * 3)), root / LONG)
    return root


def max_overlap(intervals: list[tuple[datetime, datetime]]) -> int:
    edges = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def transcription_runs() -> list[Any]:
    from flows.runs import TRANSCRIBE_ITEM, flow_runs

    return [run for _, run in flow_runs([TRANSCRIBE_ITEM])]


def test_two_workers_share_a_dock_and_a_killed_worker_loses_nothing(
    pool_server: str, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from storage.bootstrap import get_services, reset_services
    from tests.fixtures.transcripts import latest_transcript

    def live_claims() -> list[Any]:
        return get_services().transcription_claims().all(live_only=True)

    home = tmp_path / "home"
    env = {
        "EVIDENCE_HOME": str(home),
        "EVIDENCE_DATABASE_URL": postgres_url,
        "EVIDENCE_WHISPER_CPU_THREADS": "1",
        "EVIDENCE_WHISPER_BEAM_SIZE": "1",
        "EVIDENCE_TRANSCRIPTION_LEASE_SECONDS": str(LEASE),
        "EVIDENCE_TRANSCRIPTION_SLOTS": str(SLOTS),
        # A worker is offline after three missed heartbeats: 9 s, not 90.
        "PREFECT_WORKER_HEARTBEAT_SECONDS": "3",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reset_services()
    cli = Cli(home, pool_server, env)
    deployed = cli("deploy", "--json", timeout=120)
    assert deployed.returncode == 0, deployed.stderr
    assert deployed.json()["transcription_slots"] == SLOTS
    _pause_schedules(pool_server, deployed.json()["deployments"])
    dock = make_dock(tmp_path / "dock")

    workers = {
        name: start_worker(pool_server, env, name, tmp_path / f"{name}.log", limit=2)
        for name in ("worker-a", "worker-b")
    }
    try:
        submitted = cli("ingest", str(dock), "--kind", "call", "--submit", "--json")
        assert submitted.returncode == 0, submitted.stderr
        ingest_run = submitted.json()["flow_run_id"]
        long_item = wait_for("the dock ingested", lambda: _item_named(LONG), timeout=240)
        with temporary_settings(updates={PREFECT_API_URL: pool_server}):
            victim = wait_for(
                "both workers to take transcriptions, one holding an item's claim",
                lambda: _victim(
                    get_services().transcription_claims().all(live_only=True), long_item
                ),
                timeout=240,
            )
            victim_worker = victim.labels["prefect.worker.name"]
            _kill_host(victim_worker, workers[victim_worker])
            time.sleep(LEASE + 1)
            recovery = run_deployment(  # type: ignore[call-arg]
                "transcription-recovery/transcription-recovery", timeout=90, _sync=True
            )
            assert recovery.state is not None and recovery.state.is_completed(), recovery.state
            # The deployment runs every minute; in between, run its flow here every few
            # seconds for any other run of the lost host that had not yet claimed its item.
            wait_for("every item transcribed", _all_transcribed, timeout=300)
            # A run saves its transcript before it reports itself completed.
            runs = wait_for(
                "the killed item's new run to end",
                lambda: _once_rerun_ended(victim.parameters["item_id"], victim.id),
                timeout=120,
            )
            listed = cli("runs", "--json", "--limit", "100")
    finally:
        for process in workers.values():
            stop(process)

    # Every file held once, transcribed once.
    services = get_services()
    items = list(services.repo.iter_items())
    assert sorted(i.original_name for i in items) == sorted(p.name for p in dock.iterdir())
    assert len({i.sha256 for i in items}) == FILES
    with services.unit_of_work() as uow:
        versions = {i.id: uow.transcripts.versions(i.id) for i in items}
    assert all(len(v) == 1 and v[0]["status"] == "done" for v in versions.values()), versions

    # The killed run was found crashed and its item run again elsewhere.
    by_id = {str(r.id): r for r in runs}
    killed = by_id[str(victim.id)]
    assert killed.state.type.value == "CRASHED", killed.state
    item = victim.parameters["item_id"]
    again = [r for r in runs if r.parameters["item_id"] == item and r.id != victim.id]
    assert [r.state.type.value for r in again] == ["COMPLETED"], (killed, again)
    assert again[0].labels["prefect.worker.name"] != victim_worker
    # No item was submitted twice but the killed one (and those its worker held then).
    lost = {r.parameters["item_id"] for r in runs if r.state.type.value == "CRASHED"}
    per_item = {i.id: [r for r in runs if r.parameters["item_id"] == i.id] for i in items}
    assert all(len(found) == 1 for i, found in per_item.items() if i not in lost), per_item

    # Both workers did work; the runs and their reports are listed.
    done_by = {r.labels.get("prefect.worker.name") for r in runs if r.state.is_completed()}
    assert done_by == {"worker-a", "worker-b"}
    assert listed.returncode == 0, listed.stderr
    report = {r["id"]: r for r in listed.json()}[ingest_run]
    assert report["state"] == "Completed"
    assert report["report"]["summary"] == f"{FILES} ingested, 0 already held, 0 rejected"

    # Never more transcriptions at once than the limit (from the transcripts' own times).
    provenances = [latest_transcript(services, i.id).provenance for i in items]
    intervals = [
        (datetime.fromisoformat(p["started_at"]), datetime.fromisoformat(p["finished_at"]))
        for p in provenances
    ]
    assert 1 <= max_overlap(intervals) <= SLOTS


def _pause_schedules(api_url: str, deployments: dict[str, str]) -> None:
    """The test runs recovery itself: scheduled runs (every minute) would only compete with
    the transcriptions for the two cores."""
    from uuid import UUID

    from prefect import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.deploy import DEPLOYMENTS

    scheduled = {spec.name for spec in DEPLOYMENTS.values() if spec.cron}
    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        get_client(sync_client=True) as client,
    ):
        for name, deployment_id in deployments.items():
            if name.split("/")[1] in scheduled:
                client.pause_deployment(UUID(deployment_id))


def _once_rerun_ended(item_id: str, killed: Any) -> list[Any] | None:
    """Every transcription run, once the runs that took the killed run's item over have all
    reached a final state."""
    runs = transcription_runs()
    again = [r for r in runs if r.parameters["item_id"] == item_id and r.id != killed]
    return runs if again and all(r.state.is_final() for r in again) else None


def _all_transcribed() -> bool:
    from flows.recovery import recover_transcriptions
    from storage.bootstrap import get_services
    from tests.fixtures.transcripts import pending_item_ids

    services = get_services()
    if len(list(services.repo.iter_items())) == FILES and not pending_item_ids(services):
        return True
    recover_transcriptions.fn()
    time.sleep(2)
    return False


def _item_named(name: str) -> str | None:
    from storage.bootstrap import get_services

    found = [i.id for i in get_services().repo.iter_items() if i.original_name == name]
    return found[0] if found else None


def _victim(live_claims: list[Any], item_id: str) -> Any:
    """The run of the long item, holding its claim, once both workers have finished a run."""
    runs = transcription_runs()
    done = {r.labels.get("prefect.worker.name") for r in runs if r.state.is_completed()}
    if done != {"worker-a", "worker-b"}:
        return None
    holders = {claim.holder for claim in live_claims if claim.item_id == item_id}
    running = [r for r in runs if r.state.type.value == "RUNNING" and str(r.id) in holders]
    return running[0] if running else None


def _kill_host(name: str, worker: Any) -> None:
    """SIGKILL the worker and every flow-run process it started, by pid: a host lost."""
    os.kill(worker.pid, signal.SIGKILL)
    for run in transcription_runs():
        if run.labels.get("prefect.worker.name") == name and run.infrastructure_pid:
            pid = int(str(run.infrastructure_pid).rsplit(":", 1)[-1])
            if not run.state.is_final():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)  # the run's process and its ffmpeg
    worker.wait(timeout=10)
