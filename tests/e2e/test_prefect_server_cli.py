"""The local Prefect server, driven through the CLI with no PREFECT_API_URL set.

A real ``prefect server start`` process: two commands racing start one, a flow command
reuses it, ``status`` reports it, ``stop`` ends it (and never a process that merely has the
recorded pid). Each test stops what it started, whatever happens.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from entrypoints import prefect_server
from tests.e2e.test_cli_startup import _run
from tests.fixtures.cli import Cli


@pytest.fixture
def local_cli(evidence_home: Path) -> Iterator[Cli]:
    """The CLI with no Prefect API configured, so flow commands use the local server."""
    cli = Cli(evidence_home, "", {})
    cli.env.pop("PREFECT_API_URL")
    yield cli
    prefect_server.stop(evidence_home)


@pytest.fixture
def other_process() -> Iterator[subprocess.Popen[bytes]]:
    """A process that now has the pid a stale record names (started in its own session, as
    the server would be, so signalling its group could only reach it)."""
    sleeper = subprocess.Popen(["sleep", "300"], start_new_session=True)
    yield sleeper
    sleeper.kill()
    sleeper.wait()


def _stale_record(home: Path, pid: int) -> Path:
    folder = prefect_server.state_dir(home)
    folder.mkdir(parents=True)
    stale = {"pid": pid, "port": 9, "url": "http://127.0.0.1:9/api",
             "started_at": "2026-01-01T00:00:00+00:00", "process_start": "1"}  # fmt: skip
    (folder / "server.json").write_text(json.dumps(stale))
    return folder


def _tone(dock: Path, name: str, frequency: int) -> None:
    dock.mkdir(exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
         f"sine=frequency={frequency}:duration=0.5", "-ar", "8000", str(dock / name)],
        check=True,
    )  # fmt: skip


def _alive(pid: int) -> bool:
    """Running: not gone, and not a zombie its new parent has yet to collect."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _starts_logged(home: Path) -> int:
    log = prefect_server.state_dir(home) / "server.log"
    return log.read_text().count("Check out the dashboard")


def test_racing_commands_start_one_server_that_flows_reuse_and_stop_ends(
    local_cli: Cli, evidence_home: Path, tmp_path: Path, other_process: subprocess.Popen[bytes]
) -> None:
    # A record left by a server long gone whose pid is now another process: it must be
    # replaced, and that process left alone.
    _stale_record(evidence_home, other_process.pid)
    assert local_cli("server", "status").returncode == 1

    racers = [
        subprocess.Popen(
            [str(local_cli.executable), "server", "start", "--json"],
            env=local_cli.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    answers = [racer.communicate(timeout=180) for racer in racers]
    assert all(racer.returncode == 0 for racer in racers), answers
    first, second = (json.loads(out) for out, _err in answers)
    assert first["pid"] == second["pid"] != other_process.pid
    assert other_process.poll() is None, "a process that merely had the recorded pid was ended"
    assert first["url"] == second["url"] and first["running"] is True
    assert _starts_logged(evidence_home) == 1

    _tone(tmp_path / "dock", "call.wav", 440)
    ingest = local_cli("ingest", "--no-transcribe", "--json", str(tmp_path / "dock"))
    assert ingest.returncode == 0, ingest.stderr
    assert len(ingest.json()["ingested"]) == 1

    status = local_cli("server", "status", "--json")
    assert status.returncode == 0, status.stderr
    shown = status.json()
    assert shown["pid"] == first["pid"] and shown["healthy"] is True
    assert shown["flows_use"] == first["url"] and shown["uptime_seconds"] >= 0
    assert _starts_logged(evidence_home) == 1  # the ingest reused it

    stopped = local_cli("server", "stop", "--json")
    assert stopped.json() == {"stopped": True, "pid": first["pid"]}
    assert not _alive(first["pid"])
    assert local_cli("server", "status").returncode == 1
    assert local_cli("server", "stop", "--json").json()["stopped"] is False


def test_a_flow_command_starts_the_server_when_none_runs(
    local_cli: Cli, evidence_home: Path, tmp_path: Path
) -> None:
    _tone(tmp_path / "dock", "call.wav", 550)
    ingest = local_cli("ingest", "--no-transcribe", "--json", str(tmp_path / "dock"))
    assert ingest.returncode == 0, ingest.stderr
    record = prefect_server.running(evidence_home)
    assert record is not None, "the ingest left no local server running"
    assert _starts_logged(evidence_home) == 1


def test_stop_with_a_stale_record_touches_no_process_and_forgets_it(
    local_cli: Cli, evidence_home: Path, other_process: subprocess.Popen[bytes]
) -> None:
    folder = _stale_record(evidence_home, other_process.pid)

    status = local_cli("server", "status", "--json")
    assert status.returncode == 1 and status.json()["running"] is False
    assert local_cli("server", "stop", "--json").json() == {"stopped": False, "pid": None}
    assert not (folder / "server.json").exists()
    assert other_process.poll() is None, "a process that merely had the recorded pid was ended"


def test_server_commands_never_import_prefect(evidence_home: Path) -> None:
    done, loaded = _run(evidence_home, "server", "status")
    assert done.returncode == 1 and "Local Prefect server" in done.stdout
    assert loaded == [], f"evidence server status imported {loaded}"
