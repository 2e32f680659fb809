"""Upload jobs on SQLAlchemy: recorded when the files are on disk, updated by the worker."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import sessionmaker

from evidence.ingest_report import IngestReport
from evidence.model import utcnow
from evidence.upload_job import UNFINISHED, JobStatus, UploadJob
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
    )


class UploadJobs:
    def __init__(self, engine: Engine) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def record(
        self,
        job_id: str,
        user: str,
        officer_id: str | None,
        dock: Path,
        files: list[str],
        kind: str | None,
        incident: str | None,
    ) -> UploadJob:
        """A job for files now fully received into ``dock``, waiting for ingest."""
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

    def unfinished(self) -> list[UploadJob]:
        """Jobs received or started but never finished (their server stopped), oldest first."""
        query = (
            select(UploadJobRow)
            .where(UploadJobRow.status.in_([status.value for status in UNFINISHED]))
            .order_by(UploadJobRow.received_at)
        )
        with self.sessions() as session:
            return [_job(row) for row in session.scalars(query)]

    def start(self, job_id: str) -> UploadJob | None:
        """Mark an unfinished job ingesting; None if it is finished (or gone) already."""
        with self.sessions.begin() as session:
            row = session.get(UploadJobRow, job_id, with_for_update=True)
            if row is None or JobStatus(row.status) not in UNFINISHED:
                return None
            row.status, row.started_at = JobStatus.INGESTING.value, utcnow()
            return _job(row)

    def finish(self, job_id: str, report: IngestReport) -> None:
        self._end(job_id, JobStatus.DONE, report=report)

    def fail(self, job_id: str, reason: str) -> None:
        self._end(job_id, JobStatus.FAILED, reason=reason)

    def _end(
        self,
        job_id: str,
        status: JobStatus,
        report: IngestReport | None = None,
        reason: str | None = None,
    ) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(UploadJobRow)
                .where(UploadJobRow.id == job_id)
                .values(status=status.value, finished_at=utcnow(), report=report, reason=reason)
            )
