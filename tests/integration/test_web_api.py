"""The JSON API for every role: items, custody, media with Range, transcripts, search, audit."""

from __future__ import annotations

import csv
import io

import pytest

from evidence.audit import verify_audit
from evidence.custody import verify_chain
from tests.fixtures.web import PASSWORD, WebWorld

MISSING = "0" * 32


def original_bytes(world: WebWorld, officer: str) -> bytes:
    return (world.dock / world.items[officer].source_path).read_bytes()


def test_token_needs_the_right_password(web_world: WebWorld) -> None:
    wrong = web_world.client.post("/api/token", data={"username": "ivy", "password": "nope"})
    unknown = web_world.client.post("/api/token", data={"username": "nobody", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/items",
        f"/api/items/{MISSING}",
        f"/api/items/{MISSING}/custody",
        f"/api/items/{MISSING}/media",
        f"/api/items/{MISSING}/transcript",
        "/api/search?q=door",
        "/api/audit",
        "/api/users",
        "/api/me",
    ],
)
def test_every_route_refuses_without_a_valid_token(web_world: WebWorld, path: str) -> None:
    anonymous = web_world.client.get(path)
    forged = web_world.client.get(path, headers={"Authorization": "Bearer forged"})
    assert anonymous.status_code == forged.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"


def test_each_role_lists_only_what_it_may_see(web_world: WebWorld) -> None:
    def ids(user: str) -> set[str]:
        answer = web_world.client.get("/api/items", headers=web_world.auth(user))
        assert answer.status_code == 200
        return {item["id"] for item in answer.json()}

    assert ids("ivy") == {item.id for item in web_world.items.values()}
    assert ids("pc4521") == {web_world.items["PC4521"].id}
    assert ids("pc3310") == {web_world.items["PC3310"].id}
    assert ids("lawyer") == set()
    admin = web_world.client.get("/api/items", headers=web_world.auth("root"))
    assert admin.status_code == 403


def test_refusals_do_not_reveal_whether_an_item_exists(web_world: WebWorld) -> None:
    other = web_world.items["PC3310"].id
    for suffix in ("", "/custody", "/media", "/transcript"):
        someone_elses = web_world.client.get(
            f"/api/items/{other}{suffix}", headers=web_world.auth("pc4521")
        )
        missing = web_world.client.get(
            f"/api/items/{MISSING}{suffix}", headers=web_world.auth("pc4521")
        )
        assert someone_elses.status_code == missing.status_code == 403
        assert someone_elses.text.replace(other, "ID") == missing.text.replace(MISSING, "ID")
    investigator = web_world.client.get(f"/api/items/{MISSING}", headers=web_world.auth("ivy"))
    assert investigator.status_code == 404


def test_officer_sees_own_item_and_its_custody(web_world: WebWorld) -> None:
    item = web_world.items["PC4521"]
    shown = web_world.client.get(f"/api/items/{item.id}", headers=web_world.auth("pc4521"))
    assert shown.status_code == 200
    assert shown.json()["sha256"] == item.sha256
    custody = web_world.client.get(
        f"/api/items/{item.id}/custody", headers=web_world.auth("pc4521")
    )
    events = custody.json()
    assert events[-1]["hash"] == shown.json()["custody_head"]
    assert verify_chain(events, expected_head=shown.json()["custody_head"]) == []


def test_media_streams_the_original(web_world: WebWorld) -> None:
    item = web_world.items["PC4521"]
    answer = web_world.client.get(f"/api/items/{item.id}/media", headers=web_world.auth("ivy"))
    assert answer.status_code == 200
    assert answer.headers["accept-ranges"] == "bytes"
    assert answer.headers["content-type"] == "video/mp4"
    assert answer.content == original_bytes(web_world, "PC4521")


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-1999", 1000, 1999),
        ("bytes=-500", -500, None),
        ("bytes=2048-", 2048, None),
    ],
)
def test_media_answers_ranges(
    web_world: WebWorld, header: str, start: int, end: int | None
) -> None:
    item = web_world.items["PC3310"]
    original = original_bytes(web_world, "PC3310")
    answer = web_world.client.get(
        f"/api/items/{item.id}/media", headers={**web_world.auth("ivy"), "Range": header}
    )
    expected = original[start:] if end is None else original[start : end + 1]
    first = start if start >= 0 else len(original) + start
    assert answer.status_code == 206
    assert answer.content == expected
    assert answer.headers["content-length"] == str(len(expected))
    last = first + len(expected) - 1
    assert answer.headers["content-range"] == f"bytes {first}-{last}/{len(original)}"


HUGE = "9" * 5000


@pytest.mark.parametrize("header", ["bytes=999999999-", f"bytes={HUGE}-", "bytes=-0"])
def test_media_refuses_unsatisfiable_ranges(web_world: WebWorld, header: str) -> None:
    item = web_world.items["PC3310"]
    answer = web_world.client.get(
        f"/api/items/{item.id}/media", headers={**web_world.auth("ivy"), "Range": header}
    )
    assert answer.status_code == 416
    assert answer.headers["content-range"] == f"bytes */{item.size}"


