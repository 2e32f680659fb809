"""The transparency log through the installed CLI: checkpoints after ingest and export,
``log prove`` and ``log check``, the log material in bundles, and ``verify --all`` failing
with exit 4 on a consistent tail rewrite and on a restore from an earlier copy."""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bundle_verifier import merkle
from bundle_verifier.canonical import leaf_entry
from bundle_verifier.checkpoint import open_checkpoint
from entrypoints.sample_dock import silent_video
from evidence.signing import SigningKey
from evidence.tlog import Notary, checkpoint_key
from tests.fixtures.cli import Cli

URN = "01YZ7654321"
INCIDENT = "CAD-20261125-0999"
ORGANISATION = "Test Constabulary"


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory, prefect_api: str) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("tlog-e2e")
    dock = root / "dock"
    dock.mkdir()
    for name, seconds in (("a.mp4", 1), ("b.mp4", 1.5)):
        silent_video(dock / name, seconds=seconds)
        (dock / f"{name}.json").write_text(json.dumps({"incident": INCIDENT, "officer": "PC1"}))
    cli = Cli(root / "home", prefect_api, {"EVIDENCE_ORGANISATION": ORGANISATION})
    assert cli("case", "create", URN, "--incident", INCIDENT).returncode == 0
    ingest = cli("ingest", str(dock), "--no-transcribe", "--json")
    assert ingest.returncode == 0, ingest.stderr
    return {"cli": cli, "root": root, "ids": [o["id"] for o in ingest.json()["ingested"]]}


def checkpoints(root: Path) -> list[str]:
    folder = root / "home" / "store" / "log" / "checkpoints"
    return sorted(path.name for path in folder.iterdir())


def test_ingest_writes_a_checkpoint_and_prove_and_check_hold(story: dict[str, Any]) -> None:
    cli, root = story["cli"], story["root"]
    assert len(checkpoints(root)) >= 1
    proofs = cli("log", "prove", story["ids"][0], "--json")
    assert proofs.returncode == 0, proofs.stderr
    report = proofs.json()
    assert report["events"] and all(e["status"] == "proven" for e in report["events"])
    assert cli("log", "check", "--json").returncode == 0
    verified = cli("verify", "--all", "--json")
    assert verified.returncode == 0, verified.stderr
    assert verified.json()["log"]["problems"] == []


def test_bundles_carry_proofs_and_each_extends_the_one_before(story: dict[str, Any]) -> None:
    cli, root = story["cli"], story["root"]
    first = cli("bundle", "export", URN, str(root / "out1"), "--json")
    assert first.returncode == 0, first.stderr
    second = cli("bundle", "export", URN, str(root / "out2"), "--json")
    assert second.returncode == 0, second.stderr
    bundle = Path(second.json()["bundle"])
    key = serialization.load_pem_public_key((bundle / "signing-key.pub.pem").read_bytes())
    proofs = json.loads((bundle / "log/proofs.json").read_text())
    note = (bundle / "log/checkpoint.note").read_text()
    checkpoint = open_checkpoint(note, proofs["origin"], key)  # type: ignore[arg-type]
    assert checkpoint.size == proofs["tree_size"]
    tags = (bundle / "tagmanifest-sha256.txt").read_text()
    assert "log/proofs.json" in tags and "log/checkpoint.note" in tags
    proven = 0
    listing = json.loads((bundle / "data/exhibits.json").read_text())["exhibits"]
    for exhibit in listing:
        events = json.loads((bundle / exhibit["custody"]).read_text())
        entries = {e["seq"]: e for e in proofs["events"] if e["exhibit"] == exhibit["exhibit_ref"]}
        for event in events:
            entry = entries[event["seq"]]
            leaf = merkle.leaf_hash(leaf_entry("custody", event))
            path = [base64.b64decode(node) for node in entry["proof"]]
            assert merkle.verify_inclusion(
                leaf, entry["leaf_index"], checkpoint.size, path, checkpoint.root
            )
            proven += 1
    assert proven == sum(len(json.loads((bundle / e["custody"]).read_text())) for e in listing)
    [earlier] = proofs["earlier"]
    old = open_checkpoint((bundle / earlier["note"]).read_text(), proofs["origin"], key)  # type: ignore[arg-type]
    first_proofs = json.loads((Path(first.json()["bundle"]) / "log/proofs.json").read_text())
    assert old.size == first_proofs["tree_size"] < checkpoint.size
    path = [base64.b64decode(node) for node in earlier["consistency_proof"]]
    assert merkle.verify_consistency(old.size, checkpoint.size, old.root, checkpoint.root, path)


