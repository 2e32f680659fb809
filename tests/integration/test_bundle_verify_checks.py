"""``bundle verify``'s checks beyond digests and signatures, each against the forgery it
guards: a bundle edited and then re-sealed (every manifest recomputed, Payload-Oxum set,
tag manifests re-signed) by someone holding the signing key. Digests and signatures then
pass, so only the check under test can catch the edit."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bundle_verifier.bundle import verify_bundle
from evidence.bagit_writer import ALGORITHMS, manifest_text
from evidence.custody import GENESIS, Actor, event_hash
from evidence.hashing import hash_file
from evidence.model import EvidenceItem, utcnow
from evidence.quarantine import Quarantine
from evidence.settings import Settings
from evidence.signing import signing_key
from storage.bootstrap import Services
from storage.database import make_engine, migrate
from storage.local_store import LocalStore
from storage.unit_of_work import SqlRepository
from tests.fixtures import case_desk
from tests.fixtures.bundles import export_as, resign

URN = "01YZ1234524"
INCIDENT = "CAD-20261125-0417"
DC = Actor("DC1001", "desk-01")


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    url = f"sqlite:///{tmp_path / 'evidence.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    yield Services(
        settings=Settings(home=tmp_path / "home", database_url=url, organisation="Test Force"),
        engine=engine,
        repo=SqlRepository(engine),
        store=LocalStore(tmp_path / "store"),
        quarantine=Quarantine(tmp_path / "quarantine"),
    )
    engine.dispose()


@pytest.fixture
def bundle(services: Services, tmp_path: Path) -> Path:
    for name, officer in (("call.wav", "CH1187"), ("bwv.mp4", "PC4521")):
        stored = services.store.put(io.BytesIO(f"media of {name}".encode() * 1000))
        item = EvidenceItem(
            id=stored.sha256[:32],
            sha256=stored.sha256,
            size=stored.size,
            kind="bwv",
            original_name=name,
            source_path=f"dock/{name}",
            storage_key=stored.key,
            store_location=stored.location,
            ingested_at=utcnow(),
            officer=officer,
            incident=INCIDENT,
            recorded_at=datetime(2026, 11, 25, 21, 14, tzinfo=UTC),
        )
        actor = Actor(officer, "dock-01")
        services.repo.add_item(item, [("received", actor, item.sha256, {}, utcnow())])
    case_desk.create_case(services, URN, DC, incidents=[INCIDENT])
    return export_as(services, URN, tmp_path / "out", DC)


def reseal(services: Services, root: Path) -> None:
    """Recompute every manifest and Payload-Oxum, and re-sign, as a key holder could."""
    payload = {
        path.relative_to(root).as_posix(): hash_file(path, ALGORITHMS[1:])
        for path in sorted((root / "data").rglob("*"))
        if path.is_file()
    }
    for algorithm in ALGORITHMS:
        (root / f"manifest-{algorithm}.txt").write_text(manifest_text(payload, algorithm))
    oxum = f"{sum(d.size for d in payload.values())}.{len(payload)}"
    info = (root / "bag-info.txt").read_text().splitlines()
    info = [f"Payload-Oxum: {oxum}" if line.startswith("Payload-Oxum:") else line for line in info]
    (root / "bag-info.txt").write_text("\n".join(info) + "\n")
    resign(root, signing_key(services.settings))


def first_exhibit(root: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    listing = json.loads((root / "data/exhibits.json").read_text())
    entry = listing["exhibits"][0]
    return entry, json.loads((root / entry["custody"]).read_text())


def rewrite_custody(root: Path, events: list[dict[str, Any]]) -> None:
    """Re-chain the events and point the listing at the new head, so the chain verifies.

    The log's inclusion proofs would name such a rewrite too (test_bundle_log_proofs.py);
    the forger here also drops ``log/``, as a bundle from before the log has none, so only
    the check under test stands between the forgery and a pass.
    """
    shutil.rmtree(root / "log")
    previous = GENESIS
    for seq, event in enumerate(events, start=1):
        event.update(seq=seq, prev_hash=previous)
        event["hash"] = previous = event_hash(event)
    listing = json.loads((root / "data/exhibits.json").read_text())
    entry = listing["exhibits"][0]
    entry["custody_head"] = previous
    (root / entry["custody"]).write_text(json.dumps(events, indent=2))
    (root / "data/exhibits.json").write_text(json.dumps(listing, indent=2))


def test_a_resealed_but_unchanged_bundle_still_verifies(services: Services, bundle: Path) -> None:
    assert verify_bundle(bundle).problems == []
    reseal(services, bundle)
    assert verify_bundle(bundle).problems == []


def test_a_custody_log_that_does_not_end_with_this_export_is_named(
    services: Services, bundle: Path
) -> None:
    entry, events = first_exhibit(bundle)
    assert events[-1]["action"] == "exported-to-cps"
    rewrite_custody(bundle, events[:-1])
    reseal(services, bundle)
    assert verify_bundle(bundle).problems == [
        f"exhibit {entry['exhibit_ref']}: custody log {entry['custody']} does not end with the "
        f"export into this bundle ({bundle.name})"
    ]


def test_a_custody_event_naming_another_digest_is_named(services: Services, bundle: Path) -> None:
    entry, events = first_exhibit(bundle)
    events[0]["sha256"] = "f" * 64
    rewrite_custody(bundle, events)
    reseal(services, bundle)
    assert verify_bundle(bundle).problems == [
        f"exhibit {entry['exhibit_ref']}: custody log event 1 names another digest"
    ]


def test_an_exhibit_count_that_differs_from_the_listing_is_named(
    services: Services, bundle: Path
) -> None:
    info = (bundle / "bag-info.txt").read_text()
    assert "Exhibit-Count: 2\n" in info
    (bundle / "bag-info.txt").write_text(info.replace("Exhibit-Count: 2\n", "Exhibit-Count: 3\n"))
    reseal(services, bundle)
    assert verify_bundle(bundle).problems == [
        "bag-info.txt: Exhibit-Count 3 but data/exhibits.json lists 2"
    ]


def test_a_custody_log_ending_with_an_export_into_another_bundle_is_named(
    services: Services, bundle: Path
) -> None:
    entry, events = first_exhibit(bundle)
    events[-1]["details"]["bundle"] = f"{URN}_20261101T000000.000000Z"
    rewrite_custody(bundle, events)
    reseal(services, bundle)
    assert verify_bundle(bundle).problems == [
        f"exhibit {entry['exhibit_ref']}: custody log {entry['custody']} does not end with the "
        f"export into this bundle ({bundle.name})"
    ]
