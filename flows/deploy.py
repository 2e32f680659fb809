"""Register the scheduled flows with a Prefect server, for a worker on the ``evidence`` pool.

    PREFECT_API_URL=http://prefect-server:4200/api python -m flows.deploy [--source DIR]

Deployments: a nightly fixity audit of every item, an hourly signed checkpoint of the
transparency log, and transcription of pending items every 15 minutes. The worker runs them
with the same EVIDENCE_* settings as everything else.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from prefect import Flow, flow, get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.exceptions import ObjectNotFound
from prefect.workers.process import ProcessWorker

WORK_POOL = "evidence"
SCHEDULES = {
    "flows/maintenance.py:fixity_audit": ("nightly-fixity-audit", "30 2 * * *"),
    "flows/maintenance.py:log_checkpoint": ("hourly-log-checkpoint", "0 * * * *"),
    "flows/maintenance.py:transcribe_pending": ("transcribe-pending", "*/15 * * * *"),
}


def ensure_work_pool(name: str) -> None:
    """Create the process work pool the worker polls, unless it exists."""
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(
                WorkPoolCreate(name=name, type="process", base_job_template=template)
            )


def deploy(source: Path, work_pool: str = WORK_POOL) -> list[str]:
    """Create or update the deployments (and the work pool); returns their ids."""
    ensure_work_pool(work_pool)
    ids = []
    for entrypoint, (name, cron) in SCHEDULES.items():
        # Prefect picks sync or async by whether it thinks it is inside an event loop;
        # this function is synchronous whoever calls it, so say so (_sync).
        loaded: Flow[..., Any] = flow.from_source(  # type: ignore[call-arg,assignment]
            source=str(source), entrypoint=entrypoint, _sync=True
        )
        deployment_id = loaded.deploy(  # type: ignore[call-arg]
            name=name, work_pool_name=work_pool, cron=cron, print_next_steps=False, _sync=True
        )
        ids.append(str(deployment_id))
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description="Register the scheduled evidence flows.")
    parser.add_argument(
        "--source",
        type=Path,
        default=Path(__file__).resolve().parents[1],
        help="Folder holding flows/ (the installed package's root by default).",
    )
    parser.add_argument("--work-pool", default=WORK_POOL)
    args = parser.parse_args()
    for deployment_id in deploy(args.source, args.work_pool):
        print(deployment_id)


if __name__ == "__main__":
    main()
