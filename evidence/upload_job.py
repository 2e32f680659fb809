"""An officer's web upload as a job: received, then ingested in the background.

The request that carries the files ends once they are on disk and the job is recorded;
ingest (and transcription) of a shift's dock takes minutes, so it runs afterwards and the
job's status and report are what the uploader follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from evidence.access import Principal, Role
from evidence.errors import NotFound, PermissionDenied
from evidence.ingest_report import IngestReport


class JobStatus(StrEnum):
    RECEIVED = "received"
    INGESTING = "ingesting"
    DONE = "done"
    FAILED = "failed"


UNFINISHED = (JobStatus.RECEIVED, JobStatus.INGESTING)


@dataclass(frozen=True)
class UploadJob:
    id: str
    user: str
    officer_id: str | None
    received_at: datetime
    dock: str
    files: list[str]
    kind: str | None
    incident: str | None
    status: JobStatus
    started_at: datetime | None = None
    finished_at: datetime | None = None
    report: IngestReport | None = None
    reason: str | None = None

    @property
    def status_url(self) -> str:
        return f"/api/uploads/{self.id}"

    def as_dict(self) -> dict[str, Any]:
        """The job as the uploader sees it (the server's dock path stays on the server)."""

        def when(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "id": self.id,
            "status": self.status.value,
            "user": self.user,
            "officer_id": self.officer_id,
            "received_at": when(self.received_at),
            "started_at": when(self.started_at),
            "finished_at": when(self.finished_at),
            "files": self.files,
            "kind": self.kind,
            "incident": self.incident,
            "report": self.report,
            "reason": self.reason,
            "status_url": self.status_url,
        }


def sees_every_upload(principal: Principal) -> bool:
    return principal.role in (Role.INVESTIGATOR, Role.ADMIN)


def require_upload_job(principal: Principal, job: UploadJob | None, requested: str) -> UploadJob:
    """The job if ``principal`` may see it: their own, or any for investigators and admins.

    As for items, only those who see everything learn that an id does not exist; an
    officer gets the same refusal for a missing job and for someone else's.
    """
    if job is not None and (sees_every_upload(principal) or job.user == principal.name):
        return job
    if job is None and sees_every_upload(principal):
        raise NotFound(f"upload {requested}: not found")
    raise PermissionDenied(f"upload {requested}: not available to {principal.name}")
