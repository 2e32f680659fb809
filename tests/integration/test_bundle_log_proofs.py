"""The verifier's checks of the transparency-log material in a real exported bundle."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bundle_verifier.bundle import verify_bundle
from bundle_verifier.checkpoint import Checkpoint, sign_checkpoint
from tests.fixtures.bundles import (
    ExportedBundle,
    copy_bundle,
    custody_events,
    origin_for,
    resign,
    without_log,
)


def problems_of(bundle: Path) -> str:
    report = verify_bundle(bundle)
    assert not report.ok
    return "\n".join(report.problems)


def edit_proofs(bundle: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = bundle / "log/proofs.json"
    proofs = json.loads(path.read_text())
    change(proofs)
    path.write_text(json.dumps(proofs))


def test_a_bundle_from_before_the_log_verifies_and_says_the_proofs_are_absent(
    exported_bundle: ExportedBundle, tmp_path: Path
) -> None:
    bundle = without_log(exported_bundle, tmp_path / "old")
    report = verify_bundle(bundle)
    assert report.ok, report.problems
    assert report.log is not None and not report.log.present
    assert any("log/: absent" in note for note in report.notes)
    assert report.as_dict()["log"]["present"] is False


def test_every_custody_event_is_proven_against_the_signed_checkpoint(
    exported_bundle: ExportedBundle, tmp_path: Path
) -> None:
    bundle = copy_bundle(exported_bundle.path, tmp_path / "logged")
    report = verify_bundle(bundle)
    assert report.ok, report.problems
    assert report.log is not None and report.log.checkpoint is not None
    assert report.log.events_proven == len(custody_events(bundle))
    assert report.log.checkpoint.origin == origin_for(exported_bundle.key)
    assert report.log.earlier == [verify_bundle(exported_bundle.first).log.checkpoint.size]
    assert report.notes == []
    first = verify_bundle(exported_bundle.first)
    assert first.ok and first.log is not None and first.log.earlier == []


def test_a_proof_that_does_not_match_the_checkpoint_is_named(
    exported_bundle: ExportedBundle, tmp_path: Path
) -> None:
    bundle = copy_bundle(exported_bundle.path, tmp_path / "logged")

    def swap_first_sibling(proofs: dict) -> None:
        proofs["events"][1]["proof"][0] = base64.b64encode(bytes(32)).decode()

    edit_proofs(bundle, swap_first_sibling)
    resign(bundle, exported_bundle.key)
    event = json.loads((bundle / "log/proofs.json").read_text())["events"][1]
    problems = problems_of(bundle)
    [problem] = [p for p in problems.splitlines() if "inclusion proof does not lead" in p]
    assert problem.startswith(f"exhibit {event['exhibit']}: custody event {event['seq']} (")
    assert "the root of log/checkpoint.note" in problem


def test_an_event_with_no_proof_and_a_proof_for_no_event_are_named(
    exported_bundle: ExportedBundle, tmp_path: Path
) -> None:
    bundle = copy_bundle(exported_bundle.path, tmp_path / "logged")

    def misfile(proofs: dict) -> None:
        proofs["events"][0]["seq"] = 42

    edit_proofs(bundle, misfile)
    resign(bundle, exported_bundle.key)
    problems = problems_of(bundle)
    assert "custody event 1 (received): has no inclusion proof in log/proofs.json" in problems
    assert "proves custody event 42 of exhibit" in problems


def test_a_checkpoint_signed_by_another_key_is_rejected(
    exported_bundle: ExportedBundle, tmp_path: Path
) -> None:
    bundle = copy_bundle(exported_bundle.path, tmp_path / "logged")
    note = (bundle / "log/checkpoint.note").read_text()
    body = note[: note.rindex("\n\n") + 1]
    origin, size, root = body.splitlines()
    forged = Checkpoint(origin, int(size), base64.b64decode(root))
    other = Ed25519PrivateKey.generate()
    (bundle / "log/checkpoint.note").write_text(sign_checkpoint(forged, origin, other))
    resign(bundle, exported_bundle.key)
    assert "log/checkpoint.note: signed as" in problems_of(bundle)
    assert "but by another key" in problems_of(bundle)


def test_an_earlier_checkpoint_the_log_does_not_extend_is_named(
    exported_bundle: ExportedBundle, tmp_path: Path
) -> None:
    bundle = copy_bundle(exported_bundle.path, tmp_path / "logged")
    [earlier] = json.loads((bundle / "log/proofs.json").read_text())["earlier"]
    origin = origin_for(exported_bundle.key)
    forked = Checkpoint(origin, earlier["size"], bytes(range(32)))
    (bundle / earlier["note"]).write_text(
        sign_checkpoint(forked, origin, exported_bundle.key.private)
    )
    resign(bundle, exported_bundle.key)
    assert (
        f"{earlier['note']}: the consistency proof does not show that the log of size"
        in problems_of(bundle)
    )
    assert "history was replaced, not appended to" in problems_of(bundle)


def test_log_files_outside_the_signed_manifests_and_edited_notes_are_named(
    exported_bundle: ExportedBundle, tmp_path: Path
) -> None:
    bundle = copy_bundle(exported_bundle.path, tmp_path / "logged")
    (bundle / "log/extra.note").write_text("unsigned\n")
    note = bundle / "log/checkpoint.note"
    lines = note.read_text().split("\n")
    lines[1] = str(int(lines[1]) + 1)
    note.write_text("\n".join(lines))
    problems = problems_of(bundle)
    assert "log/extra.note: not covered by the tag manifests" in problems
    assert "log/checkpoint.note: SHA256 does not match tagmanifest-sha256.txt" in problems
    assert "log/checkpoint.note: the signature by" in problems
    assert "changed after it was signed" in problems


def test_a_checkpoint_whose_origin_names_another_key_is_named(
    exported_bundle: ExportedBundle, tmp_path: Path
) -> None:
    bundle = copy_bundle(exported_bundle.path, tmp_path / "logged")

    def rename(proofs: dict) -> None:
        proofs["origin"] = "Test Constabulary/bwv-evidence/0000000000000000"

    edit_proofs(bundle, rename)
    resign(bundle, exported_bundle.key)
    assert "log/proofs.json: its origin, tree size or root differ" in problems_of(bundle)
    other_origin = "Someone Else/bwv-evidence/0000000000000000"
    note = bundle / "log/checkpoint.note"
    [_, size, root] = note.read_text().split("\n")[:3]
    renamed = Checkpoint(other_origin, int(size), base64.b64decode(root))
    note.write_text(sign_checkpoint(renamed, other_origin, exported_bundle.key.private))
    resign(bundle, exported_bundle.key)
    assert (
        f"log/checkpoint.note: its origin {other_origin!r} does not name the bundle's signing key"
        in problems_of(bundle)
    )


def test_proofs_naming_paths_outside_log_or_malformed_entries_are_named(
    exported_bundle: ExportedBundle, tmp_path: Path
) -> None:
    bundle = copy_bundle(exported_bundle.path, tmp_path / "logged")

    def escape(proofs: dict) -> None:
        proofs["checkpoint"] = "log/../../outside.note"

    edit_proofs(bundle, escape)
    resign(bundle, exported_bundle.key)
    assert "log/proofs.json: names an unsafe checkpoint path 'log/../../outside.note'" in (
        problems_of(bundle)
    )
    bundle = copy_bundle(exported_bundle.path, tmp_path / "malformed")

    def break_entries(proofs: dict) -> None:
        proofs["events"][0]["proof"] = "not a list"
        proofs["earlier"][0]["consistency_proof"] = ["***"]

    edit_proofs(bundle, break_entries)
    resign(bundle, exported_bundle.key)
    problems = problems_of(bundle)
    assert "custody event 1 (received): its entry in log/proofs.json is malformed" in problems
    assert "log/proofs.json: the entry for log/earlier/" in problems
