"""The scheduled flows: a fixity audit run in-process, and deployed to a real worker."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

from evidence.custody import Actor
from evidence.model import EvidenceItem, utcnow
from storage.bootstrap import Services, get_services

ACTOR = Actor("PC4521", "dock-01")


def hold(services: Services, payload: bytes) -> EvidenceItem:
    stored = services.store.put(io.BytesIO(payload))
    item = EvidenceItem(
        id=stored.sha256[:32],
        sha256=stored.sha256,
        size=stored.size,
        kind="call",
        original_name="call.wav",
        source_path="call.wav",
        storage_key=stored.key,
        store_location=stored.location,
        ingested_at=utcnow(),
    )
    return services.repo.add_item(item, [("received", ACTOR, item.sha256, {}, utcnow())])


def test_fixity_audit_checks_every_item_and_names_the_changed_one(
    evidence_home: Path, prefect_api: str
) -> None:
    from flows.maintenance import fixity_audit

    services = get_services()
    intact, changed = hold(services, b"a" * 5000), hold(services, b"b" * 5000)
    stored = evidence_home / "store" / changed.storage_key
    stored.chmod(0o644)
    stored.write_bytes(b"c" * 5000)

    report = fixity_audit()

    assert report["checked"] == 2
    [failure] = report["failed"]
    assert failure["id"] == changed.id
    assert "stored bytes changed" in failure["problems"][0]
    assert services.repo.custody(intact.id)[-1].action == "fixity-checked"
    last = services.repo.custody(changed.id)[-1]
    assert (last.action, last.actor) == ("fixity-failed", "scheduled-fixity-audit")


def test_deployed_audit_runs_on_a_worker(
    evidence_home: Path, prefect_api: str, tmp_path: Path
) -> None:
    from prefect.deployments import run_deployment

    from flows.deploy import SCHEDULES, deploy

    item = hold(get_services(), b"evidence bytes" * 100)
    root = Path(__file__).resolve().parents[2]
    deploy(root, work_pool="evidence-test")
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api,
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "EVIDENCE_HOME": str(evidence_home),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "prefect", "worker", "start", "--pool", "evidence-test"],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "worker.log").open("wb"),
        start_new_session=True,
    )
    try:
        name = SCHEDULES["flows/maintenance.py:fixity_audit"][0]
        # _sync: an earlier test's sync Playwright can leave this thread looking async to
        # Prefect, which would then hand back a coroutine instead of running the deployment.
        run = run_deployment(f"fixity-audit/{name}", timeout=120, _sync=True)  # type: ignore[call-arg]
        assert run.state is not None and run.state.is_completed(), (
            run.state,
            (tmp_path / "worker.log").read_text()[-3000:],
        )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        # The server is the whole session's: leave no deployments (and no schedules firing)
        # for later tests, which decide on the pool by whether a deployment exists.
        remove_deployments("evidence-test")
    last = get_services().repo.custody(item.id)[-1]
    assert (last.action, last.actor) == ("fixity-checked", "scheduled-fixity-audit")


def remove_deployments(pool: str) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import WorkPoolFilter, WorkPoolFilterName

    with get_client(sync_client=True) as client:
        chosen = WorkPoolFilter(name=WorkPoolFilterName(any_=[pool]))
        for deployment in client.read_deployments(work_pool_filter=chosen):
            client.delete_deployment(deployment.id)
