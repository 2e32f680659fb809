"""A custody log whose last event was removed, as an examiner meets it through the CLI."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from tests.fixtures.cli import Cli


def test_a_cut_custody_log_refuses_get_and_fails_verify_with_exit_4(
    cli: Cli, tmp_path: Path, evidence_home: Path
) -> None:
    dock = tmp_path / "dock"
    dock.mkdir()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=1", str(dock / "999.wav")],
        check=True,
    )
    report = cli("ingest", str(dock), "--json", "--no-transcribe").json()
    [item_id] = [outcome["id"] for outcome in report["ingested"]]
    with sqlite3.connect(evidence_home / "evidence.sqlite3") as db:
        db.execute("DELETE FROM custody_events WHERE item_id = ? AND seq = 4", (item_id,))

    refused = cli("get", item_id, "--output", str(tmp_path / "copy.wav"))
    assert refused.returncode == 4, refused.stderr
    assert "event 4 is missing" in refused.stderr
    assert not (tmp_path / "copy.wav").exists()

    verified = cli("verify", item_id, "--json")
    assert verified.returncode == 4, verified.stderr
    [result] = verified.json()["items"]
    assert any("events are missing from the end" in p for p in result["problems"])
    assert any("event 4 is missing" in p for p in result["problems"])
    assert [e["action"] for e in cli("custody", item_id, "--json").json()] == [
        "received",
        "hashed",
        "stored",
    ]
