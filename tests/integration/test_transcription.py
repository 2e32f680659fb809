"""Transcription with the real bundled model, and search on SQLite and PostgreSQL.

Speech is generated with espeak-ng from known sentences, so the words and the window in
which they were spoken are known.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from entrypoints.sample_dock import SAMPLES, make_sample_dock, silent_video
from evidence.custody import Actor, verify_chain
from evidence.dock import scan
from evidence.errors import InvalidInput, NotFound
from evidence.ingest import IngestOptions
from evidence.search import MARK_END, MARK_START, SearchFilters
from storage.bootstrap import Services, get_services, reset_services
from tests.fixtures import transcripts as service

ACTOR = Actor("PC4521", "test-host")
LEAD_IN = 1.0  # speech_video starts speaking after one second


def _seconds(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out)


@pytest.fixture(scope="module")
def dock(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dock")
    make_sample_dock(root)
    (root / "silent").mkdir()
    silent_video(root / "silent/with-silent-audio.mp4")
    silent_video(root / "silent/no-audio-track.mp4", with_audio=False)
    return root


@pytest.fixture
def services(
    evidence_home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Services]:
    monkeypatch.setenv("EVIDENCE_DATABASE_URL", database_url)
    reset_services()
    yield get_services()
    reset_services()


def ingest_all(services: Services, dock: Path, incident: str = "CAD-1") -> dict[str, str]:
    """Ingest every file of the dock; returns item id by dock path."""
    ids = {}
    for entry in scan(dock):
        outcome = services.ingestor().ingest(
            dock, entry.relative_path, entry.sidecar, IngestOptions(kind="bwv", incident=incident)
        )
        assert outcome.status == "ingested", outcome.reason
        ids[entry.relative_path] = str(outcome.id)
    return ids


def test_speech_is_transcribed_indexed_and_found_in_its_window(
    services: Services, dock: Path
) -> None:
    ids = ingest_all(services, dock)
    for item_id in ids.values():
        service.transcribe(services, item_id, ACTOR)
    video = SAMPLES[1].name
    spoken_until = _seconds(dock / video)

    hits = service.search(services, '"kitchen door"', SearchFilters())
    assert [hit.item_id for hit in hits] == [ids[video]]
    assert LEAD_IN - 0.5 <= hits[0].start <= spoken_until
    assert hits[0].start < hits[0].end <= spoken_until + 0.5
    snippet = hits[0].snippet.lower()
    assert f"{MARK_START}kitchen" in snippet and f"door{MARK_END}" in snippet

    transcript = service.latest_transcript(services, ids[video])
    kitchen = next(w for s in transcript.segments for w in s.words if "kitchen" in w.word.lower())
    assert LEAD_IN - 0.3 <= kitchen.start < kitchen.end <= spoken_until
    assert 0 < kitchen.probability <= 1
    assert all(-5 < s.avg_logprob <= 0 and 0 <= s.no_speech_prob <= 1 for s in transcript.segments)

    call = SAMPLES[0].name
    threats = service.search(services, "threat*", SearchFilters())
    assert ids[call] in {hit.item_id for hit in threats}
    assert service.search(services, "threat*", SearchFilters(officer="PC4521")) == []
    knife = service.search(services, "knife", SearchFilters(officer="CH1187"))
    assert [hit.item_id for hit in knife] == [ids[call]]
    assert service.search(services, "knife", SearchFilters(item_ids={ids[video]})) == []
    evening = datetime(2026, 11, 25, 21, 20, tzinfo=UTC)
    after = SearchFilters(date_from=evening)
    assert {h.item_id for h in service.search(services, "door", after)} == {ids[video]}
    assert service.search(services, "door", SearchFilters(date_to=evening)) == []
    assert service.search(services, "zebra crossing", SearchFilters()) == []
    with pytest.raises(InvalidInput, match="not closed"):
        service.search(services, '"kitchen door', SearchFilters())


def test_transcript_is_a_sealed_derived_exhibit_with_provenance(
    services: Services, dock: Path
) -> None:
    ids = ingest_all(services, dock)
    item_id = ids[SAMPLES[2].name]
    item = services.repo.get_item(item_id)
    first = service.transcribe(services, item_id, ACTOR)
    assert first.status == "done" and first.version == 1
    assert service.transcribe(services, item_id, ACTOR).skipped

    transcript = service.latest_transcript(services, item_id)
    with services.store.open(str(transcript.storage_key)) as stream:
        stored = stream.read()
    assert hashlib.sha256(stored).hexdigest() == transcript.sha256
    assert json.loads(stored)["segments"][0]["text"] == transcript.segments[0].text
    provenance = transcript.provenance
    assert provenance["source"]["sha256"] == item.sha256
    assert provenance["model"]["weights_sha256"] and provenance["model"]["name"]
    assert set(provenance["software"]) == {"faster_whisper", "ctranslate2"}
    assert provenance["parameters"]["vad_filter"] and provenance["parameters"]["word_timestamps"]
    assert "-ar" in provenance["audio"]["command"] and "16000" in provenance["audio"]["command"]
    assert provenance["started_at"] <= provenance["finished_at"]

    second = service.transcribe(services, item_id, ACTOR, force=True)
    assert second.version == 2
    assert service.latest_transcript(services, item_id).version == 2
    assert service.latest_transcript(services, item_id, version=1).sha256 == transcript.sha256
    assert len(service.search(services, "arresting", SearchFilters())) == 1

    events = services.repo.custody(item_id)
    transcribed = [e for e in events if e.action == "transcribed"]
    assert [e.details["version"] for e in transcribed] == [1, 2]
    assert transcribed[0].details["transcript_sha256"] == transcript.sha256
    assert verify_chain(events, services.repo.get_item(item_id).custody_head) == []
    assert services.repo.get_item(item_id).sha256 == item.sha256


def test_silence_no_audio_and_failures_are_recorded_not_lost(
    services: Services, dock: Path
) -> None:
    ids = ingest_all(services, dock)
    silent = service.transcribe(services, ids["silent/with-silent-audio.mp4"], ACTOR)
    no_track = service.transcribe(services, ids["silent/no-audio-track.mp4"], ACTOR)
    assert silent.status == no_track.status == "no-speech"
    assert "no audio track" in str(no_track.reason)
    assert services.repo.custody(no_track.item_id)[-1].action == "no-speech"

    item = services.repo.get_item(ids[SAMPLES[2].name])
    stored = Path(services.settings.resolved_home / "store" / item.storage_key)
    original = stored.read_bytes()
    stored.chmod(0o600)
    stored.write_bytes(original[:-100] + b"\0" * 100)
    failed = service.transcribe(services, item.id, ACTOR)
    assert failed.status == "failed" and "SHA-256" in str(failed.reason)
    assert services.repo.custody(item.id)[-1].action == "transcription-failed"
    with pytest.raises(NotFound, match="last attempt failed"):
        service.latest_transcript(services, item.id)
    assert item.id in service.pending_item_ids(services)

    stored.write_bytes(original)
    retried = service.transcribe(services, item.id, ACTOR)
    assert retried.status == "done" and retried.version == 2
    assert item.id not in service.pending_item_ids(services)
