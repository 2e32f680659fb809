"""Transcripts and search against in-memory fakes: scope per role, audit per read, and a
transcription that saves a version with its custody event, or records its failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.errors import InvalidInput, NotFound, PermissionDenied, TranscriptionError
from evidence.search import SearchFilters
from evidence.services import search, transcripts
from evidence.transcripts import DONE, Recognition, Segment
from tests.unit.fakes.world import World, caller, world

SPEECH = (Segment(1.0, 2.5, "Open the kitchen door", -0.2, 0.01),)


class Heard:
    """A transcriber that hears the same words in everything, or fails."""

    def __init__(self, failure: str | None = None) -> None:
        self.failure = failure
        self.heard: list[str] = []

    def transcribe(self, media: Path, label: str) -> Recognition:
        self.heard.append(media.read_text())
        if self.failure:
            raise TranscriptionError(f"{label}: {self.failure}")
        return Recognition(DONE, "en", SPEECH, {"model": {"name": "fake"}})


def transcribed(w: World, *officers: str) -> World:
    for officer in officers:
        item = w.items[officer]
        transcripts.transcribe(lambda: w.uow, caller("desk"), w.store, Heard(), item.id)
    return w


def test_a_transcription_saves_a_version_with_its_custody_event_and_skips_after() -> None:
    w, heard = world(), Heard()
    item = w.items["PC4521"]
    outcome = transcripts.transcribe(lambda: w.uow, caller("desk"), w.store, heard, item.id)
    assert (outcome.status, outcome.version, outcome.skipped) == (DONE, 1, False)
    assert heard.heard == ["recording of PC4521"]
    event = w.uow.items.custody(item.id)[-1]
    assert (event.action, event.actor, event.details["version"]) == ("transcribed", "desk", 1)
    assert w.store.exists(event.details["transcript_storage_key"])
    again = transcripts.transcribe(lambda: w.uow, caller("desk"), w.store, heard, item.id)
    assert again.skipped and len(heard.heard) == 1
    forced = transcripts.transcribe(lambda: w.uow, caller("desk"), w.store, heard, item.id, True)
    assert forced.version == 2
    assert w.uow.audit.events() == []


def test_a_failure_is_recorded_on_the_item_and_leaves_it_pending() -> None:
    w = world()
    item = w.items["PC3310"]
    failed = transcripts.transcribe(
        lambda: w.uow, caller("desk"), w.store, Heard("no model"), item.id
    )
    assert failed.status == "failed" and "no model" in str(failed.reason)
    assert w.uow.items.custody(item.id)[-1].action == "transcription-failed"
    with pytest.raises(NotFound, match="last attempt failed"):
        transcripts.show_transcript(w.uow, caller("ivy"), item.id)
    assert item.id in transcripts.items_to_transcribe(w.uow, caller("desk"), None)
    assert [e.action for e in w.uow.audit.events()] == []


def test_an_officer_may_transcribe_only_their_own_items() -> None:
    w = world()
    other = w.items["PC3310"]
    with pytest.raises(PermissionDenied):
        transcripts.transcribe(lambda: w.uow, caller("pc4521"), w.store, Heard(), other.id)
    assert w.uow.items.custody(other.id)[-1].action == "received"
    assert [e.action for e in w.uow.audit.events()] == ["access-refused"]
    pending = transcripts.items_to_transcribe(w.uow, caller("pc4521"), None)
    assert pending == [w.items["PC4521"].id]


def test_reading_a_transcript_is_audited_in_each_form() -> None:
    w = transcribed(world(), "PC4521")
    item = w.items["PC4521"]
    text = transcripts.export_transcript(w.uow, caller("pc4521"), item.id, "vtt")
    assert text.startswith("WEBVTT") and "kitchen door" in text
    assert transcripts.show_transcript(w.uow, caller("ivy"), item.id, version=1).version == 1
    [listed] = transcripts.transcript_versions(w.uow, caller("ivy"), item.id)
    assert listed["current"]
    assert [(e.actor, e.details) for e in w.uow.audit.events()] == [
        ("pc4521", {"format": "vtt"}),
        ("ivy", {}),
        ("ivy", {"versions": True}),
    ]
    with pytest.raises(InvalidInput, match="format 'doc'"):
        transcripts.export_transcript(w.uow, caller("ivy"), item.id, "doc")
    with pytest.raises(NotFound, match="no transcript version 7"):
        transcripts.show_transcript(w.uow, caller("ivy"), item.id, version=7)
    with pytest.raises(PermissionDenied):
        transcripts.export_transcript(w.uow, caller("pc3310"), item.id, "txt")
    assert [e.action for e in w.uow.audit.events()][3:] == ["access-refused"]


@pytest.mark.parametrize(
    ("name", "found"),
    [("ivy", {"PC4521", "PC3310", "CH1187"}), ("pc4521", {"PC4521"}), ("lawyer", {"CH1187"})],
)
def test_search_keeps_to_what_the_caller_may_see_and_is_audited(name: str, found: set[str]) -> None:
    w = transcribed(world(), "PC4521", "PC3310", "CH1187")
    hits = search.search(w.uow, caller(name), '"kitchen door"', SearchFilters())
    officers = {item.id: officer for officer, item in w.items.items()}
    assert {officers[hit.item_id] for hit in hits} == found
    [event] = w.uow.audit.events()
    assert (event.actor, event.action, event.target) == (name, "search", "search")
    assert event.details == {"q": '"kitchen door"', "hits": len(hits)}


def test_filters_given_narrow_the_scope_and_never_widen_it() -> None:
    w = transcribed(world(), "PC4521", "PC3310", "CH1187")
    mine = w.items["PC4521"].id
    other = SearchFilters(officer="PC3310")
    assert {h.item_id for h in search.search(w.uow, caller("pc4521"), "door", other)} == {mine}
    elsewhere = SearchFilters(item_ids={mine})
    assert search.search(w.uow, caller("lawyer"), "door", elsewhere) == []
    groups, found = search.search_by_item(w.uow, caller("ivy"), "kitchen", elsewhere)
    assert list(groups) == [mine] and found[mine].original_name == "PC4521.mp4"


def test_a_refused_or_malformed_search_records_only_the_refusal() -> None:
    w = transcribed(world(), "PC4521")
    with pytest.raises(PermissionDenied):
        search.search(w.uow, caller("root"), "door", SearchFilters())
    with pytest.raises(InvalidInput):
        search.search(w.uow, caller("ivy"), '"kitchen door', SearchFilters())
    assert [e.action for e in w.uow.audit.events()] == ["access-refused"]
