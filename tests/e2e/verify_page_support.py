"""Shared by the verify.html browser tests: Debian's chromium through Playwright, a copy of
the session's real bundle, and running the page on a folder to compare its problems with
bundle_verifier.bundle.verify_bundle's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from bundle_verifier.bundle import verify_bundle
from tests.fixtures.bundles import ExportedBundle, copy_bundle
from tests.fixtures.required import missing

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
# Python names the operating system's or parser's error in parentheses; the page cannot.
DETAIL = re.compile(r"(cannot be read|unreadable) \(.*\)$")


@pytest.fixture(scope="session", name="browser_type_launch_args")
def chromium_launch_args(browser_type_launch_args: dict[str, object]) -> dict[str, object]:
    if not CHROMIUM.exists():
        missing("Debian's chromium is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(name="page")
def page_fixture(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    fetched: list[str] = []
    console: list[str] = []
    opened.on("request", lambda request: fetched.append(request.url))
    opened.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    opened.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    yield opened
    context.close()
    assert [url for url in fetched if not url.startswith("file://")] == [], (
        "the page used the network"
    )
    assert console == [], "the page logged errors (a CSP refusal, a script error)"


@pytest.fixture(name="bundle")
def bundle_fixture(exported_bundle: ExportedBundle, tmp_path: Path) -> Path:
    return copy_bundle(exported_bundle.path, tmp_path / "bundle")


def check_in_browser(
    page: Page, bundle: Path, page_from: Path | None = None, pinned: Path | None = None
) -> dict[str, object]:
    """Open verify.html from the bundle (or ``page_from``), give it the folder, read the result."""
    page.goto((page_from or bundle / "verify.html").as_uri())
    page.wait_for_selector("body[data-state=ready]")
    if pinned is not None:
        page.set_input_files("#pinned", pinned)
    page.set_input_files("#folder", bundle)
    page.wait_for_selector("body[data-state=valid], body[data-state=invalid]", timeout=60_000)
    return {
        "verdict": page.inner_text("#verdict"),
        "problems": page.locator("#problems li").all_inner_texts(),
        "notes": page.locator("#notes li").all_inner_texts(),
    }


def python_problems(bundle: Path) -> list[str]:
    return [DETAIL.sub(r"\1 (…)", p) for p in verify_bundle(bundle).problems]


def same_as_python(page: Page, bundle: Path, page_from: Path | None = None) -> list[str]:
    result = check_in_browser(page, bundle, page_from)
    expected = python_problems(bundle)
    assert expected, "the tampering must be one the Python verifier rejects"
    problems = result["problems"]
    assert isinstance(problems, list)
    assert [DETAIL.sub(r"\1 (…)", p) for p in problems] == expected
    assert result["verdict"] == f"INVALID: {bundle.name}: {len(expected)} problem(s)"
    return expected
