"""What a hostile review found untested: refusals and listings in the audit trail, ambiguous
id prefixes, CPS users kept apart, and the life of tokens and sessions."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from entrypoints.sample_dock import INCIDENT
from evidence.access import Role
from evidence.audit import AuditEvent, verify_audit
from evidence.custody import Actor
from evidence.model import EvidenceItem, object_key, utcnow
from storage.web_tables import TokenRow
from tests.fixtures.accounts import add_user
from tests.fixtures.web import PASSWORD, WebWorld

MISSING = "0" * 32
SHARED_WITH_LAWYER = "01AA1111126"
SHARED_WITH_LAWYER2 = "01BB2222226"


def trail(world: WebWorld, action: str, actor: str) -> list[AuditEvent]:
    return [e for e in world.audit() if e.action == action and e.actor == actor]


def signed_in(world: WebWorld, user: str) -> TestClient:
    client = TestClient(world.app)
    answer = client.post(
        "/signin", data={"username": user, "password": PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return client


def test_refusals_are_audited_naming_what_was_refused(web_world: WebWorld) -> None:
    other = web_world.items["PC3310"].id
    client, auth = web_world.client, web_world.auth
    before = len(trail(web_world, "access-refused", "pc4521"))
    for suffix in ("", "/custody", "/media", "/transcript"):
        assert client.get(f"/api/items/{other}{suffix}", headers=auth("pc4521")).status_code == 403
    assert client.get(f"/api/items/{other[:8]}", headers=auth("pc4521")).status_code == 403
    assert client.get(f"/api/items/{MISSING}", headers=auth("pc4521")).status_code == 403
    assert signed_in(web_world, "pc4521").get(f"/items/{other}").status_code == 403
    refused = trail(web_world, "access-refused", "pc4521")[before:]
    # The prefix is recorded as the item it named; a missing id as what was asked for.
    assert [event.target for event in refused] == [f"item:{other}"] * 5 + [
        f"item:{MISSING}",
        f"item:{other}",
    ]
    assert [event.details["path"] for event in refused][:4] == [
        f"/api/items/{other}{suffix}" for suffix in ("", "/custody", "/media", "/transcript")
    ]
    assert {event.role for event in refused} == {"officer"}
    assert {event.address for event in refused} == {"testclient"}
    assert all("not available to pc4521" in event.details["reason"] for event in refused)
    # The item's own trail, as an investigator reads it, shows the attempts.
    item_trail = client.get(
        "/api/audit", params={"target": f"item:{other}"}, headers=auth("ivy")
    ).json()["events"]
    assert sum(event["action"] == "access-refused" for event in item_trail) >= 6

    assert client.get("/api/items", headers=auth("root")).status_code == 403
    assert client.get("/api/cases", headers=auth("pc4521")).status_code == 403
    [admin] = trail(web_world, "access-refused", "root")[-1:]
    assert admin.target == "route:GET /api/items"
    assert "may not list items" in admin.details["reason"]
    assert trail(web_world, "access-refused", "pc4521")[-1].target == "route:GET /api/cases"
    assert verify_audit(web_world.audit()) == []


def test_item_and_case_listings_are_audited_with_what_they_showed(web_world: WebWorld) -> None:
    client, auth = web_world.client, web_world.auth
    own = web_world.items["PC4521"].id
    assert client.get("/api/items", headers=auth("pc4521")).status_code == 200
    assert signed_in(web_world, "pc4521").get("/items").status_code == 200
    api, page = trail(web_world, "list-items", "pc4521")[-2:]
    assert api.target == page.target == "items"
    assert api.details == {"count": 1, "items": [own]}
    assert page.details == {"count": 1, "items": [own], "page": True}

    everything = client.get("/api/items", headers=auth("ivy")).json()
    listed = trail(web_world, "list-items", "ivy")[-1]
    assert listed.details["items"] == [item["id"] for item in everything]

    assert client.get("/api/cases", headers=auth("ivy")).status_code == 200
    assert signed_in(web_world, "lawyer").get("/cases").status_code == 200
    cases_api = trail(web_world, "list-cases", "ivy")[-1]
    cases_page = trail(web_world, "list-cases", "lawyer")[-1]
    assert cases_api.target == cases_page.target == "cases"
    assert cases_page.details["page"] is True
    with web_world.services.unit_of_work() as uow:
        assert set(cases_page.details["cases"]) == uow.cases.shared_cases("lawyer")


def test_two_cps_users_do_not_see_each_others_cases(web_world: WebWorld) -> None:
    client, auth = web_world.client, web_world.auth
    add_user(web_world.services.engine, "lawyer2", Role.CPS, PASSWORD)
    lawyer2 = client.post("/api/token", data={"username": "lawyer2", "password": PASSWORD})
    auth2 = {"Authorization": f"Bearer {lawyer2.json()['access_token']}"}
    first = {"urn": SHARED_WITH_LAWYER, "title": "All of it", "incidents": [INCIDENT]}
    second = {"urn": SHARED_WITH_LAWYER2, "title": "The arrest only"}
    for case in (first, second):
        assert client.post("/api/cases", json=case, headers=auth("ivy")).status_code == 201
    arrest = web_world.items["PC3310"].id
    linked = client.post(
        f"/api/cases/{SHARED_WITH_LAWYER2}/links",
        json={"item_ids": [arrest]},
        headers=auth("ivy"),
    )
    assert linked.status_code == 201, linked.text
    for urn, user in ((SHARED_WITH_LAWYER, "lawyer"), (SHARED_WITH_LAWYER2, "lawyer2")):
        shared = client.post(f"/api/cases/{urn}/share", json={"user": user}, headers=auth("ivy"))
        assert shared.status_code == 200, shared.text

    def urns(headers: dict[str, str]) -> set[str]:
        return {case["urn"] for case in client.get("/api/cases", headers=headers).json()}

    assert SHARED_WITH_LAWYER in urns(auth("lawyer"))
    assert SHARED_WITH_LAWYER2 not in urns(auth("lawyer"))
    assert urns(auth2) == {SHARED_WITH_LAWYER2}
    assert client.get(f"/api/cases/{SHARED_WITH_LAWYER}", headers=auth2).status_code == 403
    assert client.get(f"/api/cases/{SHARED_WITH_LAWYER2}", headers=auth("lawyer")).status_code == (
        403
    )
    items = {item["id"] for item in client.get("/api/items", headers=auth2).json()}
    assert items == {arrest}
    kitchen = web_world.items["PC4521"].id
    assert client.get(f"/api/items/{kitchen}/media", headers=auth2).status_code == 403
    assert client.get("/api/search", params={"q": "kitchen"}, headers=auth2).json() == []
    page = TestClient(web_world.app)
    page.post("/signin", data={"username": "lawyer2", "password": PASSWORD})
    listed = page.get("/cases").text
    assert SHARED_WITH_LAWYER2 in listed
    assert SHARED_WITH_LAWYER not in listed
    assert page.get(f"/cases/{SHARED_WITH_LAWYER}").status_code == 403
    refused = trail(web_world, "access-refused", "lawyer2")
    assert {event.target for event in refused} >= {
        f"case:{SHARED_WITH_LAWYER}",
        f"item:{kitchen}",
    }


def fake_item(number: int, item_id: str) -> EvidenceItem:
    sha = hashlib.sha256(f"prefix-test-{number}".encode()).hexdigest()
    return EvidenceItem(
        id=item_id,
        sha256=sha,
        size=10,
        kind="bwv",
        original_name=f"prefix{number}.mp4",
        source_path=f"prefix/{number}.mp4",
        storage_key=object_key(sha),
        store_location="file:///nowhere",
        ingested_at=datetime(2026, 11, 25, 21, 0, tzinfo=UTC),
        officer="PC3310",
    )


def test_an_ambiguous_prefix_is_refused_like_any_other_item(web_world: WebWorld) -> None:
    repo = web_world.services.repo
    actor = Actor("PC3310", "dock-01")
    for number, item_id in ((1, "abcdef01" + "0" * 24), (2, "abcdef02" + "0" * 24)):
        item = fake_item(number, item_id)
        if not any(held.id == item_id for held in repo.list_items()):
            repo.add_item(item, [("received", actor, item.sha256, {}, utcnow())])
    client, auth = web_world.client, web_world.auth
    ambiguous = client.get("/api/items/abcdef0", headers=auth("pc4521"))
    missing = client.get("/api/items/abcdef9", headers=auth("pc4521"))
    assert ambiguous.status_code == missing.status_code == 403
    assert ambiguous.json()["detail"].replace("abcdef0", "ID") == missing.json()["detail"].replace(
        "abcdef9", "ID"
    )
    assert client.get("/api/items/abcdef0", headers=auth("lawyer")).status_code == 403
    page = signed_in(web_world, "pc3310").get("/items/abcdef0")
    assert page.status_code == 403
    assert "ambiguous" not in page.text
    investigator = client.get("/api/items/abcdef0", headers=auth("ivy"))
    assert investigator.status_code == 422
    assert "ambiguous" in investigator.json()["detail"]
    assert trail(web_world, "access-refused", "pc4521")[-2].target == "item:abcdef0"


def test_an_expired_token_or_session_is_refused(web_world: WebWorld) -> None:
    token = web_world.client.post("/api/token", data={"username": "ivy", "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    browser = signed_in(web_world, "ivy")
    assert web_world.client.get("/api/me", headers=bearer).status_code == 200
    assert browser.get("/items", follow_redirects=False).status_code == 200
    cookie = browser.cookies["evidence_session"]
    expire(web_world, token.json()["access_token"])
    expire(web_world, cookie)
    assert web_world.client.get("/api/me", headers=bearer).status_code == 401
    assert browser.get("/api/me").status_code == 401
    assert browser.get("/items", follow_redirects=False).headers["location"] == (
        "/signin?next=/items"
    )


def expire(world: WebWorld, secret: str) -> None:
    digest = hashlib.sha256(secret.encode()).hexdigest()
    with world.services.engine.begin() as connection:
        connection.execute(
            update(TokenRow)
            .where(TokenRow.token_hash == digest)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


def test_sign_out_revokes_the_session_on_the_server(web_world: WebWorld) -> None:
    browser = signed_in(web_world, "pc4521")
    cookie = browser.cookies["evidence_session"]
    page = browser.get("/items").text
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    out = browser.post("/signout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    # Someone who copied the cookie (a shared PC, a proxy log) cannot use it any more.
    replay = TestClient(web_world.app, cookies={"evidence_session": cookie})
    assert replay.get("/api/items").status_code == 401
    assert replay.get("/items", follow_redirects=False).status_code == 303


def test_api_tokens_and_session_cookies_are_not_interchangeable(web_world: WebWorld) -> None:
    browser = signed_in(web_world, "ivy")
    session = browser.cookies["evidence_session"]
    api = web_world.tokens["ivy"]
    assert web_world.client.get("/api/me", headers=web_world.auth("ivy")).status_code == 200
    assert browser.get("/api/me").status_code == 200
    as_bearer = web_world.client.get("/api/me", headers={"Authorization": f"Bearer {session}"})
    assert as_bearer.status_code == 401
    as_cookie = TestClient(web_world.app, cookies={"evidence_session": api})
    assert as_cookie.get("/api/me").status_code == 401
    assert as_cookie.get("/items", follow_redirects=False).status_code == 303
