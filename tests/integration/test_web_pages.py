"""Pages with a session cookie and CSRF, and officer uploads through the real ingest flow.

Uploads are answered 202 and ingested in the background; these follow the job to its end.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from entrypoints.sample_dock import silent_video
from tests.fixtures.upload_jobs import wait_for_job, wait_until_gone
from tests.fixtures.web import PASSWORD, WebWorld


def signed_in(world: WebWorld, user: str) -> TestClient:
    client = TestClient(world.app)
    answer = client.post(
        "/signin", data={"username": user, "password": PASSWORD, "next": "/items"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"] == "/items"
    return client


def csrf_of(client: TestClient, path: str = "/upload") -> str:
    page = client.get(path).text
    marker = 'data-csrf="'
    return page[page.index(marker) + len(marker) :].split('"', 1)[0]


def test_sign_in_refuses_bad_passwords_and_foreign_redirects(sqlite_world: WebWorld) -> None:
    client = TestClient(sqlite_world.app)
    assert client.get("/items", follow_redirects=False).headers["location"] == "/signin?next=/items"
    wrong = client.post("/signin", data={"username": "ivy", "password": "wrong"})
    assert wrong.status_code == 401
    assert "Wrong user name or password" in wrong.text
    away = client.post(
        "/signin", data={"username": "ivy", "password": PASSWORD, "next": "//evil.example/x"},
        follow_redirects=False,
    )  # fmt: skip
    assert away.headers["location"] == "/"
    cross_site = client.post(
        "/signin", data={"username": "ivy", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )  # fmt: skip
    assert cross_site.status_code == 403


def test_session_cookie_needs_csrf_for_changes(sqlite_world: WebWorld) -> None:
    client = signed_in(sqlite_world, "pc4521")
    assert client.get("/api/items").status_code == 200
    forged = client.post("/api/uploads", files={"files": ("a.mp4", b"x", "video/mp4")})
    assert forged.status_code == 403
    assert "CSRF" in forged.json()["detail"]
    assert client.post("/signout", data={"csrf_token": "guess"}).status_code == 403
    token = csrf_of(client)
    out = client.post("/signout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/api/items").status_code == 401
    refused = [e for e in sqlite_world.audit() if e.action == "access-refused"][-2:]
    assert [(e.actor, e.target) for e in refused] == [
        ("pc4521", "route:POST /api/uploads"),
        ("pc4521", "route:POST /signout"),
    ]
    assert all("CSRF" in e.details["reason"] for e in refused)


def test_every_form_needs_the_csrf_secret_and_sign_in_does_not(sqlite_world: WebWorld) -> None:
    client = signed_in(sqlite_world, "ivy")
    forms = {
        "/signout": {},
        "/cases/01AA9999926/bundle": {},
        "/cases/01AA9999926/share": {"user": "lawyer"},
    }
    for path, fields in forms.items():
        for token in (None, "guess"):
            data = {**fields, **({"csrf_token": token} if token else {})}
            answer = client.post(path, data=data, follow_redirects=False)
            assert answer.status_code == 403, path
            assert "CSRF" in answer.text
            assert answer.headers["content-security-policy"]
    # Signing in again with a session already open needs no CSRF secret (it has none yet).
    again = client.post("/signin", data={"username": "ivy", "password": PASSWORD})
    assert again.status_code == 200
    assert client.get("/api/me").json()["name"] == "ivy"


def test_item_page_has_player_transcript_custody_and_audit(sqlite_world: WebWorld) -> None:
    item = sqlite_world.items["PC4521"]
    officer = signed_in(sqlite_world, "pc4521")
    page = officer.get(f"/items/{item.id}?t=2.5").text
    assert f'src="/api/items/{item.id}/media"' in page
    assert 'data-start="2.5"' in page
    assert 'class="segment"' in page
    assert item.custody_head[:12] in page
    assert "Who looked at this item" not in page
    other = officer.get(f"/items/{sqlite_world.items['PC3310'].id}")
    assert other.status_code == 403
    assert sqlite_world.items["PC3310"].sha256 not in other.text
    investigator = signed_in(sqlite_world, "ivy")
    audited = investigator.get(f"/items/{item.id}").text
    assert "Who looked at this item" in audited
    assert "pc4521" in audited


def test_search_page_links_each_hit_to_its_second(sqlite_world: WebWorld) -> None:
    client = signed_in(sqlite_world, "ivy")
    page = client.get("/search", params={"q": "kitchen"}).text
    item = sqlite_world.items["PC4521"]
    assert f'href="/items/{item.id}?t=' in page
    assert "<mark>" in page
    assert "1 item(s) with hits" in page


@pytest.fixture(scope="module")
def upload_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return silent_video(tmp_path_factory.mktemp("upload") / "clip.mp4", seconds=2.0)


def sidecar(officer: str) -> bytes:
    return json.dumps({"officer": officer, "device": "AXON-0042", "kind": "bwv"}).encode()


def test_officer_upload_is_ingested_as_their_own(
    sqlite_world: WebWorld, upload_media: Path, prefect_api: str
) -> None:
    client, auth = sqlite_world.client, sqlite_world.auth
    with upload_media.open("rb") as media:
        answer = client.post(
            "/api/uploads",
            files=[
                ("files", ("bwv/clip.mp4", media, "video/mp4")),
                ("files", ("bwv/clip.mp4.json", sidecar("PC4521"), "application/json")),
            ],
            data={"incident": "CAD-20261126-0001"},
            headers=auth("pc4521"),
        )
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert answer.headers["location"] == f"/api/uploads/{job['id']}"
    done = wait_for_job(client, job["id"], auth("pc4521"))
    assert done["status"] == "done", done
    [ingested] = done["report"]["ingested"]
    item_id = ingested["id"]
    item = client.get(f"/api/items/{item_id}", headers=auth("pc4521")).json()
    assert item["officer"] == "PC4521"
    assert item["incident"] == "CAD-20261126-0001"
    assert item["size"] == upload_media.stat().st_size
    assert client.get(f"/api/items/{item_id}", headers=auth("pc3310")).status_code == 403
    trail = client.get("/api/audit", params={"target": "officer:PC4521"}, headers=auth("ivy"))
    assert [event["action"] for event in trail.json()["events"]] == ["upload"]
    wait_until_gone(sqlite_world.home / "uploads" / job["id"])


@pytest.mark.parametrize(
    ("user", "name", "officer", "status"),
    [
        ("pc4521", "clip.mp4", "PC3310", 403),
        ("ivy", "clip.mp4", "PC4521", 403),
        ("pc4521", "../clip.mp4", "PC4521", 422),
        ("pc4521", "/etc/clip.mp4", "PC4521", 422),
    ],
)
def test_refused_uploads_leave_nothing_behind(
    sqlite_world: WebWorld, upload_media: Path, user: str, name: str, officer: str, status: int
) -> None:
    before = len(sqlite_world.services.repo.list_items())
    answer = sqlite_world.client.post(
        "/api/uploads",
        files=[
            ("files", (name, upload_media.read_bytes(), "video/mp4")),
            ("files", (name + ".json", sidecar(officer), "application/json")),
        ],
        headers=sqlite_world.auth(user),
    )
    assert answer.status_code == status, answer.text
    assert len(sqlite_world.services.repo.list_items()) == before
    uploads = sqlite_world.home / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())
