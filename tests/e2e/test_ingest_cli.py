"""The ingest spine through the installed CLI, as an officer and an auditor would drive it."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from entrypoints.sample_dock import call_recording, silent_video, speech_video
from tests.fixtures.cli import Cli


def sha256sum(path: Path) -> str:
    out = subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True)
    return out.stdout.split()[0]


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("media")
    video = speech_video("Police. Are you hurt?", root / "video.mp4")
    truncated = root / "truncated.mp4"
    truncated.write_bytes(video.read_bytes()[: video.stat().st_size * 6 // 10])
    mp3 = root / "call.mp3"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(call_recording("Hello", root / "c.wav")), str(mp3)],
        check=True,
    )
    return {
        "video": video,
        "truncated": truncated,
        "wav": call_recording("Police emergency, which service?", root / "call.wav"),
        "mp3": mp3,
        "silent": silent_video(root / "silent.mp4", with_audio=False),
    }


def build_dock(root: Path, media: dict[str, Path]) -> Path:
    dock = root / "dock"
    (dock / "bwv").mkdir(parents=True)
    (dock / "calls").mkdir()
    shutil.copy(media["video"], dock / "bwv" / "clip1.mp4")
    sidecar = {
        "officer": "PC4521",
        "device": "AXON-0042",
        "recorded_at": "2026-11-25T21:21:00Z",
        "incident": "CAD-417",
        "kind": "bwv",
        "sha256": sha256sum(media["video"]),
        "gps": {"lat": 51.5},
    }
    (dock / "bwv" / "clip1.mp4.json").write_text(json.dumps(sidecar))
    shutil.copy(media["video"], dock / "bwv" / "copy-of-clip1.mp4")
    shutil.copy(media["silent"], dock / "bwv" / "no-audio.mp4")
    shutil.copy(media["wav"], dock / "calls" / "999.wav")
    shutil.copy(media["mp3"], dock / "calls" / "101.mp3")
    shutil.copy(media["truncated"], dock / "bwv" / "truncated.mp4")
    (dock / "bwv" / "empty.mp4").write_bytes(b"")
    (dock / "bwv" / "not-video.mp4").write_text("this is a text file, not a video")
    (dock / "notes.txt").write_text("shift notes")
    (dock / "bwv" / "link.mp4").symlink_to(media["video"])
    shutil.copy(media["wav"], dock / "calls" / "tampered.wav")
    (dock / "calls" / "tampered.wav.json").write_text(json.dumps({"sha256": "0" * 64}))
    return dock


def test_ingest_a_dock_with_good_duplicate_and_bad_files(
    cli: Cli, tmp_path: Path, media: dict[str, Path], evidence_home: Path
) -> None:
    dock = build_dock(tmp_path, media)
    before = {p: p.read_bytes() for p in dock.rglob("*") if p.is_file() and not p.is_symlink()}

    result = cli("ingest", str(dock), "--json", "--no-transcribe")

    assert result.returncode == 1, result.stderr
    report = result.json()
    ingested = {entry["path"]: entry for entry in report["ingested"]}
    assert set(ingested) == {
        "bwv/clip1.mp4", "bwv/no-audio.mp4", "calls/999.wav", "calls/101.mp3"
    } or set(ingested) == {
        "bwv/copy-of-clip1.mp4", "bwv/no-audio.mp4", "calls/999.wav", "calls/101.mp3"
    }  # fmt: skip
    video_sha = sha256sum(media["video"])
    assert {e["sha256"] for e in report["duplicates"]} == {video_sha}
    assert ingested.get("bwv/clip1.mp4", ingested.get("bwv/copy-of-clip1.mp4"))["kind"] == "bwv"
    assert ingested["calls/999.wav"]["kind"] == "call"
    assert ingested["calls/999.wav"]["size"] == media["wav"].stat().st_size
    assert ingested["calls/999.wav"]["duration"] > 1
    reasons = {entry["path"]: entry["reason"] for entry in report["rejected"]}
    assert set(reasons) == {
        "bwv/truncated.mp4",
        "bwv/empty.mp4",
        "bwv/not-video.mp4",
        "notes.txt",
        "bwv/link.mp4",
        "calls/tampered.wav",
    }
    assert "truncated" in reasons["bwv/truncated.mp4"]
    assert "zero-length" in reasons["bwv/empty.mp4"]
    assert "not decodable media" in reasons["bwv/not-video.mp4"]
    assert "not a media file type" in reasons["notes.txt"]
    assert "symbolic link" in reasons["bwv/link.mp4"]
    assert "expected 0000" in reasons["calls/tampered.wav"]
    assert all(reason.startswith(path) for path, reason in reasons.items())

    # The stored bytes are exactly the dock's, by an independent tool.
    for entry in report["ingested"]:
        stored = next((evidence_home / "store").rglob(entry["sha256"]))
        assert sha256sum(stored) == sha256sum(dock / entry["path"]) == entry["sha256"]

    # Quarantine keeps a copy and the reason of every rejected file that could be read.
    reason_files = list((evidence_home / "quarantine").rglob("*.reason.json"))
    recorded = {json.loads(p.read_text())["path"] for p in reason_files}
    assert set(reasons) <= recorded
    truncated_copy = next((evidence_home / "quarantine").rglob("bwv__truncated.mp4"))
    assert truncated_copy.read_bytes() == media["truncated"].read_bytes()
    link_record = next(
        json.loads(p.read_text())
        for p in reason_files
        if json.loads(p.read_text())["path"] == "bwv/link.mp4"
    )
    assert link_record["presentations"][0]["link_target"] == str(media["video"])

    # Nothing in the dock was changed or removed.
    assert {p: p.read_bytes() for p in before} == before
    assert (dock / "bwv" / "link.mp4").is_symlink()

    # A rerun registers nothing twice: every good file is now a duplicate.
    again = cli("ingest", str(dock), "--json", "--no-transcribe").json()
    assert again["ingested"] == []
    assert len(again["duplicates"]) == 5
    listed = cli("list", "--json").json()
    assert len(listed) == 4


def test_show_custody_get_and_verify(
    cli: Cli, tmp_path: Path, media: dict[str, Path], evidence_home: Path
) -> None:
    dock = tmp_path / "dock"
    dock.mkdir()
    shutil.copy(media["video"], dock / "clip.mp4")
    (dock / "clip.mp4.json").write_text(json.dumps({"officer": "PC1", "device": "CAM-9"}))
    shutil.copy(media["wav"], dock / "call.wav")
    report = cli(
        "ingest", str(dock), "--json", "--officer", "DC77", "--incident", "CAD-9", "--no-transcribe"
    ).json()
    by_path = {e["path"]: e["id"] for e in report["ingested"]}
    clip_id = by_path["clip.mp4"]

    shown = cli("show", clip_id[:8], "--json").json()
    assert shown["id"] == clip_id
    assert (shown["officer"], shown["device"], shown["incident"]) == ("PC1", "CAM-9", "CAD-9")
    assert shown["media"]["video_codec"] == "h264" and shown["media"]["audio_codec"] == "aac"
    assert shown["store_location"].startswith("file://")
    assert shown["status"] == "preserved"

    events = cli("custody", clip_id, "--json").json()
    assert [e["action"] for e in events] == ["received", "hashed", "stored", "verified"]
    assert all(e["actor"] == "DC77" and e["sha256"] == shown["sha256"] for e in events)
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(events))

    out = tmp_path / "copy.mp4"
    got = cli("get", clip_id, "--output", str(out))
    assert got.returncode == 0, got.stderr
    assert sha256sum(out) == shown["sha256"]
    assert cli("custody", clip_id, "--json").json()[-1]["action"] == "copied-out"

    clean = cli("verify", "--all", "--json")
    assert clean.returncode == 0 and clean.json()["failed"] == 0

    stored = next((evidence_home / "store").rglob(shown["sha256"]))
    stored.chmod(0o644)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0x01
    stored.write_bytes(bytes(data))

    flipped = cli("verify", "--all", "--json")
    assert flipped.returncode == 4, "a fixity failure exits 4, as the README promises"
    assert f"1 of 2 items failed verification: {clip_id}" in flipped.stderr
    failures = {
        item["id"]: item["problems"] for item in flipped.json()["items"] if item["problems"]
    }
    assert list(failures) == [clip_id]
    assert "stored bytes changed" in failures[clip_id][0]
    assert cli("custody", clip_id, "--json").json()[-1]["action"] == "fixity-failed"

    refused = cli("get", clip_id, "--output", str(tmp_path / "bad.mp4"))
    assert refused.returncode == 4
    assert "not the recorded" in refused.stderr
    assert not (tmp_path / "bad.mp4").exists()

    missing = cli("show", "0" * 32)
    assert missing.returncode == 3 and "not found" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_changed_file_with_the_same_name_is_rejected_and_kept(
    cli: Cli, tmp_path: Path, media: dict[str, Path], evidence_home: Path
) -> None:
    dock = tmp_path / "dock"
    dock.mkdir()
    shutil.copy(media["wav"], dock / "999.wav")
    first = cli("ingest", str(dock), "--json", "--no-transcribe").json()["ingested"][0]
    shutil.copy(media["mp3"], dock / "999.wav")  # the dock re-exports different bytes
    second = cli("ingest", str(dock), "--json", "--no-transcribe")
    assert second.returncode == 1
    [rejected] = second.json()["rejected"]
    assert rejected["path"] == "999.wav"
    assert f"changed since it was ingested as item {first['id']}" in rejected["reason"]
    kept = next((evidence_home / "quarantine").rglob("999.wav"))
    assert kept.read_bytes() == media["mp3"].read_bytes()
    assert len(cli("list", "--json").json()) == 1


def test_json_and_piped_runs_show_progress_lines_on_stderr(
    cli: Cli, tmp_path: Path, media: dict[str, Path]
) -> None:
    dock = tmp_path / "dock"
    dock.mkdir()
    shutil.copy(media["wav"], dock / "call.wav")
    (dock / "notes.txt").write_text("not media")
    # The test's pipes are not a terminal, with --json or without it.
    runs = [(["--json"], "ingested"), ([], "duplicate")]
    for extra, call_status in runs:
        result = cli("ingest", str(dock), "--no-transcribe", *extra)
        progress = [
            match.groups()
            for match in map(PROGRESS.match, result.stderr.splitlines())
            if match is not None
        ]
        assert sorted(count for count, *_ in progress) == ["1", "2"], result.stderr
        assert {(status, path) for _, status, path in progress} == {
            (call_status, "call.wav"),
            ("rejected", "notes.txt"),
        }
        if extra:
            assert result.json()["ingested"][0]["path"] == "call.wav"


PROGRESS = re.compile(r"^\[(\d+)/2\] (\w+) ([^:\s]+)")


def test_a_killed_batch_resumes_without_duplicates(
    cli: Cli, tmp_path: Path, media: dict[str, Path], evidence_home: Path
) -> None:
    dock = tmp_path / "dock"
    dock.mkdir()
    files = 40
    for n in range(files):
        # distinct bytes per file: append a tag after the WAV's data (players ignore it)
        (dock / f"call{n:02}.wav").write_bytes(media["wav"].read_bytes() + bytes([n]) * 64)
    process = subprocess.Popen(
        [str(cli.executable), "ingest", str(dock), "--json", "--no-transcribe"],
        env=cli.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    database = evidence_home / "evidence.sqlite3"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if database.exists() and _count(database) >= 3:
            break
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    registered_before = _count(database)
    assert registered_before < files, "the batch finished before it could be interrupted"

    rerun = cli("ingest", str(dock), "--json", "--no-transcribe")
    assert rerun.returncode == 0, rerun.stderr
    report = rerun.json()
    assert len(report["ingested"]) + len(report["duplicates"]) == files
    items = cli("list", "--json").json()
    assert len(items) == files and len({i["sha256"] for i in items}) == files
    verified = cli("verify", "--all", "--json").json()
    assert verified["failed"] == 0
    objects = [p for p in (evidence_home / "store" / "sha256").rglob("*") if p.is_file()]
    assert len(objects) == files
    assert list((evidence_home / "store" / ".staging").iterdir()) == []  # the kill's leftovers


def _count(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
            return int(connection.execute("SELECT count(*) FROM items").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
