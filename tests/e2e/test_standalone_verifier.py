"""The verifier distribution installed alone in a fresh virtual environment, as a CPS lawyer
or a defence expert would install it: it needs nothing of ours, accepts a real bundle, and
rejects each tampering with exit 4, naming it."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import bagit
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bundle_verifier.checkpoint import Checkpoint, sign_checkpoint
from tests.fixtures.bundles import ExportedBundle, copy_bundle, custody_events, without_log

REPOSITORY = Path(__file__).resolve().parents[2]


def clean_env() -> dict[str, str]:
    """No PYTHONPATH: nothing of this checkout may leak into the fresh environment."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


@pytest.fixture(scope="session")
def bundle_verify(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``bundle-verify`` from ``pip install ./verifier`` into a fresh venv (once a session)."""
    root = tmp_path_factory.mktemp("standalone-verifier")
    source = root / "verifier"
    shutil.copytree(
        REPOSITORY / "verifier", source, ignore=shutil.ignore_patterns("tests", "*.egg-info")
    )
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=clean_env(), cwd=root)
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(source)],
        capture_output=True, text=True, env=clean_env(), timeout=600, cwd=root,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    alone = subprocess.run(
        [str(python), "-c", "import evidence"],
        capture_output=True, text=True, env=clean_env(), cwd=root,
    )  # fmt: skip
    assert alone.returncode != 0, "the fresh environment must not see the evidence package"
    return venv / "bin" / "bundle-verify"


def run(command: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(command), *args],
        capture_output=True, text=True, env=clean_env(), timeout=120, cwd=command.parent,
    )  # fmt: skip


@pytest.fixture
def bundle(exported_bundle: ExportedBundle, tmp_path: Path) -> Path:
    return copy_bundle(exported_bundle.path, tmp_path / "bundle")


def rejected(command: Path, bundle: Path) -> str:
    result = run(command, str(bundle))
    assert result.returncode == 4, result.stdout + result.stderr
    assert result.stdout.startswith(f"INVALID: {bundle}:")
    return result.stdout


def test_a_real_bundle_verifies_with_its_log_proofs(bundle_verify: Path, bundle: Path) -> None:
    result = run(bundle_verify, str(bundle))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"VALID: {bundle}: case 01YZ1234524, 2 exhibit(s)")
    events = len(custody_events(bundle))
    assert f"the log proofs ({events} event(s) in the signed checkpoint of size" in result.stdout
    assert "and 1 earlier checkpoint(s)) check out" in result.stdout
    report = json.loads(run(bundle_verify, str(bundle), "--json").stdout)
    assert report["valid"] is True and report["log"]["events_proven"] == events
    pinned = run(bundle_verify, str(bundle), "--public-key", str(bundle / "signing-key.pub.pem"))
    assert pinned.returncode == 0, pinned.stdout


def test_a_bundle_from_before_the_log_verifies_and_says_so(
    bundle_verify: Path, exported_bundle: ExportedBundle, tmp_path: Path
) -> None:
    old = without_log(exported_bundle, tmp_path / "old")
    result = run(bundle_verify, str(old))
    assert result.returncode == 0, result.stdout
    assert "note: log/: absent; this bundle was exported before" in result.stdout


def test_a_flipped_byte_is_named(bundle_verify: Path, bundle: Path) -> None:
    media = next((bundle / "data/exhibits").glob("*/arrival.mp4"))
    data = bytearray(media.read_bytes())
    data[len(data) // 2] ^= 0x01
    media.write_bytes(bytes(data))
    out = rejected(bundle_verify, bundle)
    name = media.relative_to(bundle).as_posix()
    assert f"{name}: SHA256 does not match manifest-sha256.txt" in out
    assert "media SHA-256" in out


def test_a_re_manifested_bag_is_named_by_its_stale_signature(
    bundle_verify: Path, bundle: Path
) -> None:
    bag = bagit.Bag(str(bundle))
    bag.info["Source-Organization"] = "Someone Else"
    bag.save(manifests=True)
    bagit.Bag(str(bundle)).validate()
    out = rejected(bundle_verify, bundle)
    assert "tagmanifest-sha256.txt.sig: the signature does not match tagmanifest-sha256.txt" in out


def test_a_removed_file_is_named(bundle_verify: Path, bundle: Path) -> None:
    custody = next((bundle / "data/exhibits").glob("CH1187-*/custody.json"))
    custody.unlink()
    out = rejected(bundle_verify, bundle)
    name = custody.relative_to(bundle).as_posix()
    assert f"{name}: listed in the manifests but missing from the bag" in out


def test_an_edited_custody_log_is_named(bundle_verify: Path, bundle: Path) -> None:
    custody = next((bundle / "data/exhibits").glob("PC4521-*/custody.json"))
    events = json.loads(custody.read_text())
    events[0]["actor"] = "someone-else"
    custody.write_text(json.dumps(events, indent=2))
    out = rejected(bundle_verify, bundle)
    assert "event 1 (received): its content was changed after it was recorded" in out
    assert "custody event 1 (received): the inclusion proof does not lead to the root" in out


def test_a_proof_that_does_not_match_the_checkpoint_is_named(
    bundle_verify: Path, bundle: Path
) -> None:
    proofs_path = bundle / "log/proofs.json"
    proofs = json.loads(proofs_path.read_text())
    proofs["events"][0]["leaf_index"] += 2
    proofs_path.write_text(json.dumps(proofs))
    out = rejected(bundle_verify, bundle)
    assert "log/proofs.json: SHA256 does not match tagmanifest-sha256.txt" in out
    event = proofs["events"][0]
    assert (
        f"exhibit {event['exhibit']}: custody event 1 (received): the inclusion proof does not "
        "lead to the root of log/checkpoint.note"
    ) in out


def test_a_checkpoint_signed_by_another_key_is_named(bundle_verify: Path, bundle: Path) -> None:
    note = bundle / "log/checkpoint.note"
    origin, size, root = note.read_text().split("\n")[:3]
    forged = Checkpoint(origin, int(size), base64.b64decode(root))
    note.write_text(sign_checkpoint(forged, origin, Ed25519PrivateKey.generate()))
    out = rejected(bundle_verify, bundle)
    assert f"log/checkpoint.note: signed as {origin} but by another key" in out


def test_bad_input_exits_2(bundle_verify: Path, bundle: Path, tmp_path: Path) -> None:
    missing = run(bundle_verify, str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    (tmp_path / "key.pem").write_text("not a key")
    bad_key = run(bundle_verify, str(bundle), "--public-key", str(tmp_path / "key.pem"))
    assert bad_key.returncode == 2 and "key.pem: not a PEM public key" in bad_key.stderr
    assert "Traceback" not in missing.stderr + bad_key.stderr
