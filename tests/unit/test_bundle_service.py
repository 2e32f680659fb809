"""Bundle export as a use case, against in-memory fakes: who may export, what the custody
log and the audit trail record, and what is left when an export fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bundle_verifier.bundle import verify_bundle
from evidence.access import Role
from evidence.errors import FixityError, InvalidInput, PermissionDenied
from evidence.services.bundles import export_case_bundle
from tests.unit.fakes.installation import World, caller, make_world

URN = "01YZ1234524"


@pytest.fixture
def world() -> World:
    world = make_world()
    world.open_case(URN, world.hold("arrival.mp4"), world.hold("999.wav", "CH1187", "call"))
    return world


def actions(world: World, item_id: str) -> list[str]:
    return [event.action for event in world.uow.items.logs[item_id]]


def item_ids(world: World) -> list[str]:
    return list(world.uow.items.items)


def test_an_investigator_exports_a_bundle_that_verifies_and_is_recorded(
    world: World, tmp_path: Path
) -> None:
    bundle = export_case_bundle(
        world.uow, caller(Role.INVESTIGATOR), world.installation, URN, tmp_path
    )
    report = verify_bundle(bundle)
    assert report.ok, report.problems
    assert report.exhibits == 2 and report.urn == URN
    for item_id in item_ids(world):
        assert actions(world, item_id)[-1] == "exported-to-cps"
        assert world.uow.items.logs[item_id][-1].details["bundle"] == bundle.name
    assert world.uow.audit.actions()[-1] == ("ivy", "export-bundle", f"case:{URN}")
    [cut] = world.uow.tlog.cuts(URN)
    assert cut.bundle == bundle.name
    assert cut.size == len(world.uow.tlog.leaf_hashes()) - 1  # all but the audit event
    assert [p.name for p in tmp_path.iterdir()] == [bundle.name]


def test_cps_lawyers_export_only_shared_cases_and_a_refusal_is_recorded(
    world: World, tmp_path: Path
) -> None:
    lawyer = caller(Role.CPS, "lawyer")
    with pytest.raises(PermissionDenied, match="not shared with lawyer") as refused:
        export_case_bundle(world.uow, lawyer, world.installation, URN, tmp_path)
    assert refused.value.recorded
    assert world.uow.audit.actions()[-1] == ("lawyer", "access-refused", f"case:{URN}")
    assert all(actions(world, i)[-1] == "received" for i in item_ids(world))
    assert list(tmp_path.iterdir()) == []

    world.bundles.shares.add((URN, "lawyer"))
    bundle = export_case_bundle(world.uow, lawyer, world.installation, URN, tmp_path)
    assert verify_bundle(bundle).ok
    events = [world.uow.items.logs[i][-1] for i in item_ids(world)]
    assert {(e.action, e.actor, e.host) for e in events} == {
        ("exported-to-cps", "lawyer", "web-01")
    }


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ADMIN])
def test_roles_without_the_permission_are_refused(world: World, tmp_path: Path, role: Role) -> None:
    with pytest.raises(PermissionDenied, match="may not download bundles"):
        export_case_bundle(world.uow, caller(role, "pc"), world.installation, URN, tmp_path)
    assert world.uow.audit.actions() == [("pc", "access-refused", f"case:{URN}")]


def test_a_stored_copy_that_changed_stops_the_export_before_anything_is_recorded(
    world: World, tmp_path: Path
) -> None:
    first = next(iter(world.uow.items.items.values()))
    world.store.objects[first.storage_key] = b"tampered"
    with pytest.raises(FixityError, match="the bundle was not made"):
        export_case_bundle(world.uow, caller(Role.CONSOLE), world.installation, URN, tmp_path)
    assert all(actions(world, i) == ["received"] for i in item_ids(world))
    assert list(tmp_path.iterdir()) == []
    assert world.uow.audit.actions() == []


def test_a_failure_after_the_export_events_closes_each_with_an_abandoned_event(
    world: World, tmp_path: Path
) -> None:
    def refuse(key: str, data: bytes) -> bool:
        raise OSError("the store is full")

    world.store.put_named = refuse  # type: ignore[method-assign]
    with pytest.raises(OSError, match="the store is full"):
        export_case_bundle(world.uow, caller(Role.CONSOLE), world.installation, URN, tmp_path)
    for item_id in item_ids(world):
        assert actions(world, item_id)[-2:] == ["exported-to-cps", "export-abandoned"]
        details: dict[str, Any] = world.uow.items.logs[item_id][-1].details
        assert details["reason"] == "the store is full"
    assert list(tmp_path.iterdir()) == []
    assert world.uow.tlog.cuts(URN) == []


def test_a_case_without_exhibits_and_a_missing_case_are_named(world: World, tmp_path: Path) -> None:
    world.open_case("01YZ7654324")
    with pytest.raises(InvalidInput, match="01YZ7654324: no exhibits are linked"):
        export_case_bundle(
            world.uow, caller(Role.CONSOLE), world.installation, "01YZ7654324", tmp_path
        )
    with pytest.raises(Exception, match="01ZZ9999999: not found"):
        export_case_bundle(
            world.uow, caller(Role.CONSOLE), world.installation, "01ZZ9999999", tmp_path
        )


def test_a_second_export_carries_a_consistency_proof_from_the_first(
    world: World, tmp_path: Path
) -> None:
    console = caller(Role.CONSOLE)
    export_case_bundle(world.uow, console, world.installation, URN, tmp_path / "first")
    second = export_case_bundle(world.uow, console, world.installation, URN, tmp_path / "out")
    assert verify_bundle(second).ok
    assert len(list((second / "log" / "earlier").glob("*.note"))) == 1
