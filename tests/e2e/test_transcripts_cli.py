"""Transcripts and search through the installed CLI: ingest, find the moment, export it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from entrypoints.sample_dock import SAMPLES, make_sample_dock
from tests.fixtures.cli import Cli

VTT_TIME = r"\d{2}:\d{2}:\d{2}\.\d{3}"
SRT_TIME = r"\d{2}:\d{2}:\d{2},\d{3}"


@pytest.fixture(scope="module")
def sample_dock(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sample-dock")
    make_sample_dock(root)
    return root


def test_ingest_transcribes_then_search_finds_the_moment(
    cli: Cli, sample_dock: Path, tmp_path: Path
) -> None:
    dock = tmp_path / "dock"
    shutil.copytree(sample_dock, dock)
    ingested = cli("ingest", str(dock), "--json")
    assert ingested.returncode == 0, ingested.stderr
    report = ingested.json()
    assert {o["status"] for o in report["transcribed"]} == {"done"}
    ids = {o["path"]: o["id"] for o in report["ingested"]}
    # --json keeps stdout for the report; each file, then each transcription, shows on stderr.
    total = len(ids)
    transcribed = re.findall(
        rf"^\[\d/{total}\] transcription done item (\w+)$", ingested.stderr, re.M
    )
    assert sorted(transcribed) == sorted(i[:12] for i in ids.values()), ingested.stderr

    found = cli("search", '"kitchen door"', "--json")
    assert found.returncode == 0, found.stderr
    hits = found.json()
    assert [hit["item_id"] for hit in hits] == [ids[SAMPLES[1].name]]
    assert set(hits[0]) >= {"item_id", "start", "end", "text", "snippet", "score"}
    assert 0.5 <= hits[0]["start"] < hits[0]["end"] < 12

    by_officer = cli("search", "threat*", "--officer", "CH1187", "--from", "2026-11-25", "--json")
    assert [hit["item_id"] for hit in by_officer.json()] == [ids[SAMPLES[0].name]]
    assert cli("search", "threat*", "--to", "2026-11-24", "--json").json() == []
    assert cli("search", "zebra", "--json").stdout.strip() == "[]"

    item = ids[SAMPLES[1].name]
    vtt = cli("transcript", item[:8], "--format", "vtt")
    assert vtt.returncode == 0, vtt.stderr
    assert vtt.stdout.startswith("WEBVTT\n")
    assert re.search(rf"^{VTT_TIME} --> {VTT_TIME}$", vtt.stdout, re.MULTILINE)
    srt_file = tmp_path / "out.srt"
    srt = cli("transcript", item, "--format", "srt", "--output", str(srt_file))
    assert srt.returncode == 0, srt.stderr
    assert re.match(rf"1\n{SRT_TIME} --> {SRT_TIME}\n.*kitchen door", srt_file.read_text(), re.S)
    custody = cli("custody", item, "--json").json()
    assert custody[-1]["action"] == "transcribed"
    assert custody[-1]["details"]["provenance"]["source"]["sha256"] == custody[0]["sha256"]


def test_no_transcribe_then_pending_and_clear_errors(
    cli: Cli, sample_dock: Path, tmp_path: Path
) -> None:
    dock = tmp_path / "dock"
    dock.mkdir()
    shutil.copy(sample_dock / SAMPLES[2].name, dock / "arrest.mp4")
    ingested = cli("ingest", str(dock), "--no-transcribe", "--kind", "bwv", "--json").json()
    assert ingested["transcribed"] == []
    item = ingested["ingested"][0]["id"]

    missing = cli("transcript", item)
    assert missing.returncode == 3
    assert "not transcribed yet" in missing.stderr
    assert cli("search", "arresting", "--json").json() == []

    done = cli("transcribe", "--pending", "--json")
    assert done.returncode == 0, done.stderr
    assert f"[1/1] transcription done item {item[:12]}" in done.stderr.splitlines()
    assert [(o["item_id"], o["status"], o["version"]) for o in done.json()] == [(item, "done", 1)]
    assert len(cli("search", "arresting", "--json").json()) == 1
    again = cli("transcribe", item, "--json").json()
    assert again[0]["skipped"] is True

    for urn in ("01YZ1234524", "01YZ7654324"):
        assert cli("case", "create", urn, "--json").returncode == 0
    assert cli("case", "link", "01YZ1234524", item, "--json").returncode == 0
    in_case = cli("search", "arresting", "--case", "01YZ1234524", "--json").json()
    assert [hit["item_id"] for hit in in_case] == [item]
    assert cli("search", "arresting", "--case", "01YZ7654324", "--json").json() == []

    for query in ('"unclosed', "thr*eat", ""):
        bad = cli("search", query)
        assert bad.returncode == 2, bad.stderr
        assert "Traceback" not in bad.stderr and "error:" in bad.stderr
    assert cli("transcript", item, "--format", "docx").returncode == 2


def test_a_failed_transcription_keeps_the_item_and_fails_the_command(
    evidence_home: Path, prefect_api: str, sample_dock: Path, tmp_path: Path
) -> None:
    missing_model = tmp_path / "no-such-model"
    broken = Cli(evidence_home, prefect_api, {"EVIDENCE_WHISPER_MODEL": str(missing_model)})
    dock = tmp_path / "dock"
    dock.mkdir()
    shutil.copy(sample_dock / SAMPLES[0].name, dock / "999.wav")

    result = broken("ingest", str(dock), "--json")

    assert result.returncode == 1
    report = result.json()
    [item] = report["ingested"]
    assert report["rejected"] == []
    [transcription] = report["transcribed"]
    assert transcription["status"] == "failed"
    assert str(missing_model) in transcription["reason"]
    assert broken("show", item["id"], "--json").json()["status"] == "preserved"
    failed = _failures(broken, item["id"])
    assert len(failed) == 1
    assert str(missing_model) in failed[0]["details"]["reason"]

    retried = broken("transcribe", item["id"], "--json")
    assert retried.returncode == 9, retried.stderr
    assert "Traceback" not in retried.stderr
    [outcome] = retried.json()
    assert outcome["status"] == "failed" and str(missing_model) in outcome["reason"]
    assert len(_failures(broken, item["id"])) == 2
    assert broken("show", item["id"], "--json").json()["status"] == "preserved"


def _failures(cli: Cli, item_id: str) -> list[dict[str, Any]]:
    events = cli("custody", item_id, "--json").json()
    return [e for e in events if e["action"] == "transcription-failed"]
