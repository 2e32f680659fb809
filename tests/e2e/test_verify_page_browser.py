"""verify.html, opened from a real bundle in Debian's chromium and given the bundle's folder:
a real bundle is VALID, and each tampering is named in exactly the Python verifier's words
(the page's problem list is compared with bundle_verifier.bundle.verify_bundle's)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import bagit
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Browser, Page

from bundle_verifier.bundle import verify_bundle
from bundle_verifier.checkpoint import Checkpoint, sign_checkpoint
from bundle_verifier.cli import summary
from evidence.signing import SigningKey
from tests.fixtures.bundles import ExportedBundle, copy_bundle, resign, without_log
from tests.fixtures.required import missing
from tests.integration.test_bundle_timestamps import Tsa

pytestmark = pytest.mark.browser

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


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, object]) -> dict[str, object]:
    if not CHROMIUM.exists():
        missing("Debian's chromium is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
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


@pytest.fixture
def bundle(exported_bundle: ExportedBundle, tmp_path: Path) -> Path:
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


def test_the_page_is_self_contained_and_signed(bundle: Path, page: Page) -> None:
    html = (bundle / "verify.html").read_text(encoding="utf-8")
    assert re.search(r"<[^>]*\son[a-z]+\s*=", html, re.IGNORECASE) is None, "inline handler"
    assert re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)\s*=", html) is None
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "@noble/hashes 2.4.0" in html and "The MIT License (MIT)" in html
    for algorithm in ("sha256", "sha512"):
        assert "  verify.html\n" in (bundle / f"tagmanifest-{algorithm}.txt").read_text()
    page.goto((bundle / "verify.html").as_uri())
    page.wait_for_selector("body[data-state=ready]")
    supported = page.evaluate(
        "crypto.subtle.importKey('raw', new Uint8Array(32), {name: 'Ed25519'}, false, ['verify'])"
        ".then(() => true, () => false)"
    )
    assert supported is True, "this chromium's WebCrypto has no Ed25519"


def test_a_real_bundle_is_valid(bundle: Path, page: Page) -> None:
    result = check_in_browser(page, bundle)
    report = verify_bundle(bundle)
    assert report.ok
    assert result["problems"] == []
    assert result["verdict"] == summary(replace(report, bundle=bundle.name))
    assert "and 1 earlier checkpoint(s)) check out" in str(result["verdict"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "verify-page-valid.png"), full_page=True)


def test_the_folder_export_wrote_is_accepted_too(bundle: Path, page: Page) -> None:
    result = check_in_browser(page, bundle.parent, page_from=bundle / "verify.html")
    assert str(result["verdict"]).startswith(f"VALID: {bundle.parent.name}/{bundle.name}: case")


def test_a_bundle_from_before_the_log_is_valid_and_says_so(
    exported_bundle: ExportedBundle, tmp_path: Path, page: Page
) -> None:
    old = without_log(exported_bundle, tmp_path / "old")
    result = check_in_browser(page, old)
    assert str(result["verdict"]).startswith("VALID: old: case")
    assert result["notes"] == verify_bundle(old).notes


def test_a_flipped_byte_is_named(bundle: Path, page: Page) -> None:
    media = next((bundle / "data/exhibits").glob("*/arrival.mp4"))
    data = bytearray(media.read_bytes())
    data[len(data) // 2] ^= 0x01
    media.write_bytes(bytes(data))
    problems = same_as_python(page, bundle)
    name = media.relative_to(bundle).as_posix()
    assert f"{name}: SHA256 does not match manifest-sha256.txt; the file was changed" in problems[0]
    assert any("media SHA-256" in p for p in problems)


def test_a_re_manifested_bag_is_named(bundle: Path, page: Page) -> None:
    bag = bagit.Bag(str(bundle))
    bag.info["Source-Organization"] = "Someone Else"
    bag.save(manifests=True)
    problems = same_as_python(page, bundle)
    assert any(
        p.startswith("tagmanifest-sha256.txt.sig: the signature does not match") for p in problems
    )


def test_a_removed_file_is_named(bundle: Path, page: Page) -> None:
    custody = next((bundle / "data/exhibits").glob("CH1187-*/custody.json"))
    custody.unlink()
    problems = same_as_python(page, bundle)
    name = custody.relative_to(bundle).as_posix()
    assert f"{name}: listed in the manifests but missing from the bag" in problems


def test_an_edited_custody_log_is_named(bundle: Path, page: Page) -> None:
    custody = next((bundle / "data/exhibits").glob("PC4521-*/custody.json"))
    events = json.loads(custody.read_text())
    events[0]["actor"] = "someone-else"
    custody.write_text(json.dumps(events, indent=2))
    problems = same_as_python(page, bundle)
    assert any(
        "event 1 (received): its content was changed after it was recorded" in p for p in problems
    )
    assert any(
        "custody event 1 (received): the inclusion proof does not lead" in p for p in problems
    )
    page.screenshot(path=str(SCREENSHOTS / "verify-page-edited-custody.png"), full_page=True)


def test_a_proof_that_does_not_match_the_checkpoint_is_named(bundle: Path, page: Page) -> None:
    proofs_path = bundle / "log/proofs.json"
    proofs = json.loads(proofs_path.read_text())
    proofs["events"][0]["leaf_index"] += 2
    proofs_path.write_text(json.dumps(proofs))
    problems = same_as_python(page, bundle)
    assert "log/proofs.json: SHA256 does not match tagmanifest-sha256.txt" in problems[0]
    assert any(
        "custody event 1 (received): the inclusion proof does not lead" in p for p in problems
    )


def test_a_checkpoint_signed_by_another_key_is_named(bundle: Path, page: Page) -> None:
    note = bundle / "log/checkpoint.note"
    origin, size, root = note.read_text().split("\n")[:3]
    forged = Checkpoint(origin, int(size), base64.b64decode(root))
    note.write_text(sign_checkpoint(forged, origin, Ed25519PrivateKey.generate()))
    problems = same_as_python(page, bundle)
    assert f"log/checkpoint.note: signed as {origin} but by another key" in "\n".join(problems)


def test_an_edited_page_names_itself(bundle: Path, tmp_path: Path, page: Page) -> None:
    pristine = shutil.copy(bundle / "verify.html", tmp_path / "verify.html")
    with (bundle / "verify.html").open("a", encoding="utf-8") as page_file:
        page_file.write("<!-- changed -->\n")
    problems = same_as_python(page, bundle, page_from=Path(pristine))
    assert problems[0].startswith("verify.html: SHA256 does not match tagmanifest-sha256.txt")


def test_a_large_file_is_hashed_in_pieces(
    exported_bundle: ExportedBundle, bundle: Path, page: Page
) -> None:
    """A 48 MiB payload, re-manifested and re-signed by the key holder: the page's streamed
    SHA-256 and SHA-512 agree with the manifests, and the SHA-256 it names for the exhibit is
    the one Python computes."""
    media = next((bundle / "data/exhibits").glob("*/arrival.mp4"))
    name = media.relative_to(bundle).as_posix()
    data = bytes(range(256)) * (48 * 4096)
    media.write_bytes(data)
    for algorithm in ("sha256", "sha512"):
        manifest = bundle / f"manifest-{algorithm}.txt"
        lines = manifest.read_text().splitlines()
        digest = hashlib.new(algorithm, data).hexdigest()
        manifest.write_text(
            "".join(
                f"{digest}  {name}\n" if line.endswith(f"  {name}") else f"{line}\n"
                for line in lines
            )
        )
    info = bundle / "bag-info.txt"
    sizes = [p.stat().st_size for p in (bundle / "data").rglob("*") if p.is_file()]
    info.write_text(
        re.sub(r"Payload-Oxum: .*", f"Payload-Oxum: {sum(sizes)}.{len(sizes)}", info.read_text())
    )
    resign(bundle, exported_bundle.key)
    problems = same_as_python(page, bundle)
    assert problems == [
        f"exhibit PC4521/1: media SHA-256 {hashlib.sha256(data).hexdigest()} is not the recorded "
        + json.loads((bundle / "data/exhibits.json").read_text())["exhibits"][1]["sha256"]
    ]


def test_a_pinned_key_is_required_when_given(bundle: Path, tmp_path: Path, page: Page) -> None:
    assert str(check_in_browser(page, bundle, pinned=bundle / "signing-key.pub.pem")["verdict"])
    assert page.inner_text("#verdict").startswith("VALID: bundle: case")
    other = Ed25519PrivateKey.generate().public_key()
    pem = other.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "published.pem").write_bytes(pem)
    result = check_in_browser(page, bundle, pinned=tmp_path / "published.pem")
    expected = verify_bundle(bundle, pinned=other).problems
    assert result["problems"] == expected
    assert any("not the pinned key" in p for p in expected)
    assert any("signed as" in p and "but by another key" in p for p in expected)


def _edit_json(path: Path, edit: Callable[[Any], None]) -> None:
    value = json.loads(path.read_text())
    edit(value)
    path.write_text(json.dumps(value, indent=2))


def _added_file(bundle: Path, key: SigningKey) -> None:
    (bundle / "data/exhibits/extra.txt").write_text("added later\n")


def _bent_consistency_proof(bundle: Path, key: SigningKey) -> None:
    def bend(proofs: dict[str, Any]) -> None:
        proof = proofs["earlier"][0]["consistency_proof"]
        proof[0] = base64.b64encode(bytes(32)).decode()

    _edit_json(bundle / "log/proofs.json", bend)
    resign(bundle, key)


def _dropped_inclusion_proof(bundle: Path, key: SigningKey) -> None:
    _edit_json(bundle / "log/proofs.json", lambda proofs: proofs["events"].pop(1))
    resign(bundle, key)


def _garbled_listing(bundle: Path, key: SigningKey) -> None:
    (bundle / "data/exhibits.json").write_text('{"urn": "01YZ1234524", "exhibits": [')


def _another_bundled_key(bundle: Path, key: SigningKey) -> None:
    pem = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (bundle / "signing-key.pub.pem").write_bytes(pem)


def _removed_signature(bundle: Path, key: SigningKey) -> None:
    (bundle / "tagmanifest-sha512.txt.sig").unlink()


def _uncovered_log_file(bundle: Path, key: SigningKey) -> None:
    (bundle / "log/earlier/extra.note").write_text("not signed\n")


def _events_cut_from_the_end(bundle: Path, key: SigningKey) -> None:
    custody = next((bundle / "data/exhibits").glob("CH1187-*/custody.json"))
    _edit_json(custody, lambda events: events.pop())


def _odd_values_in_a_custody_log(bundle: Path, key: SigningKey) -> None:
    custody = next((bundle / "data/exhibits").glob("PC4521-*/custody.json"))

    def odd(events: list[dict[str, Any]]) -> None:
        events[0]["seq"] = 1.5
        events[1]["details"] = {"n": 1e16, "ü": [None, True], "😀": "\u2028"}
        events[2]["format"] = "3"
        del events[-1]["format"]

    _edit_json(custody, odd)


MORE_TAMPERINGS = [
    _added_file,
    _bent_consistency_proof,
    _dropped_inclusion_proof,
    _garbled_listing,
    _another_bundled_key,
    _removed_signature,
    _uncovered_log_file,
    _events_cut_from_the_end,
    _odd_values_in_a_custody_log,
]


@pytest.mark.parametrize("tamper", MORE_TAMPERINGS, ids=lambda f: f.__name__.strip("_"))
def test_more_tamperings_read_as_the_python_verifier_reads_them(
    tamper: Callable[[Path, SigningKey], None],
    exported_bundle: ExportedBundle,
    bundle: Path,
    page: Page,
) -> None:
    tamper(bundle, exported_bundle.key)
    same_as_python(page, bundle)


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Tsa:
    return Tsa(tmp_path_factory.mktemp("tsa"))


@pytest.fixture
def stamped(exported_bundle: ExportedBundle, tsa: Tsa, bundle: Path) -> Path:
    for note in sorted((bundle / "log").rglob("*.note")):
        note.with_suffix(".tsr").write_bytes(tsa.stamp(note))
    resign(bundle, exported_bundle.key)
    return bundle


def test_time_stamps_are_checked_and_noted_as_python_notes_them(stamped: Path, page: Page) -> None:
    result = check_in_browser(page, stamped)
    report = verify_bundle(stamped)
    assert report.ok and len(report.notes) == 2
    assert result["verdict"] == summary(replace(report, bundle=stamped.name))
    assert result["notes"] == report.notes


def _flip_last_byte(token: bytes) -> bytes:
    return token[:-1] + bytes([token[-1] ^ 0x01])


def _edit_time(token: bytes) -> bytes:
    at = token.index(b"\x18\x0f") + 2
    digit = ord("9") if token[at + 3] != ord("9") else ord("8")
    return token[: at + 3] + bytes([digit]) + token[at + 4 :]


def _refused(token: bytes) -> bytes:
    status = token.index(b"\x30\x03\x02\x01\x00")
    return token[:status] + b"\x30\x03\x02\x01\x02" + token[status + 5 :]


@pytest.mark.parametrize(
    "tamper",
    [_flip_last_byte, _edit_time, _refused, lambda token: b"not DER"],
    ids=["broken-signature", "edited-time", "not-granted", "not-der"],
)
def test_a_broken_time_stamp_is_named_as_python_names_it(
    tamper: Callable[[bytes], bytes], stamped: Path, exported_bundle: ExportedBundle, page: Page
) -> None:
    token = stamped / "log/checkpoint.tsr"
    token.write_bytes(tamper(token.read_bytes()))
    resign(stamped, exported_bundle.key)
    [problem] = same_as_python(page, stamped)
    assert problem.startswith("log/checkpoint.tsr: ")


def test_a_time_stamp_of_other_bytes_is_named(
    stamped: Path, tsa: Tsa, exported_bundle: ExportedBundle, page: Page
) -> None:
    (stamped / "log/checkpoint.tsr").write_bytes(tsa.stamp(stamped / "bagit.txt"))
    resign(stamped, exported_bundle.key)
    assert same_as_python(page, stamped) == [
        "log/checkpoint.tsr: it stamps other bytes than this note's (message imprint differs)"
    ]


def test_a_time_stamp_from_an_expired_tsa_certificate_is_named(
    stamped: Path, tsa: Tsa, exported_bundle: ExportedBundle, page: Page
) -> None:
    token = tsa.stamp_with_expired_certificate(stamped / "log/checkpoint.note")
    (stamped / "log/checkpoint.tsr").write_bytes(token)
    resign(stamped, exported_bundle.key)
    assert same_as_python(page, stamped) == [
        "log/checkpoint.tsr: the TSA certificate was not valid at the stamped time"
    ]
