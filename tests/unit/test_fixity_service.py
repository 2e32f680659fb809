"""Fixity checks as a use case, against in-memory fakes: each check is a custody event, and
every way the bytes or the log differ from the record is named."""

from __future__ import annotations

import pytest

from evidence.access import Role
from evidence.custody import Actor
from evidence.errors import PermissionDenied
from evidence.services import fixity
from tests.unit.fakes.installation import World, caller, make_world

AUDITOR = caller(Role.CONSOLE, "scheduled-fixity-audit")


@pytest.fixture
def world() -> World:
    return make_world()


def test_an_intact_item_passes_and_the_check_is_recorded(world: World) -> None:
    item = world.hold("arrival.mp4")
    check = fixity.check_item(world.uow, AUDITOR, world.store, item.id)
    assert check.ok and check.as_dict()["id"] == item.id
    last = world.uow.items.logs[item.id][-1]
    assert (last.action, last.actor, last.details["store"]) == (
        "fixity-checked",
        "scheduled-fixity-audit",
        world.store.url,
    )
    assert check.notes  # details were not committed at registration here: said, not failed


def test_changed_bytes_fail_the_check_and_the_failure_is_recorded(world: World) -> None:
    item = world.hold("arrival.mp4")
    world.store.objects[item.storage_key] = b"tampered"
    check = fixity.check_item(world.uow, AUDITOR, world.store, item.id)
    [problem] = check.problems
    assert problem.startswith("stored bytes changed") and f"recorded {item.sha256}" in problem
    last = world.uow.items.logs[item.id][-1]
    assert last.action == "fixity-failed" and last.details["problems"] == check.problems


def test_a_cut_tail_is_reported_and_nothing_is_chained_onto_it(world: World) -> None:
    item = world.hold("arrival.mp4")
    with world.uow:
        world.uow.items.append_event(item.id, "copied-out", Actor("ivy", "desk"), {})
        world.uow.commit()
    del world.uow.items.logs[item.id][-1]
    check = fixity.check_item(world.uow, AUDITOR, world.store, item.id)
    assert any(p.startswith("custody log:") for p in check.problems)
    assert [e.action for e in world.uow.items.logs[item.id]] == ["received"]


def test_every_item_is_checked_and_an_officer_checks_only_their_own(world: World) -> None:
    mine, theirs = world.hold("a.mp4", "PC4521"), world.hold("b.mp4", "PC3310")
    assert {c.item.id for c in fixity.check_all(world.uow, AUDITOR, world.store)} == {
        mine.id,
        theirs.id,
    }
    officer = caller(Role.OFFICER, "pc4521", officer="PC4521")
    assert fixity.check_item(world.uow, officer, world.store, mine.id).ok
    with pytest.raises(PermissionDenied, match="not available to pc4521"):
        fixity.check_item(world.uow, officer, world.store, theirs.id)
    with pytest.raises(PermissionDenied):
        fixity.check_item(world.uow, officer, world.store, "0" * 32)
