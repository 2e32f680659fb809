"""Cases for investigators, shared read-only with CPS lawyers: timeline, links, bundles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from entrypoints.web.bundles import bundle_download
from entrypoints.web.case_models import (
    CaseDetail,
    CaseListed,
    CreatedCase,
    LinkOut,
    Shares,
    TimelineEntryOut,
)
from entrypoints.web.security import ApiCaller, Context, Uow
from evidence.services import case_links, cases
from evidence.services.case_links import link_window

router = APIRouter(prefix="/api", tags=["cases"])

ItemId = Annotated[str, Field(max_length=64)]


class NewCase(BaseModel):
    urn: str = Field(min_length=1, max_length=32)
    title: str = Field(default="", max_length=200)
    incidents: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=50)
    domestic_abuse: bool = False


class NewLinks(BaseModel):
    item_ids: list[ItemId] = Field(min_length=1, max_length=100)
    exhibit_ref: str | None = Field(default=None, max_length=32)
    reason: str = Field(default="", max_length=500)


class Share(BaseModel):
    user: str = Field(min_length=1, max_length=64)


@router.get("/cases")
def list_cases(caller: ApiCaller, uow: Uow) -> list[CaseListed]:
    """Every case for investigators, the cases shared with them for CPS users."""
    return [CaseListed.model_validate(found.as_dict()) for found in cases.list_cases(uow, caller)]


@router.post("/cases", status_code=status.HTTP_201_CREATED)
def create_case(new: NewCase, caller: ApiCaller, uow: Uow, context: Context) -> CreatedCase:
    """Create a case; items already held under its incident numbers are linked at once."""
    case, links = cases.create_case(
        uow,
        caller,
        new.urn,
        window=link_window(context.services.settings),
        title=new.title,
        incidents=new.incidents,
        domestic_abuse=new.domestic_abuse,
    )
    return CreatedCase.model_validate(
        {**case.as_dict(), "links": [link.as_dict() for link in links]}
    )


@router.get("/cases/{urn}")
def show_case(urn: str, caller: ApiCaller, uow: Uow) -> CaseDetail:
    """The case with its exhibits, open proposals and the CPS users it is shared with."""
    return CaseDetail.model_validate(cases.show_case(uow, caller, urn).as_dict())


@router.post("/cases/{urn}/links", status_code=status.HTTP_201_CREATED)
def link_items(
    urn: str, links: NewLinks, caller: ApiCaller, uow: Uow, context: Context
) -> list[LinkOut]:
    made = case_links.link_items(
        uow,
        caller,
        urn,
        links.item_ids,
        window=link_window(context.services.settings),
        exhibit_ref=links.exhibit_ref,
        reason=links.reason,
    )
    return [LinkOut.model_validate(link.as_dict()) for link in made]


@router.post("/cases/{urn}/suggestions/{item_id}/confirm", status_code=status.HTTP_201_CREATED)
def confirm_suggestion(
    urn: str,
    item_id: Annotated[str, Path(max_length=64)],
    caller: ApiCaller,
    uow: Uow,
    context: Context,
) -> LinkOut:
    """Confirm a proposed item: it is linked as an exhibit, naming the proposal's reason."""
    link = case_links.confirm_suggestion(
        uow, caller, urn, item_id, window=link_window(context.services.settings)
    )
    return LinkOut.model_validate(link.as_dict())


@router.get("/cases/{urn}/timeline")
def timeline(urn: str, caller: ApiCaller, uow: Uow) -> list[TimelineEntryOut]:
    """The exhibits in recorded time, 999 calls and BWV together, with their overlaps."""
    entries = cases.case_timeline(uow, caller, urn)
    return [TimelineEntryOut.model_validate(entry.as_dict()) for entry in entries]


@router.post("/cases/{urn}/share")
def share_case(urn: str, share: Share, caller: ApiCaller, uow: Uow) -> Shares:
    """Share a case with a CPS user: they see it, its exhibits, and may download bundles."""
    found, shared = cases.share_case(uow, caller, urn, share.user)
    return Shares(urn=found, shared_with=shared)


@router.post(
    "/cases/{urn}/bundle",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def export_bundle(urn: str, caller: ApiCaller, uow: Uow, context: Context) -> FileResponse:
    """Export the case as a signed CPS bundle and download it as a zip file."""
    return bundle_download(context, caller, urn)
