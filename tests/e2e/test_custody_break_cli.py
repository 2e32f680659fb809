"""A cut custody log and edited item details, as an examiner meets them through the CLI."""

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


def test_an_unrecorded_edit_fails_verify_and_a_correction_is_recorded(
    cli: Cli, tmp_path: Path, evidence_home: Path
) -> None:
    dock = tmp_path / "dock"
    dock.mkdir()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=1", str(dock / "999.wav")],
        check=True,
    )
    report = cli(
        "ingest", str(dock), "--json", "--no-transcribe", "--officer", "CH1187", "--incident", "C1"
    ).json()
    [item_id] = [outcome["id"] for outcome in report["ingested"]]
    with sqlite3.connect(evidence_home / "evidence.sqlite3") as db:
        db.execute("UPDATE items SET incident = 'C2' WHERE id = ?", (item_id,))

    edited = cli("verify", item_id, "--json")
    assert edited.returncode == 4, edited.stderr
    [problem] = edited.json()["items"][0]["problems"]
    assert problem.startswith("item detail incident is 'C2', but the custody log committed 'C1'")

    put_back = cli("correct", item_id, "--reason", "unrecorded edit found by verify", "--json")
    assert put_back.returncode == 0, put_back.stderr
    assert put_back.json()["details"]["row_differed"] == {
        "incident": {"row": "C2", "committed": "C1"}
    }
    corrected = cli(
        "correct", item_id, "--set", "incident=C3", "--set", "device=", "--reason", "typo"
    )
    assert corrected.returncode == 0, corrected.stderr
    assert cli("show", item_id, "--json").json()["incident"] == "C3"
    assert cli("verify", item_id).returncode == 0
    actions = [e["action"] for e in cli("custody", item_id, "--json").json()]
    assert actions[-3:] == ["details-corrected", "details-corrected", "fixity-checked"]

    refused = cli("correct", item_id, "--set", "sha256=00", "--reason", "x")
    assert refused.returncode == 2 and "not an item detail" in refused.stderr
