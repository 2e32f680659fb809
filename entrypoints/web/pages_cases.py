"""Case pages: the list, and one case with its timeline, exhibits, sharing and export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from entrypoints.web.bundles import bundle_download
from entrypoints.web.pages import render
from entrypoints.web.security import Context, PageCaller, PageSession, Uow
from evidence.case_timeline import TimelineEntry
from evidence.services import cases

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
def cases_page(
    request: Request, context: Context, session: PageSession, caller: PageCaller, uow: Uow
) -> Response:
    found = [listing.as_dict() for listing in cases.list_cases(uow, caller, page=True)]
    return render(request, context, "cases.html", session, {"cases": found})


@router.get("/cases/{urn}")
def case_page(
    urn: str,
    request: Request,
    context: Context,
    session: PageSession,
    caller: PageCaller,
    uow: Uow,
) -> Response:
    view = cases.show_case(uow, caller, urn, page=True)
    entries = view.timeline
    values = {
        "case": view.as_dict(),
        "timeline": entries,
        "axis": timeline_axis(entries),
        "shared_with": view.shared_with,
        "cps_users": view.share_candidates,
    }
    return render(request, context, "case.html", session, values)


@router.post("/cases/{urn}/bundle")
def case_bundle(
    urn: str,
    context: Context,
    session: PageSession,
    caller: PageCaller,
) -> Response:
    return bundle_download(context, caller, urn)


@router.post("/cases/{urn}/share")
def case_share(
    urn: str,
    session: PageSession,
    caller: PageCaller,
    uow: Uow,
    user: Annotated[str, Form(max_length=64)],
) -> Response:
    found, _ = cases.share_case(uow, caller, urn, user)
    return RedirectResponse(f"/cases/{found}", status_code=303)
