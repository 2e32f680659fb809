"""JSON API for evidence items: list, show, custody and media (with Range)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response, StreamingResponse

from entrypoints.web.context import WebContext
from entrypoints.web.ranges import media_type, parse_range, safe_extension, stream_object
from entrypoints.web.security import ApiUser, Context
from evidence.access import Permission, Principal, Role, require_item
from evidence.errors import InvalidInput, NotFound
from evidence.model import EvidenceItem

router = APIRouter(prefix="/api", tags=["items"])

MAX_LIST = 500
MAX_AUDITED_RANGE = 100


def visible_item(context: WebContext, principal: Principal, item_id: str) -> EvidenceItem:
    """The item if the principal may see it; refusals do not reveal whether it exists."""
    try:
        item: EvidenceItem | None = context.services.repo.get_item(item_id)
    except NotFound:
        item = None
    except InvalidInput:
        # An ambiguous prefix: saying so would tell anyone that several items begin with it.
        if principal.sees_everything:
            raise
        item = None
    return require_item(principal, item, item_id, context.shared_item_ids(principal))


def visible_items(context: WebContext, principal: Principal, limit: int) -> list[EvidenceItem]:
    """Newest first, the items ``may_view_item`` allows, filtered in the database."""
    principal.require(Permission.LIST_ITEMS)
    repo = context.services.repo
    if principal.sees_everything:
        return repo.list_items(limit)
    if principal.role is Role.OFFICER and principal.officer_id is not None:
        return repo.list_items(limit, officer=principal.officer_id)
    if principal.role is Role.CPS:
        return repo.list_shared_items(principal.name, limit)
    return []


@router.get("/items")
def list_items(
    principal: ApiUser,
    context: Context,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
) -> list[dict[str, Any]]:
    """Items the caller may see, newest first."""
    items = visible_items(context, principal, limit)
    audit_listing(context, request, principal, items)
    return [item.summary() for item in items]


def audit_listing(
    context: WebContext,
    request: Request,
    principal: Principal,
    items: list[EvidenceItem],
    details: dict[str, Any] | None = None,
) -> None:
    """A list discloses each item's metadata, so the trail names every item it showed."""
    listed = {"count": len(items), "items": [item.id for item in items], **(details or {})}
    context.audit(request, principal, "list-items", "items", listed)


@router.get("/items/{item_id}")
def show_item(item_id: str, principal: ApiUser, context: Context, request: Request) -> Any:
    item = visible_item(context, principal, item_id)
    context.audit(request, principal, "view-item", f"item:{item.id}")
    return item.summary()


@router.get("/items/{item_id}/custody")
def item_custody(
    item_id: str, principal: ApiUser, context: Context, request: Request
) -> list[dict[str, Any]]:
    item = visible_item(context, principal, item_id)
    context.audit(request, principal, "view-custody", f"item:{item.id}")
    return [event.as_dict() for event in context.services.repo.custody(item.id)]


@router.get(
    "/items/{item_id}/media",
    response_class=StreamingResponse,
    responses={206: {"description": "Partial content"}, 416: {"description": "Bad range"}},
)
def item_media(
    item_id: str,
    principal: ApiUser,
    context: Context,
    request: Request,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> Response:
    """The original recording, byte for byte; answers ``Range`` with 206 Partial Content."""
    item = visible_item(context, principal, item_id)
    store = context.services.store
    if not store.exists(item.storage_key):
        raise NotFound(f"item {item.id}: its stored object {item.storage_key} is missing")
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'inline; filename="{item.id}{safe_extension(item.original_name)}"',
    }
    byte_range = parse_range(range_header, item.size)
    details = {"range": range_header[:MAX_AUDITED_RANGE]} if range_header else {}
    context.audit(request, principal, "view-media", f"item:{item.id}", details)
    if byte_range is None:
        headers["Content-Length"] = str(item.size)
        body = stream_object(store, item.storage_key, 0, item.size)
        return StreamingResponse(body, 200, headers, media_type(item.media))
    headers["Content-Length"] = str(byte_range.length)
    headers["Content-Range"] = byte_range.content_range(item.size)
    body = stream_object(store, item.storage_key, byte_range.start, byte_range.length)
    return StreamingResponse(body, 206, headers, media_type(item.media))
