"""Transparency-log use cases against in-memory fakes: checkpoints are signed once per new
tree, proofs hold, and a rewritten history is named, never signed."""

from __future__ import annotations

import dataclasses

import pytest

from evidence.access import Role
from evidence.custody import Actor
from evidence.errors import FixityError, PermissionDenied
from evidence.services import log
from tests.unit.fakes.installation import World, caller, make_world


@pytest.fixture
def world() -> World:
    return make_world()


def test_checkpoints_are_signed_for_new_trees_only_and_stay_consistent(world: World) -> None:
    assert log.checkpoint(world.uow, world.installation) is None  # nothing to sign yet
    item = world.hold("arrival.mp4")
    first = log.checkpoint(world.uow, world.installation)
    assert first is not None and first.size == 1
    assert log.checkpoint(world.uow, world.installation) == first
    with world.uow:
        world.uow.items.append_event(item.id, "copied-out", Actor("ivy", "desk"), {})
        world.uow.commit()
    second = log.checkpoint(world.uow, world.installation)
    assert second is not None and second.size == 2
    assert world.store.list_named("log/checkpoints") == [first.key, second.key]
    report = log.check_log_checkpoints(world.uow, world.installation)
    assert report["problems"] == [] and report["pairs_checked"] == 1
    assert log.verify_log(world.uow, world.installation).ok


def test_an_item_s_events_are_proven_and_newer_ones_pending(world: World) -> None:
    item = world.hold("arrival.mp4")
    log.checkpoint(world.uow, world.installation)
    with world.uow:
        world.uow.items.append_event(item.id, "copied-out", Actor("ivy", "desk"), {})
        world.uow.commit()
    proofs = log.prove_item(world.uow, caller(Role.CONSOLE), world.installation, item.id[:8])
    assert [(e["seq"], e["status"]) for e in proofs["events"]] == [(1, "proven"), (2, "pending")]


def test_proofs_of_someone_else_s_item_are_refused(world: World) -> None:
    item = world.hold("arrival.mp4", officer="PC3310")
    log.checkpoint(world.uow, world.installation)
    officer = caller(Role.OFFICER, "pc4521", officer="PC4521")
    with pytest.raises(PermissionDenied, match="not available to pc4521"):
        log.prove_item(world.uow, officer, world.installation, item.id)


def test_a_rewritten_event_is_named_and_never_signed_into_the_record(world: World) -> None:
    item = world.hold("arrival.mp4")
    world.hold("other.mp4")
    log.checkpoint(world.uow, world.installation)
    events = world.uow.items.logs[item.id]
    events[0] = dataclasses.replace(events[0], actor="someone else")
    problems = log.verify_log(world.uow, world.installation).problems
    assert any(f"custody event 1 of item {item.id}" in p for p in problems), problems
    world.uow.tlog.appended.clear()  # the leaves rewritten too, to match the events
    with world.uow:
        world.uow.commit()
    assert log.verify_log(world.uow, world.installation).problems
    with pytest.raises(FixityError, match="no checkpoint was written"):
        log.checkpoint(world.uow, world.installation)