def test_log_check_names_a_forked_checkpoint(story: dict[str, Any], tmp_path: Path) -> None:
    cli, root = story["cli"], story["root"]
    home = root / "home"
    copy = tmp_path / "home"
    shutil.copytree(home, copy, symlinks=True)
    forked = Cli(copy, cli.env["PREFECT_API_URL"], {"EVIDENCE_ORGANISATION": ORGANISATION})
    assert forked("log", "check").returncode == 0
    pem = (copy / "keys" / "bundle-signing-key.pem").read_bytes()
    private = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(private, Ed25519PrivateKey)
    notary = Notary.for_installation(ORGANISATION, SigningKey(private))
    size = int(checkpoints(root)[-1][:20]) + 1
    fake = bytes(32)
    store = copy / "store"
    target = store / checkpoint_key(size, fake)
    target.write_text(notary.sign(size, fake))
    report = forked("log", "check", "--json")
    assert report.returncode == 4
    newest = checkpoints(root)[-1]
    assert report.json()["first_broken_pair"] == [
        f"log/checkpoints/{newest}",
        checkpoint_key(size, fake),
    ]


def test_verify_all_fails_with_exit_4_on_a_tail_rewrite(
    story: dict[str, Any], tmp_path: Path
) -> None:
    cli, root = story["cli"], story["root"]
    assert cli("log", "checkpoint").returncode == 0
    copy = tmp_path / "home"
    shutil.copytree(root / "home", copy, symlinks=True)
    victim = story["ids"][1]
    with sqlite3.connect(copy / "evidence.sqlite3") as db:
        seq, prev = db.execute(
            "SELECT seq, prev_hash FROM custody_events WHERE item_id = ? ORDER BY seq DESC",
            (victim,),
        ).fetchone()
        db.execute("DELETE FROM log_leaves WHERE chain = ? AND seq = ?", (victim, seq))
        db.execute("DELETE FROM custody_events WHERE item_id = ? AND seq = ?", (victim, seq))
        db.execute(
            "UPDATE items SET custody_head = ?, custody_count = ? WHERE id = ?",
            (prev, seq - 1, victim),
        )
    rewritten = Cli(copy, cli.env["PREFECT_API_URL"], {"EVIDENCE_ORGANISATION": ORGANISATION})
    assert rewritten("custody", victim).returncode == 0
    result = rewritten("verify", "--all", "--json")
    assert result.returncode == 4, result.stderr
    assert "transparency log" in result.stderr and "missing" in result.stderr
    assert all(not item["problems"] for item in result.json()["items"])  # chains look fine


def test_verify_all_fails_with_exit_4_after_a_restore(
    story: dict[str, Any], tmp_path: Path
) -> None:
    cli, root = story["cli"], story["root"]
    database = root / "home" / "evidence.sqlite3"
    backup = tmp_path / "backup.sqlite3"
    with sqlite3.connect(database) as live, sqlite3.connect(backup) as copy:
        live.backup(copy)
    assert cli("get", story["ids"][0], "--output", str(tmp_path / "out.mp4")).returncode == 0
    assert cli("log", "checkpoint").returncode == 0
    with sqlite3.connect(backup) as copy, sqlite3.connect(database) as live:
        copy.backup(live)  # last week's backup, restored over the live database
    result = cli("verify", "--all")
    assert result.returncode == 4
    assert "rolled back" in result.stderr
