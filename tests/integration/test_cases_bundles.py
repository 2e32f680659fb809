"""Case repository and services on SQLite and PostgreSQL: links, custody, suggestions, export."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import bagit
import pytest
from sqlalchemy import update

from bundle_verifier.bundle import verify_bundle
from evidence.cases import Person
from evidence.custody import Actor, verify_chain
from evidence.errors import Conflict, CustodyBroken, FixityError, InvalidInput, NotFound
from evidence.model import EvidenceItem, utcnow
from evidence.ports import ObjectStore
from evidence.quarantine import Quarantine
from evidence.settings import Settings
from storage.bootstrap import Services
from storage.database import make_engine, migrate
from storage.local_store import LocalStore
from storage.tables import ItemRow
from storage.unit_of_work import SqlRepository
from tests.fixtures import case_desk
from tests.fixtures.bundles import console_as, export_as

URN = "01YZ1234524"
INCIDENT = "CAD-20261125-0417"
T0 = datetime(2026, 11, 25, 21, 14, tzinfo=UTC)
DC = Actor("DC1001", "desk-01")


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    engine = make_engine(database_url)
    migrate(engine)
    settings = Settings(
        home=tmp_path / "home",
        database_url=database_url,
        organisation="Test Constabulary",
        link_window_minutes=60,
    )
    yield Services(
        settings=settings,
        engine=engine,
        repo=SqlRepository(engine),
        store=LocalStore(tmp_path / "store"),
        quarantine=Quarantine(tmp_path / "quarantine"),
    )
    engine.dispose()


def held(
    services: Services,
    name: str,
    *,
    officer: str = "PC4521",
    incident: str | None = INCIDENT,
    at: datetime = T0,
    kind: str = "bwv",
) -> EvidenceItem:
    stored = services.store.put(io.BytesIO(f"media of {name}".encode() * 1000), label=name)
    item = EvidenceItem(
        id=stored.sha256[:32],
        sha256=stored.sha256,
        size=stored.size,
        kind=kind,
        original_name=name,
        source_path=f"dock/{name}",
        storage_key=stored.key,
        store_location=stored.location,
        ingested_at=utcnow(),
        officer=officer,
        incident=incident,
        recorded_at=at,
        duration=120.0,
    )
    actor = Actor(officer, "dock-01")
    return services.repo.add_item(item, [("received", actor, item.sha256, {}, utcnow())])


def test_case_create_links_held_items_by_incident_with_custody_events(services: Services) -> None:
    call = held(services, "call.wav", officer="CH1187", kind="call")
    bwv = held(services, "bwv.mp4", at=T0 + timedelta(minutes=1))
    held(services, "other.mp4", incident="CAD-OTHER")
    case, links = case_desk.create_case(
        services, "01yz1234524", DC, incidents=[INCIDENT.lower()], title="Assault"
    )
    assert case.incidents == [INCIDENT]
    assert {(link.item_id, link.exhibit_ref) for link in links} == {
        (call.id, "CH1187/1"),
        (bwv.id, "PC4521/1"),
    }
    assert case_desk.item_ids_for_case(services, URN) == {call.id, bwv.id}
    event = services.repo.custody(bwv.id)[-1]
    assert (event.action, event.actor, event.details["urn"]) == ("case-linked", "DC1001", URN)
    assert event.details["how"] == "auto-incident"
    assert (
        verify_chain(services.repo.custody(bwv.id), services.repo.get_item(bwv.id).custody_head)
        == []
    )
    with pytest.raises(Conflict, match="already exists"):
        case_desk.create_case(services, URN, DC)


def test_a_case_whose_last_link_fails_is_not_created_at_all(services: Services) -> None:
    first = held(services, "first.mp4")
    last = held(services, "last.mp4", at=T0 + timedelta(minutes=5))
    with services.engine.begin() as connection:
        # The last item's chain no longer ends at its recorded head: appending is refused.
        connection.execute(
            update(ItemRow).where(ItemRow.id == last.id).values(custody_head="0" * 64)
        )
    with pytest.raises(CustodyBroken, match=last.id):
        case_desk.create_case(services, URN, DC, incidents=[INCIDENT])
    with services.unit_of_work() as uow, pytest.raises(NotFound, match="not found"):
        uow.cases.get(URN)
    with services.unit_of_work() as uow:
        assert uow.cases.link(URN, first.id) is None
        assert [e.action for e in uow.audit.events()] == ["custody-break"]
    assert [e.action for e in services.repo.custody(first.id)] == ["received"]


def test_exhibit_refs_use_initials_stay_unique_and_survive_unlink(services: Services) -> None:
    case_desk.create_case(services, URN, DC, people=[Person("officer", "John Smith", "PC4521")])
    first = held(services, "one.mp4", incident=None)
    second = held(services, "two.mp4", incident=None, at=T0 + timedelta(days=1))
    third = held(services, "three.mp4", incident=None, at=T0 + timedelta(days=2))
    [link] = case_desk.link_items(services, URN, [first.id[:8]], DC)
    assert link.exhibit_ref == "JS/1"
    with pytest.raises(Conflict, match="JS/1 is already used"):
        case_desk.link_items(services, URN, [second.id], DC, exhibit_ref="js/1")
    assert (
        case_desk.link_items(services, URN, [second.id], DC, exhibit_ref="JS/7")[0].exhibit_ref
        == "JS/7"
    )
    assert case_desk.link_items(services, URN, [third.id], DC)[0].exhibit_ref == "JS/8"
    with pytest.raises(InvalidInput, match="needs a reason"):
        case_desk.unlink_item(services, URN, first.id, DC, " ")
    case_desk.unlink_item(services, URN, first.id, DC, "wrong job")
    assert first.id not in case_desk.item_ids_for_case(services, URN)
    unlinked = services.repo.custody(first.id)[-1]
    assert unlinked.action == "case-unlinked" and unlinked.details["reason"] == "wrong job"
    with pytest.raises(NotFound, match="not linked"):
        case_desk.unlink_item(services, URN, first.id, DC, "again")
    assert case_desk.link_items(services, URN, [first.id], DC)[0].exhibit_ref == "JS/1"


def test_an_item_may_belong_to_several_cases(services: Services) -> None:
    item = held(services, "shared.mp4")
    case_desk.create_case(services, URN, DC, incidents=[INCIDENT])
    _, links = case_desk.create_case(services, "01YZ7654324", DC, incidents=[INCIDENT])
    assert [link.item_id for link in links] == [item.id]
    linked = [e.details["urn"] for e in services.repo.custody(item.id) if e.action == "case-linked"]
    assert linked == [URN, "01YZ7654324"]


def test_new_items_auto_link_and_same_officer_nearby_is_suggested(services: Services) -> None:
    case_desk.create_case(services, URN, DC, incidents=[INCIDENT])
    bwv = held(services, "bwv.mp4")
    nearby = held(services, "nearby.mp4", incident=None, at=T0 + timedelta(minutes=50))
    far = held(services, "far.mp4", incident=None, at=T0 + timedelta(hours=5))
    stranger = held(services, "x.mp4", officer="PC9", incident=None, at=T0)
    links = case_desk.link_ingested(
        services,
        [{"status": "ingested", "id": i.id} for i in (bwv, nearby, far, stranger)]
        + [{"status": "rejected", "path": "bad.mp4"}],
        DC,
    )
    assert [link.item_id for link in links] == [bwv.id]
    proposals = case_desk.case_suggestions(services, URN)
    assert [(p.item_id, p.related_item_id) for p in proposals] == [(nearby.id, bwv.id)]
    assert nearby.id not in case_desk.item_ids_for_case(services, URN)
    confirmed = case_desk.confirm_suggestion(services, URN, nearby.id, DC)
    assert confirmed.how == "confirmed"
    assert services.repo.custody(nearby.id)[-1].details["how"] == "confirmed"
    assert case_desk.case_suggestions(services, URN) == []
    with pytest.raises(NotFound, match="no open suggestion"):
        case_desk.confirm_suggestion(services, URN, far.id, DC)


def test_export_is_a_custody_event_and_verifies(services: Services, tmp_path: Path) -> None:
    call = held(services, "call.wav", officer="CH1187", kind="call")
    bwv = held(services, "bwv.mp4", at=T0 + timedelta(minutes=1))
    case_desk.create_case(services, URN, DC, incidents=[INCIDENT])
    bundle = export_as(services, URN, tmp_path / "out", DC)
    bagit.Bag(str(bundle)).validate()
    report = verify_bundle(bundle)
    assert report.ok, report.problems
    assert report.exhibits == 2 and report.urn == URN
    for item in (call, bwv):
        last = services.repo.custody(item.id)[-1]
        assert last.action == "exported-to-cps" and last.details["bundle"] == bundle.name
    exhibits = json.loads((bundle / "data/exhibits.json").read_text())["exhibits"]
    call_entry = next(e for e in exhibits if e["exhibit_ref"] == "CH1187/1")
    assert (bundle / call_entry["media"]).read_bytes() == b"media of call.wav" * 1000
    assert "Test Constabulary" in (bundle / "bag-info.txt").read_text()


def test_export_refuses_a_stored_copy_that_changed(services: Services, tmp_path: Path) -> None:
    item = held(services, "bwv.mp4")
    case_desk.create_case(services, URN, DC, incidents=[INCIDENT])
    stored = services.store.root / item.storage_key  # type: ignore[attr-defined]
    stored.chmod(0o644)
    stored.write_bytes(b"tampered")
    with pytest.raises(FixityError, match=r"PC4521/1.*the bundle was not made"):
        export_as(services, URN, tmp_path / "out", DC)
    assert list((tmp_path / "out").iterdir()) == []
    assert services.repo.custody(item.id)[-1].action == "case-linked"


def test_an_export_that_fails_after_recording_is_closed_by_a_further_event(
    services: Services, tmp_path: Path
) -> None:
    from evidence.services.bundles import export_case_bundle

    item = held(services, "bwv.mp4")
    case_desk.create_case(services, URN, DC, incidents=[INCIDENT])
    out = tmp_path / "out"

    class RacingStore:
        """Another export takes the bundle's name while this one signs its checkpoint, so
        the final rename fails after the export events were recorded."""

        def __init__(self, store: ObjectStore) -> None:
            self.store = store

        def __getattr__(self, name: str) -> Any:
            return getattr(self.store, name)

        def put_named(self, key: str, data: bytes) -> bool:
            [staging] = out.glob(".*.partial")
            (out / staging.name[1 : -len(".partial")] / "other").mkdir(parents=True)
            return self.store.put_named(key, data)

    installation = replace(services.installation(), store=RacingStore(services.store))
    with pytest.raises(OSError):
        export_case_bundle(services.unit_of_work(), console_as(DC), installation, URN, out)
    events = services.repo.custody(item.id)
    assert [e.action for e in events[-2:]] == ["exported-to-cps", "export-abandoned"]
    assert verify_chain(events, services.repo.get_item(item.id).custody_head) == []
    assert not list(out.glob(".*.partial"))
