"""Search across transcripts, and each item's transcript, through the services."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from entrypoints.web.security import ApiCaller, Uow
from evidence.search import MAX_LIMIT, MAX_QUERY_LENGTH, SearchFilters
from evidence.services import search, transcripts

router = APIRouter(prefix="/api", tags=["search"])

TRANSCRIPT_TYPES = {
    "vtt": "text/vtt; charset=utf-8",
    "json": "application/json",
    "srt": "application/x-subrip; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}


@router.get("/search")
def search_hits(
    caller: ApiCaller,
    uow: Uow,
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
    return [hit.as_dict() for hit in search.search(uow, caller, q, filters)]


@router.get(
    "/items/{item_id}/transcript",
    responses={200: {"content": {media: {} for media in TRANSCRIPT_TYPES.values()}}},
)
def item_transcript(
    item_id: str,
    caller: ApiCaller,
    uow: Uow,
    format: Annotated[str, Query(pattern="^(vtt|json|srt|txt)$")] = "json",
) -> Response:
    """The item's current transcript as WebVTT, JSON, SubRip or plain text."""
    rendered = transcripts.export_transcript(uow, caller, item_id, format)
    return Response(rendered, media_type=TRANSCRIPT_TYPES[format])
