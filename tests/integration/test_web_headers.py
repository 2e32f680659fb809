"""Security headers on every answer, pages with no inline script, media typed by its bytes."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from entrypoints.sample_dock import INCIDENT, call_recording, silent_video
from evidence.dock import scan
from evidence.ingest import IngestOptions
from tests.fixtures.web import PASSWORD, WebWorld

MISSING = "0" * 32
URN = "01HH4444426"


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


def signed_in(world: WebWorld, user: str, base_url: str = "http://testserver") -> TestClient:
    client = TestClient(world.app, base_url=base_url)
    answer = client.post(
        "/signin", data={"username": user, "password": PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return client


def answers(world: WebWorld) -> dict[str, httpx.Response]:
    """A page, JSON, media, an error, a redirect and a refusal, as the app gives them."""
    item = world.items["PC4521"]
    client, auth = world.client, world.auth
    return {
        "page": client.get("/signin"),
        "json": client.get("/api/items", headers=auth("ivy")),
        "media": client.get(f"/api/items/{item.id}/media", headers=auth("ivy")),
        "range": client.get(
            f"/api/items/{item.id}/media", headers={**auth("ivy"), "Range": "bytes=0-9"}
        ),
        "refusal": client.get(f"/api/items/{item.id}", headers=auth("pc3310")),
        "unauthenticated": client.get("/api/items"),
        "redirect": client.get("/items", follow_redirects=False),
        "error page": signed_in(world, "pc3310").get(f"/items/{item.id}"),
    }


def test_every_answer_carries_the_security_headers(sqlite_world: WebWorld) -> None:
    for kind, answer in answers(sqlite_world).items():
        policy = directives(answer.headers["content-security-policy"])
        assert policy["frame-ancestors"] == ["'none'"], kind
        assert policy["default-src"] == ["'none'"], kind
        assert policy["script-src"] == ["'self'"], kind
        assert policy["style-src"] == ["'self'"], kind
        assert answer.headers["x-content-type-options"] == "nosniff", kind
        assert answer.headers["referrer-policy"] == "no-referrer", kind
        assert answer.headers["x-frame-options"] == "DENY", kind
        assert answer.headers["cache-control"] == "no-store", kind
        assert "strict-transport-security" not in answer.headers, kind
    static = sqlite_world.client.get("/static/app.css")
    assert static.status_code == 200
    assert static.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in static.headers.get("cache-control", "")


def test_interactive_docs_are_off_and_the_spec_is_served(sqlite_world: WebWorld) -> None:
    assert sqlite_world.client.get("/docs").status_code == 404
    assert sqlite_world.client.get("/redoc").status_code == 404
    assert sqlite_world.client.get("/openapi.json").status_code == 200


def test_over_https_hsts_is_sent_and_the_cookie_is_secure(sqlite_world: WebWorld) -> None:
    client = TestClient(sqlite_world.app, base_url="https://testserver")
    answer = client.post(
        "/signin", data={"username": "ivy", "password": PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith("evidence_session=")
    assert {"secure", "httponly", "samesite=strict"} <= {p.strip() for p in cookie.split(";")}
    # An X-Forwarded-Proto from a client that is not a trusted proxy changes nothing.
    spoofed = TestClient(sqlite_world.app).post(
        "/signin",
        data={"username": "ivy", "password": PASSWORD},
        headers={"X-Forwarded-Proto": "https"},
        follow_redirects=False,
    )
    assert "strict-transport-security" not in spoofed.headers
    assert "secure" not in {p.strip() for p in spoofed.headers["set-cookie"].lower().split(";")}


class InlineCode(HTMLParser):
    """Collects what a Content-Security-Policy without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script":
            self.scripts += 1
            if not names.get("src"):
                self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}= handler")
            if name == "style":
                self.found.append(f"{tag} style= attribute")
            if value and value.strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}=javascript: URL")


