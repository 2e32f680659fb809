"""What the case API answers, as /openapi.json documents it. Times are ``iso_utc`` strings."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from evidence.cases import CaseStatus, LinkHow


class PersonOut(BaseModel):
    role: str
    name: str
    collar: str | None


class CaseOut(BaseModel):
    urn: str
    title: str
    incidents: list[str]
    domestic_abuse: bool
    people: list[PersonOut]
    status: CaseStatus
    created_at: str
    created_by: str


class CaseListed(CaseOut):
    exhibits: int


class LinkOut(BaseModel):
    urn: str
    item_id: str
    exhibit_ref: str
    how: LinkHow
    linked_by: str
    linked_at: str
    reason: str


class CreatedCase(CaseOut):
    links: list[LinkOut]


class ItemSummary(BaseModel):
    id: str
    sha256: str
    size: int
    kind: str
    original_name: str
    source_path: str
    officer: str | None
    device: str | None
    incident: str | None
    recorded_at: str | None
    duration: float | None
    media: dict[str, Any]
    metadata: dict[str, Any]
    storage_key: str
    store_location: str
    status: str
    ingested_at: str
    custody_head: str


class ExhibitOut(LinkOut):
    item: ItemSummary


class SuggestionOut(BaseModel):
    urn: str
    item_id: str
    related_item_id: str
    reason: str


class CaseDetail(CaseOut):
    exhibits: list[ExhibitOut]
    suggestions: list[SuggestionOut]
    shared_with: list[str]


class TimelineEntryOut(BaseModel):
    exhibit_ref: str
    item_id: str
    kind: str
    name: str
    officer: str | None
    device: str | None
    incident: str | None
    start: str | None
    end: str | None
    duration: float | None
    overlaps: list[str]


class Shares(BaseModel):
    urn: str
    shared_with: list[str]
