"""Upload jobs ingested in the background, one at a time, inside the web server's process.

A job is recorded before the upload is answered, so a server that stops (or dies) with
jobs queued or half ingested loses none: at start-up ``resume`` queues every job still
``received`` or ``ingesting`` again. Ingest is idempotent (an object or item already held
is found by its digest and reported as already held), so a rerun finishes the batch
without duplicates.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from entrypoints.prefect_env import prepare, run_flow
from entrypoints.web.uploads import discard
from evidence.access import Principal, Role, may_view_item
from evidence.errors import EvidenceError
from evidence.upload_job import UploadJob, uploader_report
from storage.bootstrap import Services
from storage.upload_repository import UploadJobs

logger = logging.getLogger(__name__)


class UploadWorker:
    """One ingest at a time: transcription is CPU-bound and the flow already fans out."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.jobs = UploadJobs(services.engine)
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, job_id: str) -> None:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="upload-ingest")
            future = self._executor.submit(self.run, job_id)
        future.add_done_callback(_log_crash)

    def resume(self) -> list[str]:
        """Queue again the jobs a stopped server left received or ingesting."""
        resumed = [job.id for job in self.jobs.unfinished()]
        for job_id in resumed:
            logger.info("upload %s: left unfinished by a stopped server; ingesting again", job_id)
            self.submit(job_id)
        return resumed

    def stop(self) -> None:
        """Take no more jobs; queued ones stay ``received`` for the next start-up."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def run(self, job_id: str) -> None:
        job = self.jobs.start(job_id)
        if job is None:
            return
        dock = Path(job.dock)
        if not dock.is_dir():
            self.jobs.fail(
                job.id, "the received files are no longer on the server; upload them again"
            )
            return
        try:
            outcomes = ingest(job)
        except Exception as exc:  # the job records why; the server carries on with the next
            logger.exception("upload %s: ingest stopped", job.id)
            cause = str(exc) if isinstance(exc, EvidenceError) else f"{type(exc).__name__}: {exc}"
            self.jobs.fail(
                job.id,
                f"ingest stopped ({cause}); the received files are kept on the server "
                "for an administrator to ingest again",
            )
            return
        self.jobs.finish(job.id, uploader_report(outcomes, self._visible_to(job)))
        discard(dock)

    def _visible_to(self, job: UploadJob) -> Callable[[str], bool]:
        """Whether the job's uploader (an officer: only officers upload) may see an item."""
        uploader = Principal(job.user, Role.OFFICER, job.officer_id)
        return lambda item_id: may_view_item(uploader, self.services.repo.get_item(item_id))


def ingest(job: UploadJob) -> list[dict[str, Any]]:
    """The same flow (and transcription) as ``evidence ingest``, with the uploader's options."""
    prepare()
    from flows.ingest import ingest_dock

    outcomes: list[dict[str, Any]] = run_flow(
        ingest_dock,
        root=job.dock,
        kind=job.kind,
        officer=job.officer_id,
        incident=job.incident,
        batch=job.id[:12],
        uploaded_by_officer=True,
    )
    return outcomes


def _log_crash(future: Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("upload worker: a job could not be run", exc_info=future.exception())
