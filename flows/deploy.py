"""Register the evidence flows with a Prefect server, for workers on the ``evidence`` pool.

    evidence deploy [--source DIR]            (or: python -m flows.deploy)

Deployments: ingest of a dock (``evidence ingest DOCK --submit``), transcription of one item
(submitted by ingest, one run per item, so any worker can take any item), the nightly fixity
audit, the hourly signed checkpoint of the transparency log, catching up transcription every
15 minutes, recovering the items of workers that died every minute, and the S3 inbox watcher
where ``flows/inbox.py`` is present. It also creates the ``transcription`` global
concurrency limit, so no more items are transcribed at once than the hosts have cores for.
Workers run them with the same EVIDENCE_* settings as everything else.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import Flow, flow, get_client
from prefect.client.schemas.actions import (
    GlobalConcurrencyLimitCreate,
    GlobalConcurrencyLimitUpdate,
    WorkPoolCreate,
)
from prefect.exceptions import ObjectNotFound
from prefect.workers.process import ProcessWorker

from evidence.settings import Settings, get_settings

WORK_POOL = "evidence"
TRANSCRIPTION_LIMIT = "transcription"
SOURCE = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Spec:
    name: str
    cron: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    # Transcription has a queue of its own: a host that should only ingest polls "default".
    work_queue: str | None = None


DEPLOYMENTS = {
    "flows/ingest.py:ingest_dock": Spec("ingest-dock", parameters={"fan_out": True}),
    "flows/transcribe.py:transcribe_item_run": Spec("transcribe-item", work_queue="transcription"),
    "flows/maintenance.py:fixity_audit": Spec("nightly-fixity-audit", "30 2 * * *"),
    "flows/maintenance.py:log_checkpoint": Spec("hourly-log-checkpoint", "0 * * * *"),
    "flows/maintenance.py:transcribe_pending": Spec(
        "transcribe-pending", "*/15 * * * *", {"fan_out": True}
    ),
    "flows/maintenance.py:recover_transcriptions": Spec("transcription-recovery", "* * * * *"),
    # The web app's upload jobs, when it hands them to the pool (flows/upload.py: DEPLOYMENT).
    "flows/upload.py:ingest_upload": Spec("ingest-upload"),
}
# The S3 inbox watcher: it polls the inbox prefix every minute.
OPTIONAL = {"flows/inbox.py:watch_inbox": Spec("inbox-watcher", "* * * * *")}
# The scheduled ones, by entrypoint: (deployment name, cron).
SCHEDULES = {
    entrypoint: (spec.name, spec.cron) for entrypoint, spec in DEPLOYMENTS.items() if spec.cron
}


def transcription_slots(settings: Settings) -> int:
    """Transcriptions at once across the pool: EVIDENCE_TRANSCRIPTION_SLOTS, or as many as fit
    this host's cores at the configured faster-whisper threads each."""
    if settings.transcription_slots:
        return settings.transcription_slots
    threads = settings.whisper_cpu_threads or (os.cpu_count() or 1)
    return max(1, (os.cpu_count() or 1) // threads)


def ensure_work_pool(name: str) -> None:
    """Create the process work pool the workers poll, unless it exists."""
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(
                WorkPoolCreate(name=name, type="process", base_job_template=template)
            )


def ensure_transcription_limit(slots: int) -> None:
    """Create the ``transcription`` global concurrency limit, or set it to ``slots``."""
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(TRANSCRIPTION_LIMIT)
        except ObjectNotFound:
            client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name=TRANSCRIPTION_LIMIT, limit=slots)
            )
            return
        client.update_global_concurrency_limit(
            TRANSCRIPTION_LIMIT, GlobalConcurrencyLimitUpdate(limit=slots)
        )


def deployments(source: Path) -> dict[str, Spec]:
    present = {e: s for e, s in OPTIONAL.items() if (source / e.split(":")[0]).is_file()}
    return {**DEPLOYMENTS, **present}


def deploy_all(
    source: Path = SOURCE, work_pool: str = WORK_POOL, slots: int | None = None
) -> dict[str, Any]:
    """``deploy``, saying what was set up: the deployments' ids and the limit's size."""
    slots = slots or transcription_slots(get_settings())
    return {"deployments": deploy(source, work_pool, slots), "transcription_slots": slots}


def deploy(
    source: Path = SOURCE, work_pool: str = WORK_POOL, slots: int | None = None
) -> dict[str, str]:
    """Create or update the work pool, the concurrency limit and the deployments; returns
    each deployment's id by its ``flow/deployment`` name."""
    ensure_work_pool(work_pool)
    ensure_transcription_limit(slots or transcription_slots(get_settings()))
    ids = {}
    for entrypoint, spec in deployments(source).items():
        # Prefect picks sync or async by whether it thinks it is inside an event loop;
        # this function is synchronous whoever calls it, so say so (_sync).
        loaded: Flow[..., Any] = flow.from_source(  # type: ignore[call-arg,assignment]
            source=str(source), entrypoint=entrypoint, _sync=True
        )
        deployment_id = loaded.deploy(  # type: ignore[call-arg]
            name=spec.name,
            work_pool_name=work_pool,
            work_queue_name=spec.work_queue,
            cron=spec.cron,
            parameters=spec.parameters,
            print_next_steps=False,
            _sync=True,
        )
        ids[f"{loaded.name}/{spec.name}"] = str(deployment_id)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description="Register the evidence flows.")
    parser.add_argument(
        "--source",
        type=Path,
        default=SOURCE,
        help="Folder holding flows/ (the installed package's root by default).",
    )
    parser.add_argument("--work-pool", default=WORK_POOL)
    args = parser.parse_args()
    for deployment_id in deploy(args.source, args.work_pool).values():
        print(deployment_id)


if __name__ == "__main__":
    main()
