"""Officer uploads: received and answered 202, ingested in the background, followed by id."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from entrypoints.web.security import ApiCaller, Context, Uow
from entrypoints.web.upload_models import UploadJobOut
from entrypoints.web.upload_worker import UploadWorker
from entrypoints.web.uploads import (
    UploadedDock,
    bytes_held,
    check_sidecars,
    discard,
    receive_dock,
)
from evidence.access import Principal
from evidence.errors import InvalidInput
from evidence.model import KINDS
from evidence.services import uploads
from evidence.settings import Settings
from evidence.upload_job import UploadJob
from evidence.upload_rules import BodyAllowance

router = APIRouter(prefix="/api", tags=["uploads"])

MAX_LIST = 500
INCIDENT_LIMIT = 64
MULTIPART_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    "incident": {"type": "string", "maxLength": INCIDENT_LIMIT},
                    "kind": {"type": "string", "enum": ["bwv", "call"]},
                },
                "required": ["files"],
            }
        }
    },
}


def get_worker(request: Request) -> UploadWorker:
    worker: UploadWorker = request.app.state.upload_worker
    return worker


Worker = Annotated[UploadWorker, Depends(get_worker)]


@router.post(
    "/uploads",
    status_code=202,
    responses={
        202: {
            "description": "Received; ingest runs in the background (see Location)",
            "model": UploadJobOut,
        },
        413: {"description": "Larger than EVIDENCE_UPLOAD_MAX_BYTES"},
        507: {"description": "Could take the quarantine past EVIDENCE_QUARANTINE_QUOTA_BYTES"},
    },
    openapi_extra={"requestBody": MULTIPART_BODY},
)
async def upload(
    caller: ApiCaller, uow: Uow, context: Context, worker: Worker, request: Request
) -> JSONResponse:
    """An officer's dock files, streamed to disk; answered once received, ingested after."""
    principal = caller.principal
    uploads.require_uploader(caller)
    settings = context.services.settings
    uploads_root = settings.resolved_home / "uploads"
    allowance = await run_in_threadpool(_allowance, settings, uploads_root)
    dock = await receive_dock(request, uploads_root, allowance)
    try:
        job = await run_in_threadpool(_record, worker, dock, principal)
    except Exception:
        discard(dock.root)
        raise
    worker.submit(job.id)
    await run_in_threadpool(uploads.record_upload, uow, caller, job.id, dock.files)
    return JSONResponse(job.as_dict(), status_code=202, headers={"Location": job.status_url})


def _allowance(settings: Settings, uploads_root: Path) -> BodyAllowance:
    """What one upload may bring now: uploads still on the server may yet be quarantined."""
    used = bytes_held(settings.quarantine_dir, uploads_root)
    return BodyAllowance(settings.upload_max_bytes, settings.quarantine_quota_bytes, used)


def _record(worker: UploadWorker, dock: UploadedDock, principal: Principal) -> UploadJob:
    check_sidecars(dock, principal)
    kind = dock.fields.get("kind") or None
    incident = dock.fields.get("incident") or None
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind {kind!r}: use one of {', '.join(KINDS)}")
    if incident is not None and len(incident) > INCIDENT_LIMIT:
        raise InvalidInput(f"incident {incident[:20]!r}…: at most {INCIDENT_LIMIT} characters")
    return worker.jobs.record(
        dock.root.name,
        principal.name,
        principal.officer_id,
        dock.root,
        dock.files,
        kind,
        incident,
        queued_by=worker.owner,
    )


@router.get("/uploads", response_model=list[UploadJobOut])
def list_uploads(
    caller: ApiCaller,
    uow: Uow,
    worker: Worker,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
) -> list[dict[str, Any]]:
    """The caller's upload jobs (every one for investigators and admins), newest first."""
    return [job.as_dict() for job in uploads.list_uploads(uow, caller, worker.jobs, limit)]


@router.get("/uploads/{job_id}", response_model=UploadJobOut)
def upload_status(job_id: str, caller: ApiCaller, uow: Uow, worker: Worker) -> dict[str, Any]:
    """The job's status and, once done, its ingest report (as ``evidence ingest --json``)."""
    return uploads.upload_status(uow, caller, worker.jobs, job_id).as_dict()
