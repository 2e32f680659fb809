"""Items and custody logs in memory, with the rules of the SQL adapter that services rely on:
a digest registers once, ids resolve by unique prefix, appends check the recorded head."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from evidence import custody
from evidence.custody import Actor
from evidence.errors import Conflict, InvalidInput, NotFound
from evidence.model import CustodyEvent, EvidenceItem, Rejection
from evidence.ports import EventStep

MIN_PREFIX = 6


class FakeItems:
    def __init__(self) -> None:
        self.items: dict[str, EvidenceItem] = {}
        self.logs: dict[str, list[CustodyEvent]] = {}
        self.rejected: list[Rejection] = []
        # CPS user name -> ids of the items linked to the cases shared with them
        # CPS shares: user -> case URN -> the ids of the items linked to that case.
        self.shares: dict[str, dict[str, set[str]]] = {}

    def add_item(self, item: EvidenceItem, steps: Sequence[EventStep]) -> EvidenceItem:
        if self.find_by_sha256(item.sha256) is not None or item.id in self.items:
            raise Conflict(f"an item with SHA-256 {item.sha256} is already registered")
        events = custody.chain(item.id, steps)
        item.custody_head = events[-1].hash
        self.items[item.id] = item
        self.logs[item.id] = events
        return item

    def append_event(
        self, item_id: str, action: str, actor: Actor, details: dict[str, Any]
    ) -> CustodyEvent:
        item = self._item(item_id)
        log = self.logs[item.id]
        last = log[-1] if log else None
        custody.require_intact_tail(len(log), item.custody_head, last, item.id, action, actor)
        event = custody.next_event(
            item_id=item.id,
            previous=last,
            action=action,
            actor=actor,
            sha256=item.sha256,
            details=details,
        )
        log.append(event)
        item.custody_head = event.hash
        return event

    def _item(self, item_id: str) -> EvidenceItem:
        wanted = item_id.strip().lower()
        if wanted in self.items:
            return self.items[wanted]
        matches = [i for key, i in self.items.items() if key.startswith(wanted)]
        if len(wanted) >= MIN_PREFIX and len(matches) > 1:
            raise InvalidInput(f"item {wanted}: ambiguous; give more of the id")
        if len(wanted) >= MIN_PREFIX and matches:
            return matches[0]
        raise NotFound(f"item {wanted}: not found")

    def get_item(self, item_id: str) -> EvidenceItem:
        return self._item(item_id)

    def find_by_sha256(self, sha256: str) -> EvidenceItem | None:
        return next((i for i in self.items.values() if i.sha256 == sha256), None)

    def find_same_recording(
        self, source_path: str, device: str | None, recorded_at: datetime | None
    ) -> EvidenceItem | None:
        same = [
            i
            for i in self.items.values()
            if (i.source_path, i.device, i.recorded_at) == (source_path, device, recorded_at)
        ]
        return max(same, key=lambda i: i.ingested_at) if same else None

    def list_items(
        self, limit: int | None = None, officer: str | None = None
    ) -> list[EvidenceItem]:
        chosen = [i for i in self.items.values() if officer is None or i.officer == officer]
        chosen.sort(key=lambda i: (-i.ingested_at.timestamp(), i.id))
        return chosen[:limit] if limit is not None else chosen

    def list_shared_items(self, user_name: str, limit: int | None = None) -> list[EvidenceItem]:
        shared = self.shared_item_ids(user_name)
        return [i for i in self.list_items() if i.id in shared][:limit]

    def shared_item_ids(self, user_name: str) -> set[str]:
        return set().union(*self.shares.get(user_name, {}).values())

    def case_item_ids(self, urns: set[str]) -> set[str]:
        """The items linked to any of ``urns``."""
        cases = [cases for shared in self.shares.values() for cases in shared.items()]
        return set().union(*(ids for urn, ids in cases if urn in urns))

    def iter_items(self) -> Iterator[EvidenceItem]:
        yield from sorted(self.items.values(), key=lambda i: i.ingested_at)

    def custody(self, item_id: str) -> list[CustodyEvent]:
        return list(self.logs[self._item(item_id).id])

    def custody_snapshot(self, item_id: str) -> tuple[EvidenceItem, list[CustodyEvent]]:
        item = self._item(item_id)
        return item, list(self.logs[item.id])

    def correct_details(
        self, item_id: str, changes: dict[str, Any], actor: Actor, reason: str
    ) -> CustodyEvent:
        item = self._item(item_id)
        committed = custody.committed_details(self.logs[item.id])
        details = custody.correction(committed, item.item_details(), changes, reason)
        for name, value in details[custody.DETAILS_KEY].items():
            setattr(item, name, value)
        return self.append_event(item.id, custody.CORRECTED_ACTION, actor, details)

    def add_rejection(self, rejection: Rejection) -> None:
        self.rejected.append(rejection)

    def rejections(self) -> list[Rejection]:
        return list(self.rejected)
