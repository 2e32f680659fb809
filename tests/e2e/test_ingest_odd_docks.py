"""Odd docks through the installed CLI: files still being written, pipes, sockets, devices,
names Linux allows but other systems do not, and hostile sidecars.

Whatever a dock holds, every file ends either held or quarantined with its reason, the
batch goes on, and a rerun resumes without duplicates.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.cli import Cli

STILL_WRITING = "still being written; present it again when complete"

# A recorder that streams a WAV: the header (sizes unknown, as ffmpeg writes to a pipe),
# then PCM in 4 KiB blocks every few milliseconds until told to stop. Every prefix it
# leaves on disk is itself a playable WAV, which is what makes a partial read look complete.
WRITER = """
import os, sys, time
path, stop, source = sys.argv[1:4]
data = open(source, "rb").read()
header, pcm = data[:78], data[78:]
with open(path, "wb", buffering=0) as out:
    out.write(header)
    offset = 0
    while not os.path.exists(stop):
        block = pcm[offset:offset + 4096]
        if len(block) < 4096:
            offset, block = 0, pcm[:4096]
        out.write(block)
        offset += 4096
        time.sleep(0.01)
"""


@pytest.fixture(scope="module")
def wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "tone.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
         "-ac", "1", "-ar", "8000", str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def streamed_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A WAV as a recorder streams it: sizes in the header left unknown (0xFFFFFFFF)."""
    path = tmp_path_factory.mktemp("media") / "streamed.wav"
    with path.open("wb") as out:
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=20",
             "-ac", "1", "-ar", "8000", "-f", "wav", "pipe:1"],
            stdout=out,
            check=True,
        )  # fmt: skip
    assert path.read_bytes()[4:8] == b"\xff\xff\xff\xff"
    return path


def distinct(wav: Path, tag: int) -> bytes:
    """The WAV with a tag after its data (players ignore it), so each copy has its own digest."""
    return wav.read_bytes() + bytes([tag]) * 64


def make_too_deep(dock: Path) -> list[str]:
    """Folders nested beyond PATH_MAX (4096 bytes) from the root, made one level at a time,
    with a recording at the bottom; returns the folder names."""
    names = [f"{n:02}" + "d" * 240 for n in range(18)]
    fd = os.open(dock, os.O_DIRECTORY)
    try:
        for name in names:
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        out = os.open("lost.wav", os.O_WRONLY | os.O_CREAT, dir_fd=fd)
        os.write(out, b"never reached")
        os.close(out)
    finally:
        os.close(fd)
    return names


def reasons(report: dict) -> dict[str, str]:
    return {entry["path"]: entry["reason"] for entry in report["rejected"]}


def test_a_file_still_being_written_is_refused_then_taken_when_complete(
    cli: Cli, tmp_path: Path, streamed_wav: Path, evidence_home: Path
) -> None:
    dock = tmp_path / "dock"
    dock.mkdir()
    growing, stop = dock / "999-live.wav", tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, growing, stop, streamed_wav])
    try:
        deadline = time.monotonic() + 30
        while not growing.exists() or growing.stat().st_size < 78 + 16 * 4096:
            assert time.monotonic() < deadline and writer.poll() is None, "writer did not start"
            time.sleep(0.01)

        during = cli("ingest", str(dock), "--json", "--no-transcribe")
    finally:
        stop.touch()
        writer.wait(timeout=30)

    assert during.returncode == 1, during.stdout + during.stderr
    report = during.json()
    assert report["ingested"] == [] and report["duplicates"] == []
    assert reasons(report) == {"999-live.wav": f"999-live.wav: {STILL_WRITING}"}
    assert cli("list", "--json").json() == []
    stored = [p for p in (evidence_home / "store" / "sha256").rglob("*") if p.is_file()]
    assert stored == [], "a partial recording was kept in the store"

    # Complete now: presented again, it is taken whole, not refused as "changed".
    complete = growing.read_bytes()
    after = cli("ingest", str(dock), "--json", "--no-transcribe")
    assert after.returncode == 0, after.stdout + after.stderr
    [item] = after.json()["ingested"]
    assert item["size"] == len(complete) and item["path"] == "999-live.wav"
    assert len(cli("list", "--json").json()) == 1


