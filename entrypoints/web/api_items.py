"""JSON API for evidence items: list, show, custody and media (with Range)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response, StreamingResponse

from entrypoints.web.ranges import media_type, parse_range, safe_extension, stream_object
from entrypoints.web.security import ApiCaller, Context, Uow
from evidence.services import items

router = APIRouter(prefix="/api", tags=["items"])

MAX_LIST = 500


@router.get("/items")
def list_items(
    caller: ApiCaller,
    uow: Uow,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
) -> list[dict[str, Any]]:
    """Items the caller may see, newest first."""
    return [item.summary() for item in items.list_items(uow, caller, limit)]


@router.get("/items/{item_id}")
def show_item(item_id: str, caller: ApiCaller, uow: Uow) -> Any:
    return items.show_item(uow, caller, item_id).summary()


@router.get("/items/{item_id}/custody")
def item_custody(item_id: str, caller: ApiCaller, uow: Uow) -> list[dict[str, Any]]:
    _, events = items.custody_log(uow, caller, item_id)
    return [event.as_dict() for event in events]


@router.get(
    "/items/{item_id}/media",
    response_class=StreamingResponse,
    responses={206: {"description": "Partial content"}, 416: {"description": "Bad range"}},
)
def item_media(
    item_id: str,
    caller: ApiCaller,
    uow: Uow,
    context: Context,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> Response:
    """The original recording, byte for byte; answers ``Range`` with 206 Partial Content."""
    store = context.services.store
    item, byte_range = items.media_item(
        uow, caller, store, item_id, range_header, lambda item: parse_range(range_header, item.size)
    )
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'inline; filename="{item.id}{safe_extension(item.original_name)}"',
    }
    if byte_range is None:
        headers["Content-Length"] = str(item.size)
        body = stream_object(store, item.storage_key, 0, item.size)
        return StreamingResponse(body, 200, headers, media_type(item.media))
    headers["Content-Length"] = str(byte_range.length)
    headers["Content-Range"] = byte_range.content_range(item.size)
    body = stream_object(store, item.storage_key, byte_range.start, byte_range.length)
    return StreamingResponse(body, 206, headers, media_type(item.media))
