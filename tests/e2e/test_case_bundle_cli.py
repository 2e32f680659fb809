"""Cases and CPS bundles through the installed CLI: a 999 call and BWV clips on one incident,
auto-linked on ingest, exported as a signed bag, then verified and tampered with."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bagit
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from entrypoints.sample_dock import call_recording, silent_video
from evidence.settings import Settings
from storage.database import make_engine
from storage.unit_of_work import unit_of_work_factory
from tests.fixtures.cli import Cli

URN = "01YZ1234524"
INCIDENT = "CAD-20261125-0417"
T0 = datetime(2026, 11, 25, 21, 14, tzinfo=UTC)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("case-media")
    return {
        "call": call_recording("Police emergency. He has a knife. Please hurry.", root / "c.wav"),
        "bwv1": silent_video(root / "b1.mp4", seconds=3),
        "bwv2": silent_video(root / "b2.mp4", seconds=2),
        "bwv3": silent_video(root / "b3.mp4", seconds=2.5),
    }


def build_dock(root: Path, media: dict[str, Path]) -> Path:
    files = [
        ("calls/999-2114.wav", "call", "CH1187", T0, INCIDENT),
        ("bwv/PC4521/arrival.mp4", "bwv1", "PC4521", T0 + timedelta(seconds=2), INCIDENT),
        ("bwv/PC3310/arrest.mp4", "bwv2", "PC3310", T0 + timedelta(minutes=10), INCIDENT),
        ("bwv/PC4521/later.mp4", "bwv3", "PC4521", T0 + timedelta(minutes=40), None),
    ]
    for name, key, officer, at, incident in files:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(media[key], target)
        sidecar = {"officer": officer, "recorded_at": at.isoformat(), "device": f"DEV-{officer}"}
        if incident:
            sidecar["incident"] = incident
        target.with_name(target.name + ".json").write_text(json.dumps(sidecar))
    return root


@pytest.fixture(scope="module")
def exported(
    tmp_path_factory: pytest.TempPathFactory, media: dict[str, Path], prefect_api: str
) -> dict[str, object]:
    """One run of the whole story; the tests below check its parts."""
    root = tmp_path_factory.mktemp("case-e2e")
    cli = Cli(root / "home", prefect_api, {"EVIDENCE_ORGANISATION": "Test Constabulary"})
    created = cli(
        "case", "create", URN, "--title", "Assault at 14 Acacia Avenue", "--incident", INCIDENT,
        "--domestic-abuse", "--person", "officer:John Smith:PC4521", "--person",
        "victim:Ann Other", "--json",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    ingest = cli("ingest", str(build_dock(root / "dock", media)), "--no-transcribe", "--json")
    assert ingest.returncode == 0, ingest.stderr
    ids = {Path(o["path"]).name: o["id"] for o in ingest.json()["ingested"]}
    shown = cli("case", "show", URN, "--json")
    suggested = cli("case", "suggestions", URN, "--json")
    confirmed = cli("case", "confirm", URN, ids["later.mp4"], "--officer", "DC1001", "--json")
    timeline = cli("case", "timeline", URN, "--json")
    timeline_text = cli("case", "timeline", URN)
    bundle = cli("bundle", "export", URN, str(root / "out"), "--officer", "DC1001", "--json")
    assert bundle.returncode == 0, bundle.stderr
    return {
        "cli": cli,
        "root": root,
        "ids": ids,
        "created": created.json(),
        "shown": shown.json(),
        "suggested": suggested.json(),
        "confirmed": confirmed.json(),
        "timeline": timeline.json(),
        "timeline_text": timeline_text.stdout,
        "bundle": Path(bundle.json()["bundle"]),
        "export": bundle.json(),
    }


def test_items_are_auto_linked_on_ingest_with_exhibit_refs(exported: dict) -> None:
    assert exported["created"]["linked"] == []
    assert exported["created"]["domestic_abuse"] is True
    refs = {e["item"]["original_name"]: e["exhibit_ref"] for e in exported["shown"]["exhibits"]}
    assert refs == {"999-2114.wav": "CH1187/1", "arrival.mp4": "JS/1", "arrest.mp4": "PC3310/1"}
    assert all(e["how"] == "auto-incident" for e in exported["shown"]["exhibits"])


def test_same_officer_nearby_is_suggested_then_confirmed(exported: dict) -> None:
    [suggestion] = exported["suggested"]
    assert suggestion["item_id"] == exported["ids"]["later.mp4"]
    assert suggestion["related_item_id"] == exported["ids"]["arrival.mp4"]
    assert exported["confirmed"]["exhibit_ref"] == "JS/2"
    assert exported["confirmed"]["how"] == "confirmed"


def test_timeline_puts_the_call_and_the_arrival_together(exported: dict) -> None:
    timeline = exported["timeline"]
    assert [e["exhibit_ref"] for e in timeline] == ["CH1187/1", "JS/1", "PC3310/1", "JS/2"]
    assert timeline[0]["kind"] == "call" and timeline[0]["start"] == "2026-11-25T21:14:00.000000Z"
    assert timeline[0]["overlaps"] == ["JS/1"] and timeline[1]["overlaps"] == ["CH1187/1"]
    assert timeline[2]["overlaps"] == []
    assert "2026-11-25 21:14:00" in exported["timeline_text"]


def test_bundle_is_a_valid_bag_that_our_verify_accepts_offline(
    exported: dict, tmp_path: Path
) -> None:
    bundle: Path = exported["bundle"]
    bag = bagit.Bag(str(bundle))
    bag.validate()
    assert bag.info["Case-URN"] == URN and bag.info["Exhibit-Count"] == "4"
    assert bag.info["Source-Organization"] == "Test Constabulary"
    assert exported["export"]["valid"] is True
    schedule = (bundle / "data/exhibit-schedule.csv").read_text()
    assert schedule.count("exported-to-cps by DC1001") == 4
    # The CPS has only the bundle: no database, no Prefect server.
    cps = Cli(tmp_path / "cps-home", "http://127.0.0.1:9/api", {})
    result = cps("bundle", "verify", str(bundle), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.json()["valid"] is True and result.json()["exhibits"] == 4
    assert not (tmp_path / "cps-home").exists()
    pinned = cps(
        "bundle", "verify", str(bundle), "--public-key", str(bundle / "signing-key.pub.pem")
    )
    assert pinned.returncode == 0 and "VALID" in pinned.stdout
    other = tmp_path / "other.pem"
    other.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    wrong = cps("bundle", "verify", str(bundle), "--public-key", str(other), "--json")
    assert wrong.returncode == 4
    assert any("not the pinned key" in p for p in wrong.json()["problems"])


def tampered(exported: dict, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(exported["bundle"], copy)
    return copy


def verify_problems(copy: Path) -> list[str]:
    result = Cli(copy.parent / "cps", "http://127.0.0.1:9/api", {})(
        "bundle", "verify", str(copy), "--json"
    )
    assert result.returncode == 4, result.stdout
    return result.json()["problems"]


def test_flipped_byte_in_a_payload_file_is_named(exported: dict, tmp_path: Path) -> None:
    copy = tampered(exported, tmp_path)
    media = copy / "data/exhibits/JS-1/arrival.mp4"
    data = bytearray(media.read_bytes())
    data[len(data) // 2] ^= 0x01
    media.write_bytes(bytes(data))
    problems = verify_problems(copy)
    assert any(
        p.startswith("data/exhibits/JS-1/arrival.mp4: SHA256 does not match") for p in problems
    )
    assert any("exhibit JS/1: media SHA-256" in p for p in problems)


def test_edited_bag_info_with_recomputed_manifests_breaks_the_signature(
    exported: dict, tmp_path: Path
) -> None:
    copy = tampered(exported, tmp_path)
    bag = bagit.Bag(str(copy))
    bag.info["Source-Organization"] = "Someone Else"
    bag.save(manifests=True)
    bagit.Bag(str(copy)).validate()
    problems = verify_problems(copy)
    assert any("tagmanifest-sha256.txt.sig: the signature does not match" in p for p in problems)


def test_removed_file_is_named(exported: dict, tmp_path: Path) -> None:
    copy = tampered(exported, tmp_path)
    (copy / "data/exhibits/CH1187-1/custody.json").unlink()
    problems = verify_problems(copy)
    assert any(
        "data/exhibits/CH1187-1/custody.json: listed in the manifests but missing" in p
        for p in problems
    )
    assert any("exhibit CH1187/1: custody log" in p for p in problems)


def test_edited_custody_log_is_named(exported: dict, tmp_path: Path) -> None:
    copy = tampered(exported, tmp_path)
    log_path = copy / "data/exhibits/PC3310-1/custody.json"
    events = json.loads(log_path.read_text())
    events[0]["actor"] = "someone-else"
    log_path.write_text(json.dumps(events, indent=2))
    problems = verify_problems(copy)
    assert any("data/exhibits/PC3310-1/custody.json: SHA256 does not match" in p for p in problems)
    assert any(
        "exhibit PC3310/1: custody log" in p and "changed after it was recorded" in p
        for p in problems
    )


def test_bad_urn_and_unknown_case_are_clear_errors(exported: dict) -> None:
    cli: Cli = exported["cli"]
    bad = cli("case", "create", "12345")
    assert bad.returncode == 2 and "URN '12345'" in bad.stderr and "Traceback" not in bad.stderr
    missing = cli("case", "show", "01YZ9999924")
    assert missing.returncode == 3 and "case 01YZ9999924: not found" in missing.stderr
    unlink = cli("case", "unlink", URN, exported["ids"]["arrest.mp4"], "--reason", "wrong job")
    assert unlink.returncode == 0, unlink.stderr
    assert cli("case", "status", URN, "charged").returncode == 0
    assert cli("case", "list", "--json").json()[0]["status"] == "charged"
    assert cli("case", "status", URN, "shelved").returncode == 2
    custody = cli("custody", exported["ids"]["arrest.mp4"], "--json").json()
    assert [e["action"] for e in custody][-2:] == ["exported-to-cps", "case-unlinked"]


def test_case_commands_are_audited_as_the_console(exported: dict) -> None:
    root: Path = exported["root"]
    engine = make_engine(Settings(home=root / "home").resolved_database_url)
    try:
        with unit_of_work_factory(engine)() as uow:
            events = uow.audit.events(f"case:{URN}")
    finally:
        engine.dispose()
    done = [(e.action, e.actor, e.role) for e in events]
    assert done[0][0] == "create-case" and done[0][2] == "console"
    assert ("confirm-suggestion", "DC1001", "console") in done
    assert [a for a, _, _ in done].count("view-timeline") == 2
    assert {"view-case", "view-suggestions"} <= {a for a, _, _ in done}
    assert all(e.address.startswith("console:") for e in events)
