"""Transcripts, the search index and the object store in memory.

``FakeTranscripts`` appends its custody events through the unit of work's ``FakeItems``, and
``FakeSearch`` reads both; they hold them by weak reference, which ``copy.deepcopy`` leaves
as it is, so the unit of work's snapshot of one repository never copies another.
"""

from __future__ import annotations

import weakref
from typing import Any

from evidence.custody import Actor
from evidence.errors import Conflict
from evidence.search import Hit, SearchFilters, parse_query
from evidence.transcripts import DONE, FAILED, NO_SPEECH, Transcript
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.fakes.items import FakeItems

FINISHED = (DONE, NO_SPEECH)


class FakeTranscripts:
    def __init__(self, items: FakeItems) -> None:
        self._items = weakref.ref(items)
        self.saved: list[Transcript] = []

    @property
    def items(self) -> FakeItems:
        items = self._items()
        assert items is not None
        return items

    def next_version(self, item_id: str) -> int:
        return max((t.version for t in self.saved if t.item_id == item_id), default=0) + 1

    def save(
        self,
        transcript: Transcript,
        action: str,
        actor: Actor,
        details: dict[str, Any],
        claim_holder: str | None = None,
    ) -> None:
        if any(
            (t.item_id, t.version) == (transcript.item_id, transcript.version) for t in self.saved
        ):
            raise Conflict(f"item {transcript.item_id}: version {transcript.version} is taken")
        self.saved.append(transcript)
        self.items.append_event(transcript.item_id, action, actor, details)

    def current(self, item_id: str) -> Transcript | None:
        finished = [t for t in self.saved if t.item_id == item_id and t.status in FINISHED]
        return finished[-1] if finished else None

    def latest_failure(self, item_id: str) -> Transcript | None:
        failed = [t for t in self.saved if t.item_id == item_id and t.status == FAILED]
        return failed[-1] if failed else None

    def get(self, item_id: str, version: int) -> Transcript | None:
        return next((t for t in self.saved if (t.item_id, t.version) == (item_id, version)), None)

    def versions(self, item_id: str) -> list[dict[str, Any]]:
        current = self.current(item_id)
        return [
            {"version": t.version, "status": t.status, "current": t is current}
            for t in self.saved
            if t.item_id == item_id
        ]

    def pending_item_ids(self) -> list[str]:
        return [item.id for item in self.items.iter_items() if self.current(item.id) is None]


class FakeSearch:
    """Every word of every term in a current segment's text, case folded; no ranking."""

    def __init__(self, transcripts: FakeTranscripts, items: FakeItems) -> None:
        self._transcripts = weakref.ref(transcripts)
        self._items = weakref.ref(items)
        self.queries: list[tuple[str, SearchFilters]] = []

    def search(self, query: str, filters: SearchFilters) -> list[Hit]:
        words = [word for term in parse_query(query).terms for word in term.words]
        self.queries.append((query, filters))
        transcripts, items = self._transcripts(), self._items()
        assert transcripts is not None and items is not None
        hits = []
        for item in items.iter_items():
            current = transcripts.current(item.id)
            if current is None or not _in_scope(item.id, item.officer, filters, items):
                continue
            for segment in current.segments:
                if all(word in segment.text.lower() for word in words):
                    hit = Hit(item.id, segment.start, segment.end, segment.text, segment.text, 1.0)
                    hits.append(hit)
        return hits[: filters.limit]


def _in_scope(item_id: str, officer: str | None, filters: SearchFilters, items: FakeItems) -> bool:
    if filters.item_ids is not None and item_id not in filters.item_ids:
        return False
    if filters.case_urns is not None and item_id not in items.case_item_ids(filters.case_urns):
        return False
    return not filters.officer or officer == filters.officer


def fake_uow() -> FakeUnitOfWork:
    """A fake unit of work with items, audit, transcripts and search."""
    uow = FakeUnitOfWork()
    transcripts = FakeTranscripts(uow.items)
    uow.with_repository("cases", FakeCaseScope(uow.items))
    return uow.with_repository("transcripts", transcripts).with_repository(
        "search", FakeSearch(transcripts, uow.items)
    )


class FakeCaseScope:
    """The CPS scope the search service asks the cases repository for."""

    def __init__(self, items: FakeItems) -> None:
        self._items = weakref.ref(items)

    def shared_cases(self, user: str | None = None) -> set[str]:
        items = self._items()
        assert items is not None
        return {
            urn for name, cases in items.shares.items() if user in (None, name) for urn in cases
        }
