"""An officer's web upload ingested: in the web process's own thread, or on the work pool.

``ingest_upload`` claims the job (a conditional update: never two runners for one job),
keeps the claim alive with a heartbeat, runs the same ingest flow (and transcription) as
``evidence ingest`` with the uploader's options, and records the report as the uploader may
read it. Deploy it as ``flows/upload.py:ingest_upload`` (deployment ``ingest-upload``) for
the web app's pool runner; the pool's workers must see the web app's EVIDENCE_HOME/uploads.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow

from evidence.access import Principal, Role, may_view_item
from evidence.errors import EvidenceError
from evidence.ingest_report import IngestReport
from evidence.leases import Heartbeat, beat_interval, runner_name
from evidence.upload_job import UploadJob, uploader_report
from flows.ingest import ingest_dock
from storage.bootstrap import Services, get_services
from storage.upload_repository import UploadJobs

logger = logging.getLogger(__name__)

DEPLOYMENT = "ingest-upload/ingest-upload"


def upload_jobs(services: Services) -> UploadJobs:
    return services.upload_jobs()


@flow(name="ingest-upload", log_prints=False)
def ingest_upload(job_id: str) -> IngestReport | None:
    """Ingest one upload job unless another runner holds it; returns its report if run here."""
    services = get_services()
    jobs = upload_jobs(services)
    owner = runner_name("upload")
    job = jobs.claim(job_id, owner)
    if job is None:
        logger.info("upload %s: finished or held by another runner; nothing to do", job_id)
        return None
    dock = Path(job.dock)
    if not dock.is_dir():
        jobs.fail(
            job.id, owner, "the received files are no longer on the server; upload them again"
        )
        return None
    beat = Heartbeat(
        lambda: jobs.heartbeat(job.id, owner),
        beat_interval(services.settings.job_lease_seconds),
        f"upload {job.id}",
    )
    try:
        with beat:
            outcomes = _ingest(job)
    except Exception as exc:  # the job records why; the runner carries on with the next
        logger.exception("upload %s: ingest stopped", job.id)
        cause = str(exc) if isinstance(exc, EvidenceError) else f"{type(exc).__name__}: {exc}"
        jobs.fail(
            job.id,
            owner,
            f"ingest stopped ({cause}); the received files are kept on the server; "
            f"`evidence upload retry {job.id}` ingests them again",
        )
        return None
    report = uploader_report(outcomes, _visible_to(services, job))
    if jobs.finish(job.id, owner, report):
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(dock)
    return report


def _ingest(job: UploadJob) -> list[dict[str, Any]]:
    outcomes: list[dict[str, Any]] = ingest_dock(
        root=job.dock,
        kind=job.kind,
        officer=job.officer_id,
        incident=job.incident,
        batch=job.id[:12],
        uploaded_by_officer=True,
    )
    return outcomes


def _visible_to(services: Services, job: UploadJob) -> Callable[[str], bool]:
    """Whether the job's uploader (an officer: only officers upload) may see an item."""
    uploader = Principal(job.user, Role.OFFICER, job.officer_id)
    return lambda item_id: may_view_item(uploader, services.repo.get_item(item_id))
