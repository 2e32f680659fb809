"""The case use cases against in-memory fakes: one transaction each, the access policy and
the audit record applied once, whoever calls (a web user or the console)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from evidence.access import Principal, Role
from evidence.cases import Person
from evidence.custody import Actor
from evidence.errors import Conflict, CustodyBroken, InvalidInput, NotFound, PermissionDenied
from evidence.model import EvidenceItem
from evidence.services import case_links, cases
from evidence.services.caller import Caller, console_caller
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.fakes.cases import FakeCases

URN = "01YZ1234524"
OTHER = "01YZ7654324"
INCIDENT = "CAD-20261125-0417"
T0 = datetime(2026, 11, 25, 21, 14, tzinfo=UTC)
WINDOW = timedelta(minutes=60)
IVY = Caller(Principal("ivy", Role.INVESTIGATOR), "10.0.0.7", host="web-01")
LAWYER = Caller(Principal("lawyer", Role.CPS), "10.0.0.8", host="web-01")
PC = Caller(Principal("pc4521", Role.OFFICER, "PC4521"), "10.0.0.9", host="web-01")


def world() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    fake = FakeCases(uow.items)
    fake.add_account("lawyer", Role.CPS)
    fake.add_account("pc4521", Role.OFFICER)
    return uow.with_repository("cases", fake)


def hold(
    uow: FakeUnitOfWork,
    n: int,
    *,
    officer: str = "PC4521",
    incident: str | None = INCIDENT,
    at: datetime = T0,
) -> EvidenceItem:
    sha = f"{n:02x}" * 32
    item = EvidenceItem(
        id=sha[:32], sha256=sha, size=1, kind="bwv", original_name=f"{n}.mp4",
        source_path=f"dock/{n}.mp4", storage_key=sha, store_location="mem", ingested_at=T0,
        officer=officer, incident=incident, recorded_at=at, duration=60.0,
    )  # fmt: skip
    return uow.items.add_item(item, [("received", Actor(officer, "dock"), sha, {}, T0)])


def actions(uow: FakeUnitOfWork) -> list[tuple[str, str, str]]:
    return uow.audit.actions()


def test_creating_a_case_links_its_incidents_items_in_one_audited_transaction() -> None:
    uow = world()
    first = hold(uow, 1, officer="CH1187")
    second = hold(uow, 2, at=T0 + timedelta(minutes=1))
    hold(uow, 3, incident="CAD-OTHER")
    case, links = cases.create_case(uow, IVY, "01yz1234524", window=WINDOW, incidents=[INCIDENT])
    assert case.urn == URN and case.created_by == "ivy"
    assert [(link.item_id, link.exhibit_ref) for link in links] == [
        (first.id, "CH1187/1"),
        (second.id, "PC4521/1"),
    ]
    event = uow.items.custody(second.id)[-1]
    assert (event.action, event.actor, event.host) == ("case-linked", "ivy", "web-01")
    assert event.details == {
        "urn": URN, "exhibit_ref": "PC4521/1", "how": "auto-incident",
        "reason": "incident number matches",
    }  # fmt: skip
    assert actions(uow) == [("ivy", "create-case", f"case:{URN}")]
    assert uow.audit.chain[-1].details == {"linked": 2}
    assert uow.commits == 1
    with pytest.raises(Conflict, match="already exists"):
        cases.create_case(uow, IVY, URN, window=WINDOW)


def test_a_failure_at_the_last_link_leaves_no_case_and_no_link() -> None:
    uow = world()
    first = hold(uow, 1)
    last = hold(uow, 2, at=T0 + timedelta(minutes=5))
    uow.items.items[last.id].custody_head = "0" * 64  # its chain no longer ends where it says
    with pytest.raises(CustodyBroken):
        cases.create_case(uow, IVY, URN, window=WINDOW, incidents=[INCIDENT])
    assert uow.cases.cases == {} and uow.cases.links == []
    assert [e.action for e in uow.items.custody(first.id)] == ["received"]
    assert actions(uow) == []


def test_exhibit_refs_follow_the_case_people_and_survive_an_unlink() -> None:
    uow = world()
    people = [Person("officer", "John Smith", "PC4521")]
    cases.create_case(uow, IVY, URN, window=WINDOW, people=people)
    one, two = hold(uow, 1, incident=None), hold(uow, 2, incident=None)
    [link] = case_links.link_items(uow, IVY, URN, [one.id[:8]], window=WINDOW)
    assert link.exhibit_ref == "JS/1"
    with pytest.raises(Conflict, match="JS/1 is already used"):
        case_links.link_items(uow, IVY, URN, [two.id], window=WINDOW, exhibit_ref="js/1")
    with pytest.raises(InvalidInput, match="names one exhibit"):
        case_links.link_items(uow, IVY, URN, [one.id, two.id], window=WINDOW, exhibit_ref="JS/2")
    with pytest.raises(InvalidInput, match="needs a reason"):
        case_links.unlink_item(uow, IVY, URN, one.id, " ")
    case_links.unlink_item(uow, IVY, URN, one.id, "wrong job")
    assert uow.items.custody(one.id)[-1].details["reason"] == "wrong job"
    with pytest.raises(NotFound, match="not linked"):
        case_links.unlink_item(uow, IVY, URN, one.id, "again")
    assert case_links.link_items(uow, IVY, URN, [two.id], window=WINDOW)[0].exhibit_ref == "JS/2"
    assert case_links.link_items(uow, IVY, URN, [one.id], window=WINDOW)[0].exhibit_ref == "JS/1"
    assert [a for _, a, _ in actions(uow)][-3:] == ["unlink-item", "link-items", "link-items"]


def test_cps_users_see_shared_cases_only_and_refusals_are_recorded() -> None:
    uow = world()
    cases.create_case(uow, IVY, URN, window=WINDOW)
    cases.create_case(uow, IVY, OTHER, window=WINDOW)
    assert cases.list_cases(uow, LAWYER) == []
    assert cases.share_case(uow, IVY, URN, "lawyer") == (URN, ["lawyer"])
    assert [listing.case.urn for listing in cases.list_cases(uow, LAWYER)] == [URN]
    assert cases.show_case(uow, LAWYER, URN).shared_with == ["lawyer"]
    for missing_or_unshared in (OTHER, "01ZZ9999999"):
        with pytest.raises(PermissionDenied, match="not shared with lawyer") as refused:
            cases.case_timeline(uow, LAWYER, missing_or_unshared)
        assert refused.value.recorded
    with pytest.raises(NotFound):
        cases.show_case(uow, IVY, "01ZZ9999999")
    refusals = [e for e in uow.audit.chain if e.action == "access-refused"]
    assert [e.target for e in refusals] == [f"case:{OTHER}", "case:01ZZ9999999"]
    assert refusals[0].details == {"reason": f"case {OTHER}: not shared with lawyer"}
    assert uow.audit.chain[2].details == {"count": 0, "cases": []}


def test_a_refused_web_request_names_its_route_and_officers_see_no_case() -> None:
    uow = world()
    asking = Caller(PC.principal, PC.address, PC.host, request={"method": "GET", "path": "/cases"})
    with pytest.raises(PermissionDenied, match="may not view cases"):
        cases.list_cases(uow, asking)
    [event] = uow.audit.chain
    assert (event.action, event.target, event.address) == (
        "access-refused",
        "route:GET /cases",
        PC.address,
    )
    assert event.details == {
        "reason": "pc4521 (officer) may not view cases", "method": "GET", "path": "/cases",
    }  # fmt: skip
    with pytest.raises(PermissionDenied, match="may not manage cases"):
        cases.create_case(uow, LAWYER, URN, window=WINDOW)
    assert uow.audit.chain[-1].target == f"case:{URN}" and uow.cases.cases == {}


def test_sharing_needs_the_permission_and_a_cps_account() -> None:
    uow = world()
    cases.create_case(uow, IVY, URN, window=WINDOW)
    with pytest.raises(InvalidInput, match="CPS users only"):
        cases.share_case(uow, IVY, URN, "pc4521")
    with pytest.raises(NotFound, match="user nobody"):
        cases.share_case(uow, IVY, URN, "nobody")
    cases.share_case(uow, IVY, URN, "lawyer")
    with pytest.raises(PermissionDenied, match="may not share cases"):
        cases.share_case(uow, LAWYER, URN, "lawyer")
    assert cases.show_case(uow, IVY, URN).share_candidates == ["lawyer"]
    assert cases.show_case(uow, LAWYER, URN).share_candidates == []


def test_ingest_links_unshared_cases_and_proposes_for_shared_ones_and_neighbours() -> None:
    uow = world()
    cases.create_case(uow, IVY, URN, window=WINDOW, incidents=[INCIDENT])
    cases.create_case(uow, IVY, OTHER, window=WINDOW, incidents=[INCIDENT])
    cases.share_case(uow, IVY, OTHER, "lawyer")
    bwv = hold(uow, 1)
    nearby = hold(uow, 2, incident=None, at=T0 + timedelta(minutes=50))
    far = hold(uow, 3, incident=None, at=T0 + timedelta(hours=5))
    uploader = Actor("PC4521", "web")
    outcomes = [{"status": "ingested", "id": i.id} for i in (bwv, nearby, far)]
    links = case_links.link_ingested(
        uow, [*outcomes, {"status": "rejected"}], uploader, window=WINDOW
    )
    assert [(link.urn, link.item_id, link.linked_by) for link in links] == [(URN, bwv.id, "PC4521")]
    assert uow.cases.item_ids(OTHER) == set()
    [shared] = case_links.case_suggestions(uow, IVY, OTHER)
    assert shared.item_id == bwv.id and "already shared with the CPS" in shared.reason
    [near] = case_links.case_suggestions(uow, IVY, URN)
    assert (near.item_id, near.related_item_id) == (nearby.id, bwv.id)
    confirmed = case_links.confirm_suggestion(uow, IVY, URN, nearby.id, window=WINDOW)
    assert confirmed.how == "confirmed" and case_links.case_suggestions(uow, IVY, URN) == []
    assert uow.items.custody(nearby.id)[-1].details["reason"] == near.reason
    with pytest.raises(NotFound, match="no open suggestion"):
        case_links.confirm_suggestion(uow, IVY, URN, far.id, window=WINDOW)


def test_the_console_is_audited_like_a_web_user() -> None:
    uow = world()
    desk = console_caller("console", officer="DC1001")
    cases.create_case(uow, desk, URN, window=WINDOW)
    cases.list_cases(uow, desk)
    cases.show_case(uow, desk, URN)
    cases.case_timeline(uow, desk, URN)
    assert cases.set_case_status(uow, desk, URN, "charged").status == "charged"
    with pytest.raises(InvalidInput, match="use one of open, charged"):
        cases.set_case_status(uow, desk, URN, "done")
    assert [(e.actor, e.role, e.action) for e in uow.audit.chain] == [
        ("DC1001", "console", "create-case"),
        ("DC1001", "console", "list-cases"),
        ("DC1001", "console", "view-case"),
        ("DC1001", "console", "view-timeline"),
        ("DC1001", "console", "set-case-status"),
    ]
    assert {e.address for e in uow.audit.chain} == {desk.address}
    assert desk.address.startswith("console:")


def test_a_broken_chain_at_ingest_stops_only_that_items_links() -> None:
    uow = world()
    cases.create_case(uow, IVY, URN, window=WINDOW, incidents=[INCIDENT])
    first = hold(uow, 1)
    broken = hold(uow, 2, at=T0 + timedelta(minutes=1))
    uow.items.items[broken.id].custody_head = "0" * 64  # its chain no longer ends where it says
    outcomes = [{"status": "ingested", "id": i.id} for i in (first, broken)]
    with pytest.raises(CustodyBroken):
        case_links.link_ingested(uow, outcomes, Actor("PC4521", "web"), window=WINDOW)
    assert uow.cases.item_ids(URN) == {first.id}
    assert uow.items.custody(first.id)[-1].action == "case-linked"
