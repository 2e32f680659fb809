"""verify.html against more forgeries and against RFC 3161 time stamps: for each, the page's
problems (and, for good time stamps, its notes) equal the Python verifier's."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Page

from bundle_verifier.bundle import verify_bundle
from bundle_verifier.cli import summary
from evidence.signing import SigningKey
from tests.e2e.verify_page_support import (  # noqa: F401 (fixtures used by name)
    bundle_fixture,
    check_in_browser,
    chromium_launch_args,
    page_fixture,
    same_as_python,
)
from tests.fixtures.bundles import ExportedBundle, resign
from tests.integration.test_bundle_timestamps import Tsa

pytestmark = pytest.mark.browser


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
