"""Search across transcripts and each item's transcript, through the transcript service."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from entrypoints.web.api_items import visible_item
from entrypoints.web.context import WebContext
from entrypoints.web.security import ApiUser, Context
from evidence.access import Permission, Principal, Role
from evidence.search import MAX_LIMIT, MAX_QUERY_LENGTH, Hit, SearchFilters
from evidence.transcripts import render
from storage.transcript_service import latest_transcript, search

router = APIRouter(prefix="/api", tags=["search"])

TRANSCRIPT_TYPES = {
    "vtt": "text/vtt; charset=utf-8",
    "json": "application/json",
    "srt": "application/x-subrip; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}


def search_for(
    context: WebContext,
    request: Request,
    principal: Principal,
    query: str,
    filters: SearchFilters,
) -> list[Hit]:
    """The same hits as the CLI, narrowed to what the principal may see, and audited."""
    principal.require(Permission.SEARCH)
    if principal.role is Role.OFFICER:
        filters = replace(filters, officer=principal.officer_id)
    elif principal.role is Role.CPS:
        # The index keeps the items of these cases while matching (an empty set: none).
        filters = replace(filters, case_urns=context.users.shared_cases(principal.name))
    hits = search(context.services, query, filters)
    context.audit(request, principal, "search", "search", {"q": query, "hits": len(hits)})
    return hits


@router.get("/search")
def search_hits(
    principal: ApiUser,
    context: Context,
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH)],
    officer: Annotated[str | None, Query(max_length=64)] = None,
    date_from: Annotated[datetime | None, Query(alias="from")] = None,
    date_to: Annotated[datetime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> list[dict[str, Any]]:
    """Ranked hits ``{item_id, start, end, text, snippet, score}``; terms marked « ».

    Words, "quoted phrases" and prefix* terms, as on the command line.
    """
    filters = SearchFilters(officer=officer, date_from=date_from, date_to=date_to, limit=limit)
    return [hit.as_dict() for hit in search_for(context, request, principal, q, filters)]


@router.get(
    "/items/{item_id}/transcript",
    responses={200: {"content": {media: {} for media in TRANSCRIPT_TYPES.values()}}},
)
def item_transcript(
    item_id: str,
    principal: ApiUser,
    context: Context,
    request: Request,
    format: Annotated[str, Query(pattern="^(vtt|json|srt|txt)$")] = "json",
) -> Response:
    """The item's current transcript as WebVTT, JSON, SubRip or plain text."""
    item = visible_item(context, principal, item_id)
    transcript = latest_transcript(context.services, item.id)
    context.audit(request, principal, "view-transcript", f"item:{item.id}", {"format": format})
    return Response(render(transcript, format), media_type=TRANSCRIPT_TYPES[format])
