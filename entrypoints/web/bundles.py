"""Bundle download, for the API and the case page alike: export, zip, send, clean up."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from entrypoints.web.context import WebContext
from evidence.services.bundles import export_case_bundle
from evidence.services.caller import Caller


def bundle_download(context: WebContext, caller: Caller, urn: str) -> FileResponse:
    """The case's bundle as a zip file; the working folder goes once the answer is sent."""
    services = context.services
    work = services.settings.resolved_home / "exports" / uuid.uuid4().hex
    try:
        bundle = export_case_bundle(
            services.unit_of_work(),
            caller,
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
