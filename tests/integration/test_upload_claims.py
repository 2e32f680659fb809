"""Upload jobs shared by several web processes and runners, on SQLite and PostgreSQL.

A job is queued by one process and ingested by one runner, however many race for it; a
failed job can be run again from the console; what a crash mid-request left is swept.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from entrypoints.web.upload_sweep import sweep_partial_uploads
from tests.fixtures.accounts import audit_events
from tests.fixtures.cli import Cli
from tests.fixtures.upload_jobs import Uploads, record, wait_for_job

RACERS = 4


def race(action: object, count: int = RACERS) -> list[object]:
    """``action(n)`` in ``count`` threads released together; their results."""
    start = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(n: int) -> None:
        start.wait()
        results[n] = action(n)  # type: ignore[operator]

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_each_job_is_claimed_by_one_runner_and_queued_by_one_process(uploads: Uploads) -> None:
    jobs = [record(uploads, "pc4521", "PC4521", ["a.mp4"]) for _ in range(5)]
    queued = race(lambda n: {job.id for job in uploads.jobs.requeue(f"web-{n}")})
    assert sorted(job for taken in queued for job in taken) == sorted(jobs)  # type: ignore[attr-defined]
    assert uploads.jobs.requeue("late-comer") == []

    claims = race(lambda n: [j for j in jobs if uploads.jobs.claim(j, f"runner-{n}")])
    won = [job for taken in claims for job in taken]  # type: ignore[attr-defined]
    assert sorted(won) == sorted(jobs)
    assert {uploads.jobs.get(j).attempts for j in jobs} == {1}  # type: ignore[union-attr]
    assert uploads.jobs.claim(jobs[0], "late-runner") is None


def test_a_runner_that_lost_its_claim_cannot_finish_the_job(
    uploads: Uploads, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads.reconfigure(monkeypatch, job_lease_seconds="1")
    job = record(uploads, "pc4521", "PC4521", ["a.mp4"])
    assert uploads.jobs.claim(job, "slow") is not None
    assert uploads.jobs.claim(job, "eager") is None
    time.sleep(1.1)
    assert uploads.jobs.claim(job, "eager") is not None
    assert not uploads.jobs.heartbeat(job, "slow")
    assert not uploads.jobs.fail(job, "slow", "too late")
    assert uploads.jobs.finish(job, "eager", {"ingested": []})
    assert uploads.jobs.get(job).status.value == "done"  # type: ignore[union-attr]


def test_two_web_processes_starting_together_ingest_each_left_job_once(
    uploads: Uploads, media: dict[str, Path]
) -> None:
    left = [record(uploads, "pc4521", "PC4521", [f"{n}.mp4"]) for n in range(2)]
    for n, job in enumerate(left):
        (uploads.folder / job / f"{n}.mp4").write_bytes(
            media["short" if n else "long"].read_bytes()
        )

    with ExitStack() as stack:
        clients = race(lambda n: stack.enter_context(uploads.started()), count=2)
        done = [wait_for_job(clients[0], job, uploads.auth("pc4521")) for job in left]  # type: ignore[arg-type]
    assert [job["status"] for job in done] == ["done", "done"]
    assert [job["attempts"] for job in done] == [1, 1]
    assert [len(job["report"]["ingested"]) for job in done] == [1, 1]
    items = uploads.services.repo.list_items()
    assert len(items) == 2
    actions = [e.action for item in items for e in uploads.services.repo.custody(item.id)]
    assert "presented-again" not in actions


def test_partial_bodies_no_job_owns_are_swept_once_quiet(uploads: Uploads) -> None:
    kept_job = record(uploads, "pc4521", "PC4521", ["a.mp4"])
    (uploads.folder / kept_job / "a.mp4").write_bytes(b"received")
    orphan = uploads.folder / ("0" * 32)
    (orphan / "bwv").mkdir(parents=True)
    (orphan / "bwv" / "half.mp4").write_bytes(b"cut short")
    fresh = uploads.folder / ("f" * 32)
    fresh.mkdir()
    (fresh / "arriving.mp4").write_bytes(b"still coming")
    hour_ago = time.time() - 3700
    for path in (*uploads.folder.rglob("*"),):
        if fresh not in (path, *path.parents):
            os.utime(path, (hour_ago, hour_ago), follow_symlinks=False)

    removed = sweep_partial_uploads(uploads.services, uploads.jobs)

    assert removed == [orphan]
    assert not orphan.exists()
    assert (uploads.folder / kept_job / "a.mp4").read_bytes() == b"received"
    assert (fresh / "arriving.mp4").exists()


def test_a_failed_job_is_retried_from_the_console_and_audited(
    uploads: Uploads, media: dict[str, Path], prefect_api: str, database_url: str
) -> None:
    job = record(uploads, "pc4521", "PC4521", ["short.mp4"])
    (uploads.folder / job / "short.mp4").write_bytes(media["short"].read_bytes())
    assert uploads.jobs.claim(job, "crashed")
    assert uploads.jobs.fail(job, "crashed", "ingest stopped (the store was down)")
    home = uploads.services.settings.resolved_home
    cli = Cli(home, prefect_api, {"EVIDENCE_DATABASE_URL": database_url})

    result = cli("upload", "retry", job, "--json")

    assert result.returncode == 0, result.stderr
    retried = result.json()
    assert (retried["status"], retried["attempts"]) == ("done", 2)
    assert [i["path"] for i in retried["report"]["ingested"]] == ["short.mp4"]
    again = cli("upload", "retry", job)
    assert again.returncode == 7 and "done, not failed" in again.stderr
    listed = cli("upload", "list", "--json").json()
    assert [(j["id"], j["status"]) for j in listed] == [(job, "done")]
    events = audit_events(uploads.services.engine, f"upload:{job}")
    assert [(e.action, e.role) for e in events] == [("retry-upload", "console")]
    assert events[0].details["previous_reason"] == "ingest stopped (the store was down)"


def test_on_the_pool_a_job_is_submitted_as_a_deployment_run_that_ingests_it(
    uploads: Uploads, media: dict[str, Path], monkeypatch: pytest.MonkeyPatch, prefect_api: str
) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    from entrypoints.prefect_env import run_flow
    from entrypoints.web.upload_worker import UploadWorker, pool_configured
    from flows.upload import ingest_upload

    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    assert not pool_configured("auto"), "no ingest-upload deployment yet"
    # _sync: an earlier test's sync Playwright can leave this thread looking async to Prefect.
    made = ingest_upload.to_deployment(name="ingest-upload", _sync=True)  # type: ignore[call-arg]
    deployment = made.apply(_sync=True)  # type: ignore[call-arg]
    try:
        assert pool_configured("auto")
        job = record(uploads, "pc4521", "PC4521", ["short.mp4"])
        (uploads.folder / job / "short.mp4").write_bytes(media["short"].read_bytes())

        UploadWorker(uploads.services).run(job)

        assert uploads.jobs.get(job).status.value == "received"  # type: ignore[union-attr]
        only_ours = DeploymentFilter(id=DeploymentFilterId(any_=[deployment]))
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(deployment_filter=only_ours)
        assert [run.parameters for run in runs] == [{"job_id": job}]
        run_flow(ingest_upload, job_id=job)  # what the pool's worker runs
        assert run_flow(ingest_upload, job_id=job) is None, "a second run finds it done"
    finally:
        with get_client(sync_client=True) as client:
            client.delete_deployment(deployment)
    finished = uploads.jobs.get(job)
    assert finished is not None and finished.status.value == "done"
    assert [i["path"] for i in finished.report["ingested"]] == ["short.mp4"]  # type: ignore[index]
    assert finished.attempts == 1
