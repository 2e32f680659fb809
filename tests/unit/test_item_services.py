"""The items use cases against in-memory fakes: who sees which item, and what is recorded."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from evidence.errors import InvalidInput, NotFound, PermissionDenied
from evidence.services import items
from evidence.services.item_checks import copy_out
from tests.unit.fakes.world import caller, world


@pytest.mark.parametrize(
    ("name", "officers"),
    [
        ("ivy", ["CH1187", "PC3310", "PC4521"]),
        ("desk", ["CH1187", "PC3310", "PC4521"]),
        ("pc4521", ["PC4521"]),
        ("lawyer", ["CH1187"]),
    ],
)
def test_each_role_lists_what_it_may_see_and_the_list_is_recorded(
    name: str, officers: list[str]
) -> None:
    w = world()
    listed = items.list_items(w.uow, caller(name), None, {"page": True})
    assert [item.officer for item in listed] == officers
    [event] = w.uow.audit.events()
    assert (event.actor, event.action, event.target) == (name, "list-items", "items")
    assert event.details == {"count": len(listed), "items": [i.id for i in listed], "page": True}
    assert w.uow.commits == 2


def test_a_role_that_may_not_list_items_is_refused_and_the_refusal_is_kept() -> None:
    w = world()
    with pytest.raises(PermissionDenied, match="may not list items"):
        items.list_items(w.uow, caller("root"), 10)
    [event] = w.uow.audit.events()
    assert (event.action, event.target, event.role) == ("access-refused", "command:test", "admin")
    assert event.details["command"] == "test"


def test_showing_an_item_records_who_saw_it_from_where() -> None:
    w = world()
    own = w.items["PC4521"]
    assert items.show_item(w.uow, caller("pc4521"), own.id[:8]) == own
    [event] = w.uow.audit.events()
    assert (event.actor, event.role, event.action) == ("pc4521", "officer", "view-item")
    assert (event.target, event.address) == (f"item:{own.id}", "10.0.0.6")


@pytest.mark.parametrize("name", ["pc4521", "lawyer", "root"])
def test_someone_elses_item_is_refused_without_revealing_it_and_the_refusal_commits(
    name: str,
) -> None:
    w = world()
    other = w.items["PC3310"]
    for asked in (other.id, other.id[:8], "f" * 32):
        with pytest.raises(PermissionDenied, match=f"not available to {name}") as refused:
            items.show_item(w.uow, caller(name), asked)
        assert refused.value.recorded
    refusals = w.uow.audit.events()
    assert [e.action for e in refusals] == ["access-refused"] * 3
    assert [e.target for e in refusals] == [f"item:{other.id}"] * 2 + [f"item:{'f' * 32}"]
    assert not [e for e in refusals if e.action == "view-item"]


def test_investigators_learn_that_an_item_is_missing_and_nothing_is_recorded() -> None:
    w = world()
    commits = w.uow.commits
    with pytest.raises(NotFound):
        items.show_item(w.uow, caller("ivy"), "f" * 32)
    assert w.uow.audit.events() == [] and w.uow.commits == commits


def test_an_ambiguous_prefix_is_named_only_to_those_who_see_everything() -> None:
    w = world()
    a, b = w.items["PC4521"], w.items["PC3310"]
    w.uow.items.items["abcdef01" + a.id[8:]] = w.uow.items.items.pop(a.id)
    w.uow.items.items["abcdef02" + b.id[8:]] = w.uow.items.items.pop(b.id)
    with pytest.raises(InvalidInput, match="ambiguous"):
        items.show_item(w.uow, caller("ivy"), "abcdef0")
    with pytest.raises(PermissionDenied) as refused:
        items.show_item(w.uow, caller("pc4521"), "abcdef0")
    assert "ambiguous" not in str(refused.value)


def test_the_custody_log_and_the_media_are_audited_reads() -> None:
    w = world()
    item = w.items["CH1187"]
    shown, events = items.custody_log(w.uow, caller("lawyer"), item.id)
    assert shown == item and [e.action for e in events] == ["received"]
    media, part = items.media_item(
        w.uow, caller("lawyer"), w.store, item.id, "bytes=0-3", lambda i: (0, 3)
    )
    assert (media, part) == (item, (0, 3))
    trail = w.uow.audit.events()
    assert [(e.action, e.details) for e in trail] == [
        ("view-custody", {}),
        ("view-media", {"range": "bytes=0-3"}),
    ]


def test_a_range_that_cannot_be_served_or_a_missing_object_records_nothing() -> None:
    w = world()
    item = w.items["PC4521"]

    def unsatisfiable(_: object) -> None:
        raise ValueError("416")

    with pytest.raises(ValueError, match="416"):
        items.media_item(w.uow, caller("ivy"), w.store, item.id, "bytes=999-", unsatisfiable)
    w.store.objects.clear()
    with pytest.raises(NotFound, match="stored object"):
        items.media_item(w.uow, caller("ivy"), w.store, item.id, None, lambda i: None)
    assert w.uow.audit.events() == []


def test_the_item_page_shows_the_trail_only_to_those_who_may_read_it() -> None:
    w = world()
    item = w.items["PC4521"]
    assert items.item_page(w.uow, caller("pc4521"), item.id).audit == []
    page = items.item_page(w.uow, caller("ivy"), item.id)
    assert [e.action for e in page.audit] == ["view-item", "view-item"]
    assert page.custody[0].action == "received" and page.segments == []


def test_corrections_are_custody_events_and_cps_may_not_make_them() -> None:
    w = world()
    item = w.items["CH1187"]
    with pytest.raises(PermissionDenied, match="not correct"):
        items.correct_details(w.uow, caller("lawyer"), item.id, {"incident": "CAD-9"}, "typo")
    assert w.uow.items.custody(item.id)[-1].action == "received"
    event = items.correct_details(w.uow, caller("ivy"), item.id, {"incident": "CAD-9"}, "typo")
    assert (event.action, event.actor) == ("details-corrected", "ivy")
    assert w.uow.items.get_item(item.id).incident == "CAD-9"
    actions = [(e.actor, e.action) for e in w.uow.audit.events()]
    assert actions == [("lawyer", "access-refused"), ("ivy", "correct-item")]


def test_a_failed_correction_commits_nothing() -> None:
    w = world()
    item = w.items["PC4521"]
    with pytest.raises(InvalidInput, match="needs a reason"):
        items.correct_details(w.uow, caller("pc4521"), item.id, {"incident": "CAD-9"}, " ")
    assert w.uow.items.get_item(item.id).incident is None
    assert w.uow.audit.events() == []


def test_a_copy_out_is_verified_and_recorded_in_custody_and_audit(tmp_path: Path) -> None:
    w = world()
    item = w.items["PC4521"]
    target = tmp_path / "copy.mp4"
    _, size = copy_out(lambda: w.uow, caller("pc4521"), w.store, item.id, target)
    assert target.read_bytes() == w.store.objects[item.storage_key] and size == item.size
    assert w.uow.items.custody(item.id)[-1].details["to"] == str(target)
    assert [e.action for e in w.uow.audit.events()] == ["copy-out"]
    sink = io.BytesIO()
    with pytest.raises(PermissionDenied):
        copy_out(lambda: w.uow, caller("pc3310"), w.store, item.id, sink)
    assert sink.getvalue() == b""
    assert [e.action for e in w.uow.audit.events()] == ["copy-out", "access-refused"]