def test_no_page_runs_inline_script_or_style(sqlite_world: WebWorld) -> None:
    created = sqlite_world.client.post(
        "/api/cases",
        json={"urn": URN, "title": "Headers", "incidents": [INCIDENT]},
        headers=sqlite_world.auth("ivy"),
    )
    assert created.status_code == 201, created.text
    item = sqlite_world.items["PC4521"]
    investigator, officer = signed_in(sqlite_world, "ivy"), signed_in(sqlite_world, "pc4521")
    pages = {
        "/signin": TestClient(sqlite_world.app).get("/signin"),
        "/search": investigator.get("/search", params={"q": "kitchen"}),
        "/items": investigator.get("/items"),
        "/item": investigator.get(f"/items/{item.id}"),
        "/cases": investigator.get("/cases"),
        "/case": investigator.get(f"/cases/{URN}"),
        "/audit": investigator.get("/audit"),
        "/upload": officer.get("/upload"),
        "error": officer.get(f"/items/{MISSING}"),
    }
    scripts = 0
    for name, page in pages.items():
        assert page.headers["content-type"].startswith("text/html"), name
        parser = InlineCode()
        parser.feed(page.text)
        assert parser.found == [], name
        scripts += parser.scripts
    assert 'class="bar kind-bwv"' in pages["/case"].text
    assert scripts >= 3  # the player, the timeline and the upload page load their files


def test_media_type_comes_from_the_probed_format_not_the_name(
    sqlite_world: WebWorld, tmp_path: Path
) -> None:
    dock = tmp_path / "dock"
    (dock / "sub").mkdir(parents=True)
    silent_video(dock / "sub" / "data:,x.mp4", seconds=1.5)
    call_recording("The caller hung up.", tmp_path / "call.wav")
    shutil.copy(tmp_path / "call.wav", dock / "sub" / "call.mp3")
    ingestor = sqlite_world.services.ingestor()
    ids = {}
    for entry in scan(dock):
        outcome = ingestor.ingest(dock, entry.relative_path, entry.sidecar, IngestOptions())
        assert outcome.status == "ingested", outcome
        ids[entry.relative_path] = outcome.id
    expected = {
        "sub/data:,x.mp4": "video/mp4",
        "sub/call.mp3": "audio/wav",
    }
    for name, media_type in expected.items():
        answer = sqlite_world.client.get(
            f"/api/items/{ids[name]}/media", headers=sqlite_world.auth("ivy")
        )
        assert answer.status_code == 200, name
        assert answer.headers["content-type"] == media_type, name
        assert answer.headers["x-content-type-options"] == "nosniff"
        suffix = name.rsplit(".", 1)[1]
        assert answer.headers["content-disposition"] == (f'inline; filename="{ids[name]}.{suffix}"')
    call = sqlite_world.items["CH1187"]
    answer = sqlite_world.client.get(
        f"/api/items/{call.id}/media", headers=sqlite_world.auth("ivy")
    )
    assert answer.headers["content-type"] == "audio/wav"


def test_sign_in_is_refused_from_another_site_and_accepted_from_ours(
    sqlite_world: WebWorld,
) -> None:
    """With no-referrer, a browser posts our own sign-in form with ``Origin: null``."""

    def sign_in(headers: dict[str, str]) -> int:
        answer = TestClient(sqlite_world.app).post(
            "/signin",
            data={"username": "ivy", "password": PASSWORD},
            headers=headers,
            follow_redirects=False,
        )
        return answer.status_code

    assert sign_in({"Origin": "null", "Sec-Fetch-Site": "same-origin"}) == 303
    assert sign_in({"Origin": "http://testserver"}) == 303
    assert sign_in({}) == 303
    assert sign_in({"Origin": "http://testserver", "Sec-Fetch-Site": "cross-site"}) == 403
    assert sign_in({"Origin": "null", "Sec-Fetch-Site": "same-site"}) == 403
    assert sign_in({"Origin": "null"}) == 403
    assert sign_in({"Origin": "https://elsewhere.example"}) == 403
