"""SQLAlchemy models for cases, their incident numbers, links to items and link suggestions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables import Base


class CaseRow(Base):
    __tablename__ = "cases"

    urn: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    domestic_abuse: Mapped[bool] = mapped_column(Boolean)
    people: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(128))


class CaseIncidentRow(Base):
    __tablename__ = "case_incidents"
    __table_args__ = (UniqueConstraint("urn", "incident", name="uq_case_incident"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    urn: Mapped[str] = mapped_column(ForeignKey("cases.urn"), index=True)
    incident: Mapped[str] = mapped_column(String(64), index=True)


class CaseLinkRow(Base):
    """One row per (case, item); an unlink deactivates it, and its exhibit ref is never reused."""

    __tablename__ = "case_links"
    __table_args__ = (
        UniqueConstraint("urn", "item_id", name="uq_case_link_item"),
        UniqueConstraint("urn", "exhibit_ref", name="uq_case_link_ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    urn: Mapped[str] = mapped_column(ForeignKey("cases.urn"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), index=True)
    exhibit_ref: Mapped[str] = mapped_column(String(40))
    how: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    linked_by: Mapped[str] = mapped_column(String(128))
    linked_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean)


class CaseSuggestionRow(Base):
    __tablename__ = "case_suggestions"
    __table_args__ = (UniqueConstraint("urn", "item_id", name="uq_case_suggestion_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    urn: Mapped[str] = mapped_column(ForeignKey("cases.urn"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"))
    related_item_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
