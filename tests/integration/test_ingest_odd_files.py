"""Odd dock files through the ingest service, on SQLite and PostgreSQL alike.

PostgreSQL enforces column widths and refuses NUL and invalid Unicode where SQLite does
not, so each file here must end held or quarantined with its reason on both: never with a
database error, never with a stored object that no item owns.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from evidence.dock import scan
from evidence.ingest import IngestOptions, Ingestor
from evidence.model import MediaInfo
from evidence.sidecar import FIELD_LENGTHS
from storage.bootstrap import Services, get_services, reset_services
from storage.media import FfmpegProbe
from storage.tables import ItemRow


@pytest.fixture(scope="module")
def wav(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("media") / "tone.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
         "-ac", "1", "-ar", "8000", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


@pytest.fixture
def services(
    evidence_home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Services]:
    monkeypatch.setenv("EVIDENCE_DATABASE_URL", database_url)
    reset_services()
    yield get_services()
    reset_services()


def stored_objects(services: Services) -> list[Path]:
    root = services.settings.resolved_home / "store" / "sha256"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def ingest_dock(ingestor: Ingestor, dock: Path) -> dict[str, dict]:
    outcomes = {}
    for entry in scan(dock):
        outcome = ingestor.ingest(dock, entry.relative_path, entry.sidecar, IngestOptions())
        outcomes[outcome.path] = outcome.as_dict()
    return outcomes


def test_sidecar_fields_match_the_columns_they_are_kept_in() -> None:
    for name, length in FIELD_LENGTHS.items():
        assert ItemRow.__table__.c[name].type.length == length


def test_hostile_sidecars_and_names_are_quarantined_with_a_reason(
    services: Services, tmp_path: Path, wav: bytes
) -> None:
    dock = tmp_path / "dock"
    dock.mkdir()
    sidecars = {
        "officer.wav": {"officer": "P" * 65},
        "device.wav": {"device": "D" * 129},
        "incident.wav": {"incident": "I" * 65},
        "nul.wav": {"officer": "PC\u0000"},
        "surrogate.wav": '{"note": "\\udcff"}',
        "nan.wav": '{"gps": {"lat": NaN}}',
        "big.wav": '{"count": 18446744073709551616}',
        "nested.wav": "[" * 100_000 + "]" * 100_000,
    }
    for n, (name, sidecar) in enumerate(sidecars.items()):
        (dock / name).write_bytes(wav + bytes([n]) * 64)
        text = sidecar if isinstance(sidecar, str) else json.dumps(sidecar)
        (dock / f"{name}.json").write_text(text)
    (dock / os.fsdecode(b"\xfe.wav")).write_bytes(wav + b"\xfe" * 64)
    (dock / "12:30:00.wav").write_bytes(wav + b"\xfd" * 64)
    (dock / "fields-at-limit.wav").write_bytes(wav + b"\xfc" * 64)
    (dock / "fields-at-limit.wav.json").write_text(
        json.dumps({"officer": "P" * 64, "device": "D" * 128, "incident": "I" * 64})
    )

    outcomes = ingest_dock(services.ingestor(), dock)

    assert {p for p, o in outcomes.items() if o["status"] == "ingested"} == {
        "12:30:00.wav",
        "fields-at-limit.wav",
    }
    rejected = {p: o["reason"] for p, o in outcomes.items() if o["status"] == "rejected"}
    assert set(rejected) == set(sidecars) | {"\\xfe.wav"}
    assert "officer: String should have at most 64 characters" in rejected["officer.wav"]
    assert "device: String should have at most 128 characters" in rejected["device.wav"]
    assert "incident: String should have at most 64 characters" in rejected["incident.wav"]
    assert "NUL character" in rejected["nul.wav"]
    assert "not valid Unicode" in rejected["surrogate.wav"]
    assert "NaN is not a number" in rejected["nan.wav"]
    assert "too large to be recorded exactly" in rejected["big.wav"]
    assert "nested more than 32 levels" in rejected["nested.wav"]
    assert rejected["\\xfe.wav"].startswith("\\xfe.wav: the file name is not valid UTF-8")
    rows = {r.path: r for r in services.repo.rejections()}
    assert set(rows) == set(rejected)
    assert all(rows[p].reason == rejected[p] and rows[p].quarantine_path for p in rows)
    # Only the two items own stored objects: nothing was stored for a rejected file.
    assert len(stored_objects(services)) == 2
    held = services.repo.list_items()
    assert {i.device for i in held} == {None, "D" * 128}


class AppendsWhileProbing:
    """The real probe; meanwhile the recorder appends to the file, as a live recording does
    while ffprobe demuxes it: a whole block after the probe, or part of one before it."""

    def __init__(self, before: bytes = b"", after: bytes = b"") -> None:
        self.real = FfmpegProbe()
        self.before, self.after = before, after

    def probe(self, path: Path, label: str) -> MediaInfo:
        with path.open("ab") as recorder:
            recorder.write(self.before)
        info = self.real.probe(path, label)
        with path.open("ab") as recorder:
            recorder.write(self.after)
        return info


@pytest.fixture(scope="module")
def streamed_wav(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A WAV as a recorder streams it: sizes left unknown, so any prefix looks complete."""
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
         "-ac", "1", "-ar", "8000", "-f", "wav", "pipe:1"],
        capture_output=True,
        check=True,
    )  # fmt: skip
    return done.stdout[: 78 + 4096 * 4]


def test_a_file_that_grows_during_the_media_check_is_not_registered(
    services: Services, tmp_path: Path, wav: bytes
) -> None:
    dock = tmp_path / "dock"
    dock.mkdir()
    (dock / "live.wav").write_bytes(wav)
    grows = AppendsWhileProbing(after=b"\x00" * 4096)
    live = Ingestor(services.repo, services.store, grows, services.quarantine)

    outcome = live.ingest(dock, "live.wav", None, IngestOptions())

    assert outcome.status == "rejected"
    assert outcome.reason == "live.wav: still being written; present it again when complete"
    assert services.repo.list_items() == []
    assert stored_objects(services) == []
    [row] = services.repo.rejections()
    assert row.path == "live.wav" and row.reason == outcome.reason
    # Complete now: presented again it is taken whole, not refused as "changed".
    again = services.ingestor().ingest(dock, "live.wav", None, IngestOptions())
    assert again.status == "ingested", again.reason
    assert again.size == len(wav) + 4096


def test_a_file_that_looks_corrupt_because_it_is_still_being_written_is_said_to_be(
    services: Services, tmp_path: Path, streamed_wav: bytes
) -> None:
    dock = tmp_path / "dock"
    dock.mkdir()
    (dock / "live.wav").write_bytes(streamed_wav)
    half_a_block = AppendsWhileProbing(before=b"\x01" * 2000)
    live = Ingestor(services.repo, services.store, half_a_block, services.quarantine)

    outcome = live.ingest(dock, "live.wav", None, IngestOptions())

    assert outcome.reason == "live.wav: still being written; present it again when complete"
    assert services.repo.list_items() == [] and stored_objects(services) == []
    # The same bytes at rest are refused for what they are: a cut-off packet.
    rest = services.ingestor().ingest(dock, "live.wav", None, IngestOptions())
    assert rest.status == "rejected" and "corrupt" in str(rest.reason)
