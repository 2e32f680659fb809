"""The SQLAlchemy repository of items and custody logs behind the ``Repository`` port."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evidence import custody
from evidence.custody import Actor
from evidence.errors import Conflict, InvalidInput, NotFound
from evidence.model import CustodyEvent, EvidenceItem, Rejection, parse_iso
from evidence.ports import EventStep
from storage.case_tables import CaseLinkRow
from storage.tables import CustodyRow, ItemRow, RejectionRow
from storage.tlog_repository import append_leaves
from storage.tlog_tables import CUSTODY
from storage.web_tables import CaseShareRow, UserRow

MIN_PREFIX = 6
Lock = Literal["share", "update"] | None


class SqlItems:
    """Items, their custody logs and rejections, inside one unit of work's session.

    Nothing here commits: the unit of work does, once, for the whole use case.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_item(self, item: EvidenceItem, steps: Sequence[EventStep]) -> EvidenceItem:
        events = custody.chain(item.id, steps)
        item.custody_head = events[-1].hash
        try:
            with self.session.begin_nested():
                self.session.add(_item_row(item, len(events)))
                self.session.flush()
                self.session.add_all(_custody_row(event) for event in events)
                append_leaves(self.session, CUSTODY, [event.as_dict() for event in events])
        except IntegrityError as exc:
            raise Conflict(f"an item with SHA-256 {item.sha256} is already registered") from exc
        return item

    def append_event(
        self, item_id: str, action: str, actor: Actor, details: dict[str, Any]
    ) -> CustodyEvent:
        """Chain an event onto the item's log, under its row lock.

        Refused with ``CustodyBroken`` when the log no longer ends at the recorded head; the
        unit of work records that refusal in the audit trail once it has rolled back.
        """
        session = self.session
        row = session.scalars(
            select(ItemRow).where(ItemRow.id == item_id).with_for_update()
        ).one_or_none()
        if row is None:
            raise NotFound(f"item {item_id}: not found")
        last_row = session.scalars(
            select(CustodyRow).where(CustodyRow.item_id == item_id).order_by(CustodyRow.seq.desc())
        ).first()
        last = _event(last_row) if last_row else None
        custody.require_intact_tail(
            row.custody_count, row.custody_head, last, item_id, action, actor
        )
        event = custody.next_event(
            item_id=item_id,
            previous=last,
            action=action,
            actor=actor,
            sha256=row.sha256,
            details=details,
        )
        session.add(_custody_row(event))
        row.custody_head = event.hash
        row.custody_count = event.seq
        session.flush()
        append_leaves(session, CUSTODY, [event.as_dict()])
        return event

    def correct_details(
        self, item_id: str, changes: dict[str, Any], actor: Actor, reason: str
    ) -> CustodyEvent:
        """Change item details lawfully: the row and a ``details-corrected`` event that
        commits the new values, in one transaction."""
        row = self._row(item_id, lock="update")
        committed = custody.committed_details(_events(self.session, row.id))
        details = custody.correction(committed, _item(row).item_details(), changes, reason)
        for name, value in details[custody.DETAILS_KEY].items():
            is_time = name == "recorded_at" and value is not None
            setattr(row, name, parse_iso(value) if is_time else value)
        return self.append_event(row.id, custody.CORRECTED_ACTION, actor, details)

    def get_item(self, item_id: str) -> EvidenceItem:
        return _item(self._row(item_id))

    def _row(self, item_id: str, lock: Lock = None) -> ItemRow:
        """The item with this id or unique prefix; ``lock`` reads it FOR SHARE or FOR UPDATE."""
        item_id = item_id.strip().lower()
        session = self.session
        locking = None if lock is None else {"read": lock == "share"}
        row = session.get(ItemRow, item_id, with_for_update=locking)
        if row is not None:
            return row
        if len(item_id) >= MIN_PREFIX and item_id.isalnum():
            query = select(ItemRow).where(ItemRow.id.startswith(item_id)).limit(2)
            if lock is not None:
                query = query.with_for_update(read=lock == "share")
            matches = session.scalars(query).all()
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise InvalidInput(f"item {item_id}: ambiguous; give more of the id")
        raise NotFound(f"item {item_id}: not found")

    def find_by_sha256(self, sha256: str) -> EvidenceItem | None:
        query = select(ItemRow).where(ItemRow.sha256 == sha256)
        row = self.session.scalars(query).one_or_none()
        return _item(row) if row else None

    def find_same_recording(
        self, source_path: str, device: str | None, recorded_at: datetime | None
    ) -> EvidenceItem | None:
        query = select(ItemRow).where(
            ItemRow.source_path == source_path,
            ItemRow.device.is_(None) if device is None else ItemRow.device == device,
            ItemRow.recorded_at.is_(None)
            if recorded_at is None
            else ItemRow.recorded_at == recorded_at,
        )
        row = self.session.scalars(query.order_by(ItemRow.ingested_at.desc())).first()
        return _item(row) if row else None

    def list_items(
        self, limit: int | None = None, officer: str | None = None
    ) -> list[EvidenceItem]:
        """Newest first; only the items carrying ``officer``'s collar id when one is given."""
        query = select(ItemRow)
        if officer is not None:
            query = query.where(ItemRow.officer == officer)
        return self._newest(query, limit)

    def list_shared_items(self, user_name: str, limit: int | None = None) -> list[EvidenceItem]:
        """Newest first, the items linked to the cases shared with ``user_name`` (CPS)."""
        shared = _shared_item_ids(user_name)
        return self._newest(select(ItemRow).where(ItemRow.id.in_(shared)), limit)

    def shared_item_ids(self, user_name: str) -> set[str]:
        """The ids of the items linked to the cases shared with ``user_name`` (CPS)."""
        return set(self.session.scalars(_shared_item_ids(user_name)))

    def _newest(self, query: Select[ItemRow], limit: int | None) -> list[EvidenceItem]:
        ordered = query.order_by(ItemRow.ingested_at.desc(), ItemRow.id).limit(limit)
        return [_item(row) for row in self.session.scalars(ordered)]

    def iter_items(self) -> Iterator[EvidenceItem]:
        for row in self.session.scalars(select(ItemRow).order_by(ItemRow.ingested_at)):
            yield _item(row)

    def custody(self, item_id: str) -> list[CustodyEvent]:
        return self.custody_snapshot(item_id)[1]

    def custody_snapshot(self, item_id: str) -> tuple[EvidenceItem, list[CustodyEvent]]:
        """The item and its log in one transaction. On PostgreSQL the item row is read FOR
        SHARE, so an append (which locks it FOR UPDATE) cannot commit between the two reads;
        SQLite's transactions begin IMMEDIATE, which excludes every other writer."""
        row = self._row(item_id, lock="share")
        return _item(row), _events(self.session, row.id)

    def add_rejection(self, rejection: Rejection) -> None:
        self.session.add(
            RejectionRow(
                path=rejection.path,
                reason=rejection.reason,
                sha256=rejection.sha256,
                size=rejection.size,
                quarantine_path=rejection.quarantine_path,
                actor=rejection.actor,
                host=rejection.host,
                at=rejection.at,
            )
        )

    def rejections(self) -> list[Rejection]:
        rows = self.session.scalars(select(RejectionRow).order_by(RejectionRow.id))
        return [
            Rejection(
                path=r.path,
                reason=r.reason,
                sha256=r.sha256,
                size=r.size,
                quarantine_path=r.quarantine_path,
                actor=r.actor,
                host=r.host,
                at=r.at,
            )
            for r in rows
        ]


