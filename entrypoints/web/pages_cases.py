"""Case pages: the list, and one case with its timeline, exhibits, sharing and export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from entrypoints.web.api_cases import visible_case, visible_cases
from entrypoints.web.bundles import bundle_download
from entrypoints.web.pages import render
from entrypoints.web.security import Context, PageCaller, PageSession, Uow
from evidence.access import Permission
from evidence.cases import TimelineEntry
from evidence.services import users
from storage import case_service

router = APIRouter(include_in_schema=False)

MIN_BAR_PERCENT = 0.8


def timeline_axis(entries: list[TimelineEntry]) -> dict[str, Any]:
    """Where each dated exhibit sits on one shared time axis, as percentages."""
    dated = [entry for entry in entries if entry.start and entry.end]
    if not dated:
        return {"rows": [], "start": None, "end": None}
    first = min(entry.start for entry in dated if entry.start)
    last = max(entry.end for entry in dated if entry.end)
    span = max((last - first).total_seconds(), 1.0)
    rows = []
    for entry in dated:
        assert entry.start and entry.end
        left = (entry.start - first).total_seconds() / span * 100
        width = (entry.end - entry.start).total_seconds() / span * 100
        rows.append({"entry": entry, "left": left, "width": max(width, MIN_BAR_PERCENT)})
    return {"rows": rows, "start": first, "end": last}


@router.get("/cases")
def cases_page(request: Request, context: Context, session: PageSession) -> Response:
    found = visible_cases(context, request, session[0], {"page": True})
    return render(request, context, "cases.html", session, {"cases": found})


@router.get("/cases/{urn}")
def case_page(
    urn: str,
    request: Request,
    context: Context,
    uow: Uow,
    session: PageSession,
    caller: PageCaller,
) -> Response:
    principal = session[0]
    found = visible_case(context, principal, urn)
    context.audit(request, principal, "view-case", f"case:{found}", {"page": True})
    entries = case_service.case_timeline(context.services, found)
    values = {
        "case": case_service.show_case(context.services, found),
        "timeline": entries,
        "axis": timeline_axis(entries),
        "shared_with": context.users.case_shares(found),
        "cps_users": users.cps_users(uow, caller),
    }
    return render(request, context, "case.html", session, values)


@router.post("/cases/{urn}/bundle")
def case_bundle(
    urn: str,
    request: Request,
    context: Context,
    session: PageSession,
) -> Response:
    return bundle_download(context, request, session[0], urn)


@router.post("/cases/{urn}/share")
def case_share(
    urn: str,
    request: Request,
    context: Context,
    session: PageSession,
    user: Annotated[str, Form(max_length=64)],
) -> Response:
    principal = session[0]
    principal.require(Permission.SHARE_CASES)
    found = visible_case(context, principal, urn)
    context.users.share_case(found, user, principal.name)
    context.audit(request, principal, "share-case", f"case:{found}", {"with": user})
    return RedirectResponse(f"/cases/{found}", status_code=303)
