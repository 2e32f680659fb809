"""The CPS search scope kept on transcript segments: the URNs of the cases each item is
actively linked to, copied in the link's (or the transcript's) own transaction."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.case_tables import CaseLinkRow
from storage.transcript_tables import SegmentRow


def case_scope(session: Session, item_id: str) -> str | None:
    """The URNs of the cases ``item_id`` is actively linked to, as its segments carry them."""
    urns = session.scalars(
        select(CaseLinkRow.urn)
        .where(CaseLinkRow.item_id == item_id, CaseLinkRow.active.is_(True))
        .order_by(CaseLinkRow.urn)
    )
    return " ".join(urns) or None


def refresh_case_scope(session: Session, item_id: str) -> None:
    """Copy the item's case links onto its segments, which the CPS scope searches by.

    Call it in the transaction of every link or unlink of ``item_id``, after the change, so
    the index and the links commit together (SQLite's trigger re-indexes the segments).
    """
    session.flush()
    session.execute(
        update(SegmentRow)
        .where(SegmentRow.item_id == item_id)
        .values(cases=case_scope(session, item_id))
    )