def _shared_item_ids(user_name: str) -> Select[str]:
    return (
        select(CaseLinkRow.item_id)
        .join(CaseShareRow, CaseShareRow.case_urn == CaseLinkRow.urn)
        .join(UserRow, UserRow.id == CaseShareRow.user_id)
        .where(UserRow.name == user_name, CaseLinkRow.active.is_(True))
    )


def _item_row(item: EvidenceItem, custody_count: int) -> ItemRow:
    return ItemRow(
        id=item.id,
        sha256=item.sha256,
        size=item.size,
        kind=item.kind,
        original_name=item.original_name,
        source_path=item.source_path,
        officer=item.officer,
        device=item.device,
        incident=item.incident,
        recorded_at=item.recorded_at,
        duration=item.duration,
        media=item.media,
        meta=item.metadata,
        storage_key=item.storage_key,
        store_location=item.store_location,
        status=item.status,
        ingested_at=item.ingested_at,
        custody_head=item.custody_head,
        custody_count=custody_count,
    )


def _item(row: ItemRow) -> EvidenceItem:
    return EvidenceItem(
        id=row.id,
        sha256=row.sha256,
        size=row.size,
        kind=row.kind,
        original_name=row.original_name,
        source_path=row.source_path,
        storage_key=row.storage_key,
        store_location=row.store_location,
        ingested_at=row.ingested_at,
        officer=row.officer,
        device=row.device,
        incident=row.incident,
        recorded_at=row.recorded_at,
        duration=row.duration,
        media=dict(row.media or {}),
        metadata=dict(row.meta or {}),
        status=row.status,
        custody_head=row.custody_head,
    )


def _events(session: Session, item_id: str) -> list[CustodyEvent]:
    query = select(CustodyRow).where(CustodyRow.item_id == item_id).order_by(CustodyRow.id)
    return [_event(row) for row in session.scalars(query)]


def _custody_row(event: CustodyEvent) -> CustodyRow:
    return CustodyRow(
        item_id=event.item_id,
        seq=event.seq,
        action=event.action,
        actor=event.actor,
        host=event.host,
        at=event.at,
        sha256=event.sha256,
        details=custody.canonical_json(event.details),
        prev_hash=event.prev_hash,
        hash=event.hash,
        format=event.format,
    )


def _event(row: CustodyRow) -> CustodyEvent:
    return CustodyEvent(
        item_id=row.item_id,
        seq=row.seq,
        action=row.action,
        actor=row.actor,
        host=row.host,
        at=row.at,
        sha256=row.sha256,
        details=json.loads(row.details),
        prev_hash=row.prev_hash,
        hash=row.hash,
        format=row.format,
    )
