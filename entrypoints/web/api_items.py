"""JSON API for evidence items: list, show, custody and media (with Range)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response, StreamingResponse

from entrypoints.web.context import WebContext
from entrypoints.web.ranges import media_type, parse_range, stream_object
from entrypoints.web.security import ApiUser, Context
from evidence.access import Permission, Principal, Role, require_item
from evidence.errors import NotFound
from evidence.model import EvidenceItem

router = APIRouter(prefix="/api", tags=["items"])

MAX_LIST = 500


def visible_item(context: WebContext, principal: Principal, item_id: str) -> EvidenceItem:
    """The item if the principal may see it; refusals do not reveal whether it exists."""
    try:
        item: EvidenceItem | None = context.services.repo.get_item(item_id)
    except NotFound:
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
    principal: ApiUser, context: Context, limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100
) -> list[dict[str, Any]]:
    """Items the caller may see, newest first."""
    return [item.summary() for item in visible_items(context, principal, limit)]


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
        "Content-Disposition": f'inline; filename="{item.id}{_suffix(item)}"',
        "Cache-Control": "private, no-store",
    }
    byte_range = parse_range(range_header, item.size)
    details = {"range": range_header} if range_header else {}
    context.audit(request, principal, "view-media", f"item:{item.id}", details)
    if byte_range is None:
        headers["Content-Length"] = str(item.size)
        body = stream_object(store, item.storage_key, 0, item.size)
        return StreamingResponse(body, 200, headers, media_type(item.original_name))
    headers["Content-Length"] = str(byte_range.length)
    headers["Content-Range"] = byte_range.content_range(item.size)
    body = stream_object(store, item.storage_key, byte_range.start, byte_range.length)
    return StreamingResponse(body, 206, headers, media_type(item.original_name))


def _suffix(item: EvidenceItem) -> str:
    name = item.original_name
    return name[name.rfind(".") :] if "." in name else ""
