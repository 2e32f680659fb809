"""Upload jobs on SQLAlchemy: recorded when the files are on disk, updated by their runner.

A job is claimed by one conditional ``UPDATE`` (``claim``), so two web processes or pool
workers never both ingest it: PostgreSQL re-checks the condition once the first update
commits, and SQLite runs them one after the other (BEGIN IMMEDIATE, ``storage.database``).
A claim is kept alive by a heartbeat; one silent for longer than the lease is taken over.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, or_, select, update
from sqlalchemy.orm import sessionmaker

from evidence.errors import Conflict, NotFound
from evidence.ingest_report import IngestReport
from evidence.leases import stale_before
from evidence.model import utcnow
from evidence.upload_job import JobStatus, UploadJob
from storage.upload_tables import UploadJobRow


def _job(row: UploadJobRow) -> UploadJob:
    return UploadJob(
        id=row.id,
        user=row.user_name,
        officer_id=row.officer_id,
        received_at=row.received_at,
        dock=row.dock,
        files=list(row.files),
        kind=row.kind,
        incident=row.incident,
        status=JobStatus(row.status),
        started_at=row.started_at,
        finished_at=row.finished_at,
        report=row.report,
        reason=row.reason,
        attempts=row.attempts or 0,
    )


class UploadJobs:
    def __init__(self, engine: Engine, lease_seconds: int = 300) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.lease_seconds = lease_seconds

    def record(
        self,
        job_id: str,
        user: str,
        officer_id: str | None,
        dock: Path,
        files: list[str],
        kind: str | None,
        incident: str | None,
        queued_by: str | None = None,
    ) -> UploadJob:
        """A job for files now fully received into ``dock``, waiting for ingest.

        ``queued_by``: the process that queues it at once, so no other takes it meanwhile.
        """
        row = UploadJobRow(
            id=job_id,
            user_name=user,
            officer_id=officer_id,
            received_at=utcnow(),
            dock=str(dock),
            files=files,
            kind=kind,
            incident=incident,
            status=JobStatus.RECEIVED.value,
            queued_by=queued_by,
            queued_at=utcnow() if queued_by else None,
            attempts=0,
        )
        with self.sessions.begin() as session:
            session.add(row)
        return _job(row)

    def get(self, job_id: str) -> UploadJob | None:
        with self.sessions() as session:
            row = session.get(UploadJobRow, job_id)
            return _job(row) if row else None

    def newest(self, user: str | None, limit: int) -> list[UploadJob]:
        """Newest first; every user's when ``user`` is None."""
        query = select(UploadJobRow).order_by(UploadJobRow.received_at.desc()).limit(limit)
        if user is not None:
            query = query.where(UploadJobRow.user_name == user)
        with self.sessions() as session:
            return [_job(row) for row in session.scalars(query)]

    def requeue(self, owner: str) -> list[UploadJob]:
        """Jobs a stopped server left unfinished that ``owner`` now queues, oldest first.

        A job is taken for queueing only if no process queued it within the lease and no
        runner holding it has sent a heartbeat within the lease; another process starting
        at the same moment gets the others (or none).
        """
        now = utcnow()
        stale = stale_before(now, self.lease_seconds)
        query = (
            select(UploadJobRow.id)
            .where(self._waiting(stale), self._unqueued(stale))
            .order_by(UploadJobRow.received_at)
        )
        with self.sessions() as session:
            candidates = list(session.scalars(query))
        taken = []
        for job_id in candidates:
            with self.sessions.begin() as session:
                won = session.execute(
                    update(UploadJobRow)
                    .where(UploadJobRow.id == job_id, self._waiting(stale), self._unqueued(stale))
                    .values(queued_by=owner, queued_at=now)
                )
                if won.rowcount == 1:  # type: ignore[attr-defined]
                    taken.append(_job(session.get_one(UploadJobRow, job_id)))
        return taken

    def claim(self, job_id: str, owner: str) -> UploadJob | None:
        """Mark the job ingesting by ``owner``; None if finished, gone, or held by a live runner."""
        now = utcnow()
        with self.sessions.begin() as session:
            won = session.execute(
                update(UploadJobRow)
                .where(
                    UploadJobRow.id == job_id, self._waiting(stale_before(now, self.lease_seconds))
                )
                .values(
                    status=JobStatus.INGESTING.value,
                    claimed_by=owner,
                    heartbeat_at=now,
                    started_at=now,
                    attempts=UploadJobRow.attempts + 1,
                )
            )
            if won.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return _job(session.get_one(UploadJobRow, job_id))

    def heartbeat(self, job_id: str, owner: str) -> bool:
        return self._held_update(job_id, owner, heartbeat_at=utcnow())

    def retry(self, job_id: str) -> UploadJob:
        """A failed job back to ``received``, to be claimed and ingested again."""
        with self.sessions.begin() as session:
            row = session.get(UploadJobRow, job_id, with_for_update=True)
            if row is None:
                raise NotFound(f"upload {job_id}: not found")
            if row.status != JobStatus.FAILED.value:
                raise Conflict(
                    f"upload {job_id}: {row.status}, not failed; only a failed job is retried"
                )
            row.status, row.queued_by, row.queued_at = JobStatus.RECEIVED.value, None, None
            row.claimed_by, row.heartbeat_at, row.finished_at = None, None, None
            return _job(row)

    def finish(self, job_id: str, owner: str, report: IngestReport) -> bool:
        return self._end(job_id, owner, JobStatus.DONE, report=report)

    def fail(self, job_id: str, owner: str, reason: str) -> bool:
        return self._end(job_id, owner, JobStatus.FAILED, reason=reason)

    @staticmethod
    def _waiting(stale: object) -> Any:
        """Received, or ingesting by a runner silent since ``stale`` (or one from before claims
        had heartbeats)."""
        return or_(
            UploadJobRow.status == JobStatus.RECEIVED.value,
            and_(
                UploadJobRow.status == JobStatus.INGESTING.value,
                or_(UploadJobRow.heartbeat_at.is_(None), UploadJobRow.heartbeat_at < stale),
            ),
        )

    @staticmethod
    def _unqueued(stale: object) -> Any:
        return or_(UploadJobRow.queued_at.is_(None), UploadJobRow.queued_at < stale)

    def _held_update(self, job_id: str, owner: str, **values: Any) -> bool:
        with self.sessions.begin() as session:
            changed = session.execute(
                update(UploadJobRow)
                .where(
                    UploadJobRow.id == job_id,
                    UploadJobRow.claimed_by == owner,
                    UploadJobRow.status == JobStatus.INGESTING.value,
                )
                .values(**values)
            )
            return bool(changed.rowcount == 1)  # type: ignore[attr-defined]

    def _end(
        self,
        job_id: str,
        owner: str,
        status: JobStatus,
        report: IngestReport | None = None,
        reason: str | None = None,
    ) -> bool:
        """Finish a job ``owner`` still holds; False if another runner took it over."""
        return self._held_update(
            job_id, owner, status=status.value, finished_at=utcnow(), report=report, reason=reason
        )
