"""VERIFY.txt's commands, run as an expert would run them, against a real exported bundle.

Every code block of VERIFY.txt (blocks indented by four spaces) is run in order in one POSIX
shell; the lines with ``<...>`` placeholders are replaced by the values an expert would read
from the bundle. The hand checks must agree with the bundle, and fail on a tampered copy.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from evidence.verify_text import VERIFY_TEXT
from tests.fixtures.bundles import ExportedBundle, copy_bundle

PLACEHOLDER = re.compile(r"<[A-Za-z_][^<>]*>")


def code_blocks(text: str) -> list[str]:
    blocks = re.split(r"\n\s*\n", text)
    return [
        "\n".join(line[4:] for line in block.splitlines())
        for block in blocks
        if re.match(r"    \S", block)
    ]


def hand_check(bundle: Path, exhibit: int = 0, position: int = -1) -> tuple[str, dict]:
    """Run every command of VERIFY.txt for one event; returns the output and that event."""
    listing = json.loads((bundle / "data/exhibits.json").read_text())["exhibits"][exhibit]
    events = json.loads((bundle / listing["custody"]).read_text())
    event = events[position]
    proofs = json.loads((bundle / "log/proofs.json").read_text())
    [entry] = [
        e for e in proofs["events"]
        if e["exhibit"] == listing["exhibit_ref"] and e["seq"] == event["seq"]
    ]  # fmt: skip
    values = {
        "DIR": listing["custody"].rsplit("/", 1)[0],
        "SEQ": str(event["seq"]),
        "INDEX": str(entry["leaf_index"]),
        "SIZE": str(proofs["tree_size"]),
        "PROOF": " ".join(entry["proof"]),
    }
    script = "\n".join(
        "\n".join(line for line in block.splitlines() if not PLACEHOLDER.search(line))
        for block in code_blocks(VERIFY_TEXT)
    )
    setup = "".join(f"{name}='{value}'\n" for name, value in values.items())
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(
        ["sh", "-c", setup + script], cwd=bundle, capture_output=True, text=True, env=env,
        timeout=120,
    )  # fmt: skip
    return done.stdout + done.stderr, event


def test_the_bundle_carries_this_text_and_it_names_every_step() -> None:
    blocks = code_blocks(VERIFY_TEXT)
    assert len(blocks) == 7
    for needle in ("RFC 8785", "format 1", "SHA-256(0x00 ||", "SHA-256(0x01 ||", "C2SP"):
        assert needle in VERIFY_TEXT


def test_every_command_in_verify_txt_checks_a_real_bundle(
    exported_bundle: ExportedBundle, tmp_path: Path
) -> None:
    bundle = copy_bundle(exported_bundle.path, tmp_path / "bundle")
    assert (bundle / "VERIFY.txt").read_text() == VERIFY_TEXT
    output, event = hand_check(bundle)
    payload = (bundle / "manifest-sha256.txt").read_text().splitlines()
    assert output.count("\nOK data/") + output.startswith("OK data/") == len(payload)
    assert "FAILED" not in output
    assert output.count("Signature Verified Successfully") == 2
    fingerprint = exported_bundle.key.fingerprint.removeprefix("SHA256:")
    assert f"{fingerprint} *stdin" in output
    assert f"{event['hash']} *event.json" in output
    key_ids = [
        line.strip() for line in output.splitlines() if re.fullmatch(r"( [0-9a-f]{2}){4}", line)
    ]
    assert len(key_ids) == 2 and key_ids[0] == key_ids[1]
    assert "inclusion proof OK" in output
    first_event, _ = hand_check(bundle, exhibit=1, position=0)
    assert "inclusion proof OK" in first_event and "FAILED" not in first_event


def test_the_same_commands_fail_on_a_tampered_bundle(
    exported_bundle: ExportedBundle, tmp_path: Path
) -> None:
    bundle = copy_bundle(exported_bundle.path, tmp_path / "bundle")
    schedule = bundle / "data/exhibit-schedule.csv"
    schedule.write_text(schedule.read_text() + "forged,row\n")
    manifest = bundle / "tagmanifest-sha256.txt"
    manifest.write_text(manifest.read_text().replace("VERIFY.txt", "VERIFY.txt ", 1))
    proofs_path = bundle / "log/proofs.json"
    proofs = json.loads(proofs_path.read_text())
    for entry in proofs["events"]:
        entry["leaf_index"] ^= 1
    proofs_path.write_text(json.dumps(proofs))
    output, _ = hand_check(bundle)
    assert "FAILED data/exhibit-schedule.csv" in output
    assert "Signature Verification Failure" in output
    assert "inclusion proof FAILED" in output