@pytest.mark.parametrize(
    "header", ["bytes=abc-def", "bytes=50-10", "bytes=-", "items=0-10", "bytes=0-1,4-5"]
)
def test_media_ignores_malformed_or_foreign_ranges(web_world: WebWorld, header: str) -> None:
    item = web_world.items["PC3310"]
    answer = web_world.client.get(
        f"/api/items/{item.id}/media", headers={**web_world.auth("ivy"), "Range": header}
    )
    assert answer.status_code == 200
    assert "content-range" not in answer.headers
    assert answer.content == original_bytes(web_world, "PC3310")


def test_media_range_past_any_size_is_the_rest_of_the_object(web_world: WebWorld) -> None:
    item = web_world.items["PC3310"]
    answer = web_world.client.get(
        f"/api/items/{item.id}/media",
        headers={**web_world.auth("ivy"), "Range": f"bytes=10-{HUGE}"},
    )
    assert answer.status_code == 206
    assert answer.content == original_bytes(web_world, "PC3310")[10:]


def test_transcript_as_vtt_and_json(web_world: WebWorld) -> None:
    item = web_world.items["PC4521"]
    vtt = web_world.client.get(
        f"/api/items/{item.id}/transcript?format=vtt", headers=web_world.auth("pc4521")
    )
    assert vtt.status_code == 200
    assert vtt.text.startswith("WEBVTT")
    assert vtt.headers["content-type"].startswith("text/vtt")
    body = web_world.client.get(
        f"/api/items/{item.id}/transcript?format=json", headers=web_world.auth("pc4521")
    ).json()
    assert body["item_id"] == item.id
    assert "kitchen" in " ".join(segment["text"].lower() for segment in body["segments"])


def test_search_gives_the_cli_hits_narrowed_by_role(web_world: WebWorld) -> None:
    def hits(user: str, query: str) -> list[dict[str, object]]:
        answer = web_world.client.get(
            "/api/search", params={"q": query}, headers=web_world.auth(user)
        )
        assert answer.status_code == 200, answer.text
        result: list[dict[str, object]] = answer.json()
        return result

    kitchen = hits("ivy", "kitchen")
    assert {hit["item_id"] for hit in kitchen} == {web_world.items["PC4521"].id}
    assert "«" in str(kitchen[0]["snippet"])
    assert hits("pc3310", "kitchen") == []
    assert hits("pc4521", "kitchen")
    assert hits("lawyer", "kitchen") == []
    bad = web_world.client.get(
        "/api/search", params={"q": '"unclosed'}, headers=web_world.auth("ivy")
    )
    assert bad.status_code == 422


def test_every_look_is_audited_with_who_and_where(web_world: WebWorld) -> None:
    item = web_world.items["PC4521"]
    client = web_world.client
    client.get(f"/api/items/{item.id}", headers=web_world.auth("pc4521"))
    client.get(f"/api/items/{item.id}/transcript", headers=web_world.auth("ivy"))
    client.get(
        f"/api/items/{item.id}/media", headers={**web_world.auth("ivy"), "Range": "bytes=0-9"}
    )
    trail = client.get(
        "/api/audit", params={"target": f"item:{item.id}"}, headers=web_world.auth("ivy")
    )
    events = trail.json()["events"]
    seen = {(event["actor"], event["action"]) for event in events}
    assert {("pc4521", "view-item"), ("ivy", "view-transcript"), ("ivy", "view-media")} <= seen
    assert all(event["address"] == "testclient" for event in events)
    searched = client.get("/api/audit", headers=web_world.auth("root")).json()
    assert searched["chain_intact"] is True
    assert any(event["action"] == "search" for event in searched["events"])
    assert verify_audit(web_world.audit()) == []
    exported = client.get(
        "/api/audit",
        params={"target": f"item:{item.id}", "export": "csv"},
        headers=web_world.auth("ivy"),
    )
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {row["action"] for row in rows} >= {"view-item", "view-media"}
    assert client.get("/api/audit", headers=web_world.auth("pc4521")).status_code == 403
    assert client.get("/api/audit", headers=web_world.auth("lawyer")).status_code == 403


def test_admins_manage_users_and_a_disabled_user_is_locked_out(web_world: WebWorld) -> None:
    client = web_world.client
    new = {"name": "pc9999", "role": "officer", "password": PASSWORD, "officer_id": "PC9999"}
    assert client.post("/api/users", json=new, headers=web_world.auth("ivy")).status_code == 403
    assert client.post("/api/users", json=new, headers=web_world.auth("root")).status_code == 201
    again = client.post("/api/users", json=new, headers=web_world.auth("root"))
    assert again.status_code == 409
    token = client.post("/api/token", data={"username": "pc9999", "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert client.get("/api/me", headers=bearer).json()["officer_id"] == "PC9999"
    disabled = client.post("/api/users/pc9999/disable", headers=web_world.auth("root"))
    assert disabled.status_code == 200
    assert client.get("/api/me", headers=bearer).status_code == 401
    names = [
        user["name"] for user in client.get("/api/users", headers=web_world.auth("root")).json()
    ]
    assert "pc9999" in names
