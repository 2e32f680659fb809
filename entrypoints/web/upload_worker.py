"""Upload jobs ingested in the background: in this process's own thread, or on the work pool.

A job is recorded (and marked queued by this process) before the upload is answered, so a
server that stops (or dies) with jobs queued or half ingested loses none: at start-up
``resume`` queues again the jobs no live process holds, a job being taken by one process
only (``UploadJobs.requeue``). Whoever runs a job claims it first (``flows.upload``), so
even a job queued twice is ingested once; ingest is idempotent besides.

Runner: ``EVIDENCE_UPLOAD_RUNNER=thread`` ingests here, one job at a time; ``pool`` submits
each job as a run of the ``ingest-upload`` deployment, so any number of web processes can
run behind a proxy while the pool's workers ingest; ``auto`` (the default) uses the pool
when a Prefect server is configured and has that deployment, else this process.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from entrypoints.prefect_env import prepare, run_flow
from entrypoints.web.upload_sweep import sweep_partial_uploads
from evidence.leases import runner_name
from storage.bootstrap import Services

logger = logging.getLogger(__name__)


class UploadWorker:
    """One job at a time: transcription is CPU-bound and the flow already fans out."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.jobs = services.upload_jobs()
        self.owner = runner_name("web")
        self.on_pool: bool | None = None  # decided at start-up, or at the first job
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, job_id: str) -> None:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="upload-ingest")
            future = self._executor.submit(self.run, job_id)
        future.add_done_callback(_log_crash)

    def resume(self) -> list[str]:
        """Sweep what a crash mid-request left; queue the jobs no live process holds."""
        sweep_partial_uploads(self.services, self.jobs)
        resumed = [job.id for job in self.jobs.requeue(self.owner)]
        for job_id in resumed:
            logger.info("upload %s: left unfinished by a stopped server; ingesting again", job_id)
            self.submit(job_id)
        return resumed

    def stop(self) -> None:
        """Take no more jobs; queued ones are taken again once their queueing is stale."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def run(self, job_id: str) -> None:
        """Submit the job to the pool, or (no pool, or the submission failed) ingest it here."""
        prepare()
        if self._uses_pool():
            try:
                _submit_to_pool(job_id)
                return
            except Exception:
                logger.exception("upload %s: not submitted to the pool; ingesting here", job_id)
        from flows.upload import ingest_upload

        run_flow(ingest_upload, job_id=job_id)

    def _uses_pool(self) -> bool:
        if self.on_pool is None:
            self.on_pool = pool_configured(self.services.settings.upload_runner)
            logger.info("upload jobs run %s", "on the pool" if self.on_pool else "in this process")
        return self.on_pool


def pool_configured(runner: str) -> bool:
    """Whether upload jobs go to the pool: asked for, or a server that has the deployment."""
    if runner == "thread" or (runner == "auto" and not os.environ.get("PREFECT_API_URL")):
        return False
    if runner == "pool":
        return True
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    from flows.upload import DEPLOYMENT

    try:
        with get_client(sync_client=True) as client:
            client.read_deployment_by_name(DEPLOYMENT)
    except ObjectNotFound:
        return False
    except Exception:
        logger.warning("Prefect server not answering; upload jobs run in this process")
        return False
    return True


def _submit_to_pool(job_id: str) -> None:
    from flows.runs import submit
    from flows.upload import DEPLOYMENT

    submit(DEPLOYMENT, {"job_id": job_id})


def _log_crash(future: Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("upload worker: a job could not be run", exc_info=future.exception())
