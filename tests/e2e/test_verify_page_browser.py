"""verify.html, opened from a real bundle in Debian's chromium and given the bundle's folder:
a real bundle is VALID, and each tampering is named in exactly the Python verifier's words
(the page's problem list is compared with bundle_verifier.bundle.verify_bundle's)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import bagit
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Page

from bundle_verifier.bundle import verify_bundle
from bundle_verifier.checkpoint import Checkpoint, sign_checkpoint
from bundle_verifier.cli import summary
from tests.e2e.verify_page_support import (  # noqa: F401 (fixtures used by name)
    SCREENSHOTS,
    bundle_fixture,
    check_in_browser,
    chromium_launch_args,
    page_fixture,
    same_as_python,
)
from tests.fixtures.bundles import ExportedBundle, resign, without_log

pytestmark = pytest.mark.browser


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
