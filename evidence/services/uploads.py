"""Following upload jobs: their status and the list of them, as each caller may see them.

Recording and running jobs belongs to the upload worker; this is the read side, audited.
"""

from __future__ import annotations

from typing import Protocol

from evidence.access import Permission
from evidence.errors import PermissionDenied
from evidence.ports import UnitOfWork
from evidence.services.caller import Caller, audit
from evidence.services.refusals import refused
from evidence.upload_job import UploadJob, require_upload_job, sees_every_upload


class UploadJobReader(Protocol):
    def get(self, job_id: str) -> UploadJob | None: ...

    def newest(self, user: str | None, limit: int) -> list[UploadJob]:
        """Newest first; every user's when ``user`` is None."""
        ...


class UploadJobRetries(UploadJobReader, Protocol):
    def retry(self, job_id: str) -> UploadJob:
        """A failed job back to ``received`` (``Conflict`` for any other status)."""
        ...


def upload_status(uow: UnitOfWork, caller: Caller, jobs: UploadJobReader, job_id: str) -> UploadJob:
    """The job, if it is the caller's own (or the caller sees every upload)."""
    job = require_upload_job(caller.principal, jobs.get(job_id), job_id)
    with uow:
        audit(uow, caller, "view-upload", f"upload:{job.id}")
        uow.commit()
    return job


def list_uploads(
    uow: UnitOfWork, caller: Caller, jobs: UploadJobReader, limit: int
) -> list[UploadJob]:
    """The caller's upload jobs (every one for investigators and admins), newest first."""
    principal = caller.principal
    found = jobs.newest(None if sees_every_upload(principal) else principal.name, limit)
    with uow:
        audit(uow, caller, "list-uploads", "uploads", {"count": len(found)})
        uow.commit()
    return found


def retry_upload(
    uow: UnitOfWork, caller: Caller, jobs: UploadJobRetries, job_id: str
) -> tuple[UploadJob, UploadJob]:
    """Put a failed job back to be ingested again: for those who see every upload. Returns
    the job as it was and as it is now; the retry is in the audit trail."""
    if not sees_every_upload(caller.principal):
        refusal = PermissionDenied(f"{caller.principal.name} may not retry uploads")
        with uow:
            raise refused(uow, caller, refusal, f"upload:{job_id[:64]}")
    held = require_upload_job(caller.principal, jobs.get(job_id), job_id)
    job = jobs.retry(held.id)
    details = {"attempts": job.attempts, "previous_reason": held.reason}
    with uow:
        audit(uow, caller, "retry-upload", f"upload:{job.id}", details)
        uow.commit()
    return held, job


def require_uploader(caller: Caller) -> str:
    """The collar id an upload is recorded under: only an officer with one may upload."""
    principal = caller.principal
    principal.require(Permission.UPLOAD)
    if not principal.officer_id:
        raise PermissionDenied(
            f"{principal.name}: the account has no collar id, and an upload is recorded as "
            "its uploader's; an administrator must set one first"
        )
    return principal.officer_id


def record_upload(uow: UnitOfWork, caller: Caller, job_id: str, files: list[str]) -> None:
    """The upload, received and queued, in the audit trail under the uploader's collar id."""
    officer = require_uploader(caller)
    with uow:
        audit(uow, caller, "upload", f"officer:{officer}", {"job": job_id, "files": files})
        uow.commit()
