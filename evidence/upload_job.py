"""An officer's web upload as a job: received, then ingested in the background.

The request that carries the files ends once they are on disk and the job is recorded;
ingest (and transcription) of a shift's dock takes minutes, so it runs afterwards and the
job's status and report are what the uploader follows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from evidence.access import Principal, Role
from evidence.errors import NotFound, PermissionDenied
from evidence.ingest_report import IngestReport, ingest_report
from evidence.model import iso_utc


class JobStatus(StrEnum):
    RECEIVED = "received"
    INGESTING = "ingesting"
    DONE = "done"
    FAILED = "failed"


UNFINISHED = (JobStatus.RECEIVED, JobStatus.INGESTING)
ALREADY_HELD = "already held"


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
    attempts: int = 0

    @property
    def status_url(self) -> str:
        return f"/api/uploads/{self.id}"

    def as_dict(self) -> dict[str, Any]:
        """The job as the uploader sees it (the server's dock path stays on the server)."""

        def when(moment: datetime | None) -> str | None:
            return iso_utc(moment) if moment else None

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
            "attempts": self.attempts,
            "status_url": self.status_url,
        }


def sees_every_upload(principal: Principal) -> bool:
    return principal.role in (Role.INVESTIGATOR, Role.ADMIN, Role.CONSOLE)


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


def uploader_report(outcomes: list[dict[str, Any]], visible: Callable[[str], bool]) -> IngestReport:
    """The ingest report as the uploader may read it: no item they may not see is named.

    A duplicate of such an item is reported as already held, and a changed copy of one as
    conflicting with an item held, both without the item's id or digest; the item's custody
    log records the presentation all the same (``presented-again``, ``changed-copy-presented``).
    """
    shown = []
    for outcome in outcomes:
        if outcome["status"] == "duplicate" and not visible(outcome["id"]):
            outcome = {**outcome, "id": None, "sha256": None, "note": ALREADY_HELD}
        held = (outcome.get("details") or {}).get("held_item")
        if outcome["status"] == "rejected" and held and not visible(held):
            outcome = {
                **outcome,
                "reason": f"{outcome['path']}: conflicts with an item held (the same name, "
                "device and recording time, different bytes); this copy is quarantined and "
                "the original is kept",
            }
        shown.append(outcome)
    return ingest_report(shown)