@pytest.mark.timeout(240)
def test_pipes_sockets_and_devices_are_refused_without_opening_them(
    cli: Cli, tmp_path: Path, wav: Path, evidence_home: Path
) -> None:
    dock = tmp_path / "dock"
    dock.mkdir()
    (dock / "good.wav").write_bytes(distinct(wav, 1))
    os.mkfifo(dock / "pipe.wav")
    os.mkfifo(dock / "pipe-sidecar.wav.json")
    (dock / "pipe-sidecar.wav").write_bytes(distinct(wav, 2))
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(dock / "socket.wav"))
    expected = {
        "pipe.wav": "pipe.wav: a named pipe (FIFO), not a file",
        "socket.wav": "socket.wav: a socket, not a file",
        "pipe-sidecar.wav": "pipe-sidecar.wav.json: a named pipe (FIFO), not a file",
    }
    try:
        os.mknod(dock / "device.wav", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        expected["device.wav"] = "device.wav: a character device, not a file"
    except PermissionError:
        pass  # only root may make a device node; the pipe and socket still run
    try:
        done = cli("ingest", str(dock), "--json", "--no-transcribe", timeout=60)
    finally:
        listener.close()

    assert done.returncode == 1, done.stdout + done.stderr
    report = done.json()
    assert [entry["path"] for entry in report["ingested"]] == ["good.wav"]
    got = reasons(report)
    assert set(got) == set(expected)
    for path, reason in expected.items():
        assert got[path].startswith(reason), got[path]
    for node in ("pipe.wav", "socket.wav", "pipe-sidecar.wav.json"):
        assert not stat.S_ISREG((dock / node).lstat().st_mode), "the dock entry was replaced"
    recorded = [
        json.loads(p.read_text())["path"]
        for p in (evidence_home / "quarantine").rglob("*.reason.json")
    ]
    assert set(expected) <= set(recorded)
    # the sidecar's media file is kept in quarantine with the reason
    kept = next((evidence_home / "quarantine").rglob("pipe-sidecar.wav"))
    assert kept.read_bytes() == distinct(wav, 2)


def test_odd_names_and_hostile_sidecars_end_held_or_quarantined(
    cli: Cli, tmp_path: Path, wav: Path, evidence_home: Path
) -> None:
    dock = tmp_path / "dock"
    dock.mkdir()
    (dock / "12:30:00.wav").write_bytes(distinct(wav, 1))
    (dock / "back\\slash.wav").write_bytes(distinct(wav, 2))
    (dock / "C:").mkdir()
    (dock / "C:" / "drive.wav").write_bytes(distinct(wav, 3))
    not_utf8 = os.fsdecode(b"\xff.wav")
    (dock / not_utf8).write_bytes(distinct(wav, 4))
    deep = dock.joinpath(*[f"folder{n:02}" for n in range(50)])
    deep.mkdir(parents=True)
    long_name = "x" * 242 + ".wav"
    (deep / long_name).write_text("not a recording")
    (dock / "nested.wav").write_bytes(distinct(wav, 5))
    (dock / "nested.wav.json").write_text("[" * 100_000 + "]" * 100_000)
    (dock / "nan.wav").write_bytes(distinct(wav, 6))
    (dock / "nan.wav.json").write_text('{"officer": "PC1", "gps": {"lat": NaN}}')
    (dock / "long-device.wav").write_bytes(distinct(wav, 7))
    (dock / "long-device.wav.json").write_text(json.dumps({"device": "D" * 129}))
    before = {p: p.read_bytes() for p in dock.rglob("*") if p.is_file()}
    too_deep = make_too_deep(dock)

    first = cli("ingest", str(dock), "--json", "--no-transcribe")

    assert first.returncode == 1, first.stdout + first.stderr
    assert "Traceback" not in first.stderr
    report = first.json()
    assert {e["path"] for e in report["ingested"]} == {
        "12:30:00.wav",
        "back\\slash.wav",
        "C:/drive.wav",
    }
    deep_path = "/".join(f"folder{n:02}" for n in range(50)) + "/" + long_name
    got = reasons(report)
    [unlisted] = [path for path in got if path.startswith(too_deep[0])]
    assert len(os.fsencode(dock / unlisted)) > 4095 and too_deep[-1] not in unlisted
    assert got.pop(unlisted) == (
        f"{unlisted}: folder cannot be listed (File name too long); "
        "the files in it were not ingested"
    )
    assert set(got) == {"\\xff.wav", deep_path, "nested.wav", "nan.wav", "long-device.wav"}
    assert got["\\xff.wav"].startswith("\\xff.wav: the file name is not valid UTF-8")
    assert got[deep_path].startswith(f"{deep_path}: not decodable media")
    assert "nested more than" in got["nested.wav"]
    assert "NaN" in got["nan.wav"]
    assert "device: " in got["long-device.wav"] and "128 characters" in got["long-device.wav"]

    quarantine = evidence_home / "quarantine"
    assert [p for p in (quarantine / ".staging").iterdir()] == []
    records = {}
    for reason_file in quarantine.rglob("*.reason.json"):
        assert len(os.fsencode(reason_file.name)) <= 255
        record = json.loads(reason_file.read_text("utf-8"))
        records[record["path"]] = record
    assert set(got) <= set(records)
    assert records["\\xff.wav"]["path_bytes"] == b"\xff.wav".hex()
    deep_record = records[deep_path]
    kept = quarantine / deep_record["sha256"] / deep_record["quarantine_name"]
    assert kept.read_bytes() == b"not a recording"
    kept_name = (
        quarantine / records["\\xff.wav"]["sha256"] / records["\\xff.wav"]["quarantine_name"]
    )
    assert kept_name.read_bytes() == distinct(wav, 4)

    # Nothing in the dock was changed; a rerun resumes without duplicates or new rejections.
    assert {p: p.read_bytes() for p in before} == before
    again = cli("ingest", str(dock), "--json", "--no-transcribe")
    assert "Traceback" not in again.stderr
    assert again.json()["ingested"] == []
    assert len(again.json()["duplicates"]) == 3
    assert set(reasons(again.json())) == set(got) | {unlisted}
    assert len(cli("list", "--json").json()) == 3
    assert [p for p in (quarantine / ".staging").iterdir()] == []


def test_an_officer_or_incident_too_long_to_record_is_refused_before_anything_runs(
    cli: Cli, tmp_path: Path, wav: Path, evidence_home: Path
) -> None:
    dock = tmp_path / "dock"
    dock.mkdir()
    (dock / "call.wav").write_bytes(distinct(wav, 1))
    for option in ("--officer", "--incident"):
        refused = cli("ingest", str(dock), "--json", "--no-transcribe", option, "X" * 65)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        name = option.removeprefix("--")
        assert (
            f"{name} 'XXXX" in refused.stderr and "longer than the 64 characters" in refused.stderr
        )
        assert "Traceback" not in refused.stderr
    assert not (evidence_home / "quarantine").exists() or not any(
        (evidence_home / "quarantine").rglob("*.reason.json")
    )
    taken = cli("ingest", str(dock), "--json", "--no-transcribe", "--officer", "X" * 64)
    assert taken.returncode == 0, taken.stdout + taken.stderr
