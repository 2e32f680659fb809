"""Cases for investigators, shared read-only with CPS lawyers: timeline, links, bundles."""

from __future__ import annotations

import socket
from typing import Annotated, Any

from fastapi import APIRouter, Request, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from entrypoints.web.bundles import bundle_download
from entrypoints.web.context import WebContext, client_address
from entrypoints.web.security import ApiUser, Context
from evidence.access import Permission, Principal, Role
from evidence.cases import validate_urn
from evidence.custody import Actor
from evidence.errors import PermissionDenied
from storage import case_service

router = APIRouter(prefix="/api", tags=["cases"])


class NewCase(BaseModel):
    urn: str = Field(min_length=1, max_length=32)
    title: str = Field(default="", max_length=200)
    incidents: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=50)
    domestic_abuse: bool = False


class NewLinks(BaseModel):
    item_ids: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1, max_length=100)
    exhibit_ref: str | None = Field(default=None, max_length=32)
    reason: str = Field(default="", max_length=500)


class Share(BaseModel):
    user: str = Field(min_length=1, max_length=64)


def web_actor(request: Request, principal: Principal) -> Actor:
    """The custody log's actor for a change made through the web app."""
    return Actor(
        principal.name, f"{socket.gethostname()} (web app, from {client_address(request)})"
    )


def visible_case(context: WebContext, principal: Principal, urn: str) -> str:
    """The case's URN if the principal may see it: every case for investigators, shared for CPS."""
    principal.require(Permission.VIEW_CASES)
    if principal.role is Role.CPS:
        found = validate_urn(urn)
        if found not in context.users.shared_cases(principal.name):
            raise PermissionDenied(f"case {urn}: not shared with {principal.name}", f"case:{found}")
        return found
    return case_service.cases(context.services).get(urn).urn


def visible_cases(
    context: WebContext, request: Request, principal: Principal, details: dict[str, Any]
) -> list[dict[str, Any]]:
    """Every case for investigators, the shared ones for CPS; the listing is audited."""
    principal.require(Permission.VIEW_CASES)
    found = case_service.list_cases(context.services)
    if principal.role is Role.CPS:
        shared = context.users.shared_cases(principal.name)
        found = [case for case in found if case["urn"] in shared]
    listed = {"count": len(found), "cases": [case["urn"] for case in found], **details}
    context.audit(request, principal, "list-cases", "cases", listed)
    return found


@router.get("/cases")
def list_cases(principal: ApiUser, context: Context, request: Request) -> list[dict[str, Any]]:
    return visible_cases(context, request, principal, {})


@router.post("/cases", status_code=status.HTTP_201_CREATED)
def create_case(
    new: NewCase, principal: ApiUser, context: Context, request: Request
) -> dict[str, Any]:
    """Create a case; items already held under its incident numbers are linked at once."""
    principal.require(Permission.MANAGE_CASES)
    case, links = case_service.create_case(
        context.services,
        new.urn,
        web_actor(request, principal),
        title=new.title,
        incidents=new.incidents,
        domestic_abuse=new.domestic_abuse,
    )
    context.audit(request, principal, "create-case", f"case:{case.urn}", {"linked": len(links)})
    return {**case.as_dict(), "links": [link.as_dict() for link in links]}


@router.get("/cases/{urn}")
def show_case(urn: str, principal: ApiUser, context: Context, request: Request) -> Any:
    found = visible_case(context, principal, urn)
    context.audit(request, principal, "view-case", f"case:{found}")
    shown = case_service.show_case(context.services, found)
    shown["shared_with"] = context.users.case_shares(found)
    return shown


@router.post("/cases/{urn}/links", status_code=status.HTTP_201_CREATED)
def link_items(
    urn: str, links: NewLinks, principal: ApiUser, context: Context, request: Request
) -> list[dict[str, Any]]:
    principal.require(Permission.MANAGE_CASES)
    found = visible_case(context, principal, urn)
    made = case_service.link_items(
        context.services,
        found,
        links.item_ids,
        web_actor(request, principal),
        exhibit_ref=links.exhibit_ref,
        reason=links.reason,
    )
    details = {"items": [link.item_id for link in made]}
    context.audit(request, principal, "link-items", f"case:{found}", details)
    return [link.as_dict() for link in made]


@router.get("/cases/{urn}/timeline")
def timeline(
    urn: str, principal: ApiUser, context: Context, request: Request
) -> list[dict[str, Any]]:
    """The exhibits in recorded time, 999 calls and BWV together, with their overlaps."""
    found = visible_case(context, principal, urn)
    context.audit(request, principal, "view-timeline", f"case:{found}")
    return [entry.as_dict() for entry in case_service.case_timeline(context.services, found)]


@router.post("/cases/{urn}/share")
def share_case(
    urn: str, share: Share, principal: ApiUser, context: Context, request: Request
) -> dict[str, Any]:
    """Share a case with a CPS user: they see it, its exhibits, and may download bundles."""
    principal.require(Permission.SHARE_CASES)
    found = visible_case(context, principal, urn)
    context.users.share_case(found, share.user, principal.name)
    context.audit(request, principal, "share-case", f"case:{found}", {"with": share.user})
    return {"urn": found, "shared_with": context.users.case_shares(found)}


@router.post(
    "/cases/{urn}/bundle",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def export_bundle(urn: str, principal: ApiUser, context: Context, request: Request) -> FileResponse:
    """Export the case as a signed CPS bundle and download it as a zip file."""
    return bundle_download(context, request, principal, urn)
