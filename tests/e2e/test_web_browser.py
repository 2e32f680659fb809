"""The web app as an investigator drives it, in Debian's chromium through Playwright."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from entrypoints.sample_dock import INCIDENT, silent_video
from tests.fixtures.required import missing
from tests.fixtures.web import PASSWORD, WebWorld

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
URN = "01AB7777726"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, object]) -> dict[str, object]:
    if not CHROMIUM.exists():
        missing("Debian's chromium is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    opened = context.new_page()
    refused: list[str] = []
    opened.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield opened
    context.close()
    assert refused == [], "the Content-Security-Policy blocked part of a page"


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, base: str, user: str) -> None:
    page.goto(f"{base}/signin")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    shoot(page, f"signin-{user}")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_search_click_hit_seek_then_export_the_case(
    page: Page, live_server: str, sqlite_world: WebWorld, tmp_path: Path
) -> None:
    created = sqlite_world.client.post(
        "/api/cases",
        json={"urn": URN, "title": "Acacia Avenue", "incidents": [INCIDENT]},
        headers=sqlite_world.auth("ivy"),
    )
    assert created.status_code == 201, created.text
    sign_in(page, live_server, "ivy")

    page.get_by_label('Words, "a phrase" or a prefix*').fill("kitchen")
    page.get_by_role("button", name="Search").click()
    hit = page.locator("a.hit").first
    expect(hit).to_be_visible()
    shoot(page, "search")
    start = float(hit.get_attribute("data-start") or "nan")
    assert start > 0.5
    hit.click()

    page.wait_for_url(f"**/items/{sqlite_world.items['PC4521'].id}?t=*")
    player = page.locator("#player")
    page.wait_for_function(
        "(start) => { const v = document.getElementById('player');"
        " return v.readyState >= 1 && Math.abs(v.currentTime - start) < 0.05; }",
        arg=start,
        timeout=15000,
    )
    assert abs(player.evaluate("v => v.currentTime") - start) < 0.05
    expect(page.locator(".segment.current")).to_have_count(1)
    segment = page.locator(".segment").last
    target = float(segment.get_attribute("data-start") or "nan")
    segment.click()
    page.wait_for_function(
        "(t) => Math.abs(document.getElementById('player').currentTime - t) < 0.5", arg=target
    )
    shoot(page, "item")

    page.goto(f"{live_server}/cases/{URN}")
    expect(page.locator("#exhibits tbody tr")).to_have_count(len(sqlite_world.items))
    expect(page.locator(".lane")).to_have_count(len(sqlite_world.items))
    # timeline.js places the bars (the policy forbids inline style).
    expect(page.locator(".bar").first).to_have_attribute("style", re.compile(r"width: [0-9.]+%"))
    shoot(page, "case")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export bundle").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    names = zipfile.ZipFile(saved).namelist()
    assert any(name.endswith("bagit.txt") for name in names)


def test_officer_upload_follows_the_job_to_its_report(
    page: Page, live_server: str, prefect_api: str, tmp_path: Path
) -> None:
    clip = silent_video(tmp_path / "shift-clip.mp4", seconds=1.0)
    notes = tmp_path / "notes.mp4"
    notes.write_bytes(b"not a recording")
    sign_in(page, live_server, "pc4521")
    page.goto(f"{live_server}/upload")
    expect(page.get_by_label("Recordings and their sidecar files")).to_be_visible()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    shoot(page, "upload")

    page.get_by_label("Recordings and their sidecar files").set_input_files([clip, notes])
    page.get_by_label("Incident number (if no sidecar gives one)").fill("CAD-20261126-0009")
    page.get_by_label("Kind (if no sidecar gives one)").select_option("bwv")
    page.get_by_role("button", name="Upload").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Done: 1 preserved, 0 already held, 1 rejected.", timeout=60000)
    report = page.get_by_role("region", name="Ingest report")
    expect(report).to_be_focused()
    expect(report.get_by_role("link", name="shift-clip.mp4")).to_be_visible()
    expect(report).to_contain_text("notes.mp4: ")
    shoot(page, "upload-report")
    report.get_by_role("link", name="shift-clip.mp4").click()
    expect(page.locator("#player")).to_be_visible()
    page.goto(f"{live_server}/items")
    shoot(page, "items")
