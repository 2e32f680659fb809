"""Bundle download, for the API and the case page alike: export, zip, send, clean up."""

from __future__ import annotations

import shutil
import socket
import uuid
from pathlib import Path

from fastapi import Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from entrypoints.web.context import WebContext, client_address
from evidence.access import Principal
from evidence.services.bundles import export_case_bundle
from evidence.services.caller import Caller


def web_caller(request: Request, principal: Principal) -> Caller:
    """The principal, their address, and this host as the custody log has always named it."""
    address = client_address(request)
    return Caller(principal, address, host=f"{socket.gethostname()} (web app, from {address})")


def bundle_download(
    context: WebContext, request: Request, principal: Principal, urn: str
) -> FileResponse:
    """The case's bundle as a zip file; the working folder goes once the answer is sent."""
    services = context.services
    work = services.settings.resolved_home / "exports" / uuid.uuid4().hex
    try:
        bundle = export_case_bundle(
            services.unit_of_work(),
            web_caller(request, principal),
            services.installation(),
            urn,
            work,
        )
        archive = shutil.make_archive(str(work / bundle.name), "zip", bundle.parent, bundle.name)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(
        Path(archive),
        media_type="application/zip",
        filename=Path(archive).name,
        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True),
    )
