"""A case's signed CPS bundle as a zip download, for the API and the case page alike.

Stop-gap until the bundles use case (``evidence/services/bundles.py``) takes the export,
its access check and its audit record over: the access check is the cases service's.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from evidence.access import Permission
from evidence.ports import UnitOfWork
from evidence.services.caller import Caller, audit
from evidence.services.case_access import visible_case
from storage.bootstrap import Services
from storage.case_export import export_case_bundle


def bundle_download(services: Services, caller: Caller, uow: UnitOfWork, urn: str) -> FileResponse:
    with uow:
        found = visible_case(uow, caller, urn, Permission.DOWNLOAD_BUNDLES).urn
    work = services.settings.resolved_home / "exports" / uuid.uuid4().hex
    bundle = export_case_bundle(services, found, work, caller.actor)
    archive = Path(shutil.make_archive(str(work / bundle.name), "zip", bundle.parent, bundle.name))
    with uow:
        audit(uow, caller, "export-bundle", f"case:{found}", {"bundle": bundle.name})
        uow.commit()
    return FileResponse(
        archive,
        media_type="application/zip",
        filename=archive.name,
        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True),
    )
