"""Case rules: URNs, exhibit numbering, auto-link and time-window rules, timeline ordering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from evidence.case_timeline import build_timeline
from evidence.cases import (
    Case,
    Link,
    LinkHow,
    Person,
    exhibit_ref_for,
    matches_incident,
    next_exhibit_ref,
    producer_prefix,
    validate_exhibit_ref,
    validate_urn,
    window_suggestions,
)
from evidence.errors import Conflict, InvalidInput
from evidence.model import EvidenceItem

T0 = datetime(2026, 11, 25, 21, 14, tzinfo=UTC)


def item(
    item_id: str,
    *,
    officer: str | None = "PC4521",
    at: datetime | None = T0,
    seconds: float = 60.0,
    kind: str = "bwv",
) -> EvidenceItem:
    return EvidenceItem(
        id=item_id,
        sha256=item_id.ljust(64, "0"),
        size=1,
        kind=kind,
        original_name=f"{item_id}.mp4",
        source_path=f"{item_id}.mp4",
        storage_key="k",
        store_location="file:///store/k",
        ingested_at=T0,
        officer=officer,
        recorded_at=at,
        duration=seconds,
    )


@pytest.mark.parametrize(
    ("raw", "urn"),
    [
        ("01YZ1234524", "01YZ1234524"),
        ("01yz1234524", "01YZ1234524"),
        ("01 YZ 12345 24", "01YZ1234524"),
    ],
)
def test_urn_is_accepted_in_canonical_form(raw: str, urn: str) -> None:
    assert validate_urn(raw) == urn


@pytest.mark.parametrize(
    "raw", ["", "1YZ1234524", "01Y21234524", "01YZ123452", "01YZ12345245", "AB"]
)
def test_malformed_urn_is_refused_with_the_expected_shape(raw: str) -> None:
    with pytest.raises(InvalidInput, match=r"URN .*2 digits \(force\).*01YZ1234524"):
        validate_urn(raw)


def test_exhibit_prefix_uses_the_officers_initials_when_the_case_names_them() -> None:
    people = [Person("victim", "Ann Other"), Person("officer", "John Smith", "PC4521")]
    assert producer_prefix("pc4521", people) == "JS"
    assert producer_prefix("PC3310", people) == "PC3310"
    assert producer_prefix(None, people) == "EX"


def test_exhibit_numbers_continue_per_prefix_and_never_reuse_a_number() -> None:
    taken = {"JS/1", "JS/3", "PC3310/1", "JSX/9"}
    assert next_exhibit_ref("JS", taken) == "JS/4"
    assert next_exhibit_ref("PC3310", taken) == "PC3310/2"
    assert next_exhibit_ref("AB", taken) == "AB/1"


def test_given_exhibit_refs_are_checked() -> None:
    assert validate_exhibit_ref(" js/2 ") == "JS/2"
    for bad in ("JS", "JS/0", "J S/1", "JS/1/2"):
        with pytest.raises(InvalidInput, match="exhibit reference"):
            validate_exhibit_ref(bad)


def test_an_exhibit_keeps_its_ref_a_wanted_ref_must_be_free_else_the_next_is_given() -> None:
    case = Case("01YZ1234524", "t", T0, "DC1", people=[Person("officer", "John Smith", "PC4521")])
    new = item("a" * 32)
    taken = {"JS/1", "JS/4", "EX/2"}
    assert exhibit_ref_for(case, new, None, None, taken) == "JS/5"
    assert exhibit_ref_for(case, item("b" * 32, officer=None), None, None, taken) == "EX/3"
    assert exhibit_ref_for(case, new, None, "js/9", taken) == "JS/9"
    with pytest.raises(Conflict, match="JS/4 is already used"):
        exhibit_ref_for(case, new, None, "JS/4", taken)
    unlinked = Link(case.urn, new.id, "JS/2", LinkHow.MANUAL, "DC1", T0, active=False)
    assert exhibit_ref_for(case, new, unlinked, None, taken) == "JS/2"
    assert exhibit_ref_for(case, new, unlinked, "js/2", taken) == "JS/2"
    with pytest.raises(Conflict, match="is exhibit JS/2; an exhibit keeps its reference"):
        exhibit_ref_for(case, new, unlinked, "JS/7", taken)
    with pytest.raises(InvalidInput, match="exhibit reference"):
        exhibit_ref_for(case, new, None, "JS", taken)


def test_person_roles_are_restricted() -> None:
    with pytest.raises(InvalidInput, match="role 'bystander'"):
        Person("bystander", "A Person")


def test_auto_link_matches_the_incident_number_ignoring_case_and_spaces() -> None:
    assert matches_incident(["CAD-20261125-0417"], " cad-20261125-0417 ")
    assert not matches_incident(["CAD-20261125-0417"], "CAD-20261125-0418")
    assert not matches_incident(["CAD-20261125-0417"], None)


def test_same_officer_within_the_window_is_proposed() -> None:
    linked = [item("a", at=T0, seconds=600)]
    near = item("b", at=T0 + timedelta(minutes=10 + 30))
    far = item("c", at=T0 + timedelta(minutes=10 + 121))
    before = item("d", at=T0 - timedelta(minutes=61), seconds=60)
    other_officer = item("e", officer="PC9999", at=T0 + timedelta(minutes=1))
    undated = item("f", at=None)
    proposals = window_suggestions(
        "01YZ1234524", linked, [near, far, before, other_officer, undated], timedelta(hours=2)
    )
    assert [p.item_id for p in proposals] == ["b", "d"]
    assert proposals[0].related_item_id == "a"
    assert "same officer PC4521, recorded 30 min" in proposals[0].reason


def test_linked_items_are_not_proposed_again() -> None:
    linked = [item("a"), item("b", at=T0 + timedelta(minutes=5))]
    assert window_suggestions("01YZ1234524", linked, linked, timedelta(hours=2)) == []


def test_timeline_orders_by_recorded_time_and_shows_overlaps() -> None:
    call = item("call", kind="call", officer="CH1187", at=T0, seconds=300)
    arrival = item("bwv1", at=T0 + timedelta(minutes=4), seconds=600)
    later = item("bwv2", at=T0 + timedelta(minutes=30), seconds=60)
    undated = item("old", at=None)
    entries = build_timeline(
        [("PC4521/2", later), ("EX/1", undated), ("PC4521/1", arrival), ("CH1187/1", call)]
    )
    assert [e.exhibit_ref for e in entries] == ["CH1187/1", "PC4521/1", "PC4521/2", "EX/1"]
    assert entries[0].overlaps == ("PC4521/1",)
    assert entries[1].overlaps == ("CH1187/1",)
    assert entries[2].overlaps == ()
    assert entries[0].end == T0 + timedelta(minutes=5)
    assert entries[3].as_dict()["start"] is None
