"""Verify a CPS bundle with nothing but the bundle (and, optionally, a pinned public key).

Checks every payload and tag digest, the Ed25519 signatures over the tag manifests, that
each exhibit's custody log is an unbroken chain ending in this bundle's export event, and
the transparency-log proofs when the bundle carries them. Every problem is collected and
named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bundle_verifier.bagit import ALGORITHMS, BagCheck, check_bag
from bundle_verifier.chain import verify_chain
from bundle_verifier.errors import BadInput
from bundle_verifier.keys import fingerprint, load_public_key, signature_valid
from bundle_verifier.log import ExhibitLog, LogResult, check_log

EXPORT_ACTION = "exported-to-cps"
PUBLIC_KEY_FILE = "signing-key.pub.pem"
EXHIBITS_FILE = "data/exhibits.json"
NO_LOG_NOTE = (
    "log/: absent; this bundle was exported before custody events were committed to the "
    "transparency log, so it carries no log proofs (digests, signature and custody chains "
    "were checked)"
)


@dataclass
class BundleReport:
    bundle: str
    urn: str | None = None
    exhibits: int = 0
    signer: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    log: LogResult | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "bundle": self.bundle,
            "urn": self.urn,
            "exhibits": self.exhibits,
            "signer": self.signer,
            "valid": self.ok,
            "problems": self.problems,
            "notes": self.notes,
            "log": self.log.as_dict() if self.log else None,
        }


def verify_bundle(
    root: Path,
    pinned: Ed25519PublicKey | None = None,
    tsa_roots: list[x509.Certificate] | None = None,
) -> BundleReport:
    bag = check_bag(root)
    report = BundleReport(bundle=str(root), urn=bag.info_value("Case-URN"))
    report.problems.extend(bag.problems)
    if not root.is_dir():
        return report
    key = _check_signature(root, bag, pinned, report)
    exhibits = _check_exhibits(root, bag, report)
    report.log = check_log(root, bag.covered_tag_files(), key, report.signer, exhibits, tsa_roots)
    report.problems.extend(report.log.problems)
    if not report.log.present:
        report.notes.append(NO_LOG_NOTE)
    report.notes.extend(
        f"{name}: stamped {stamp.time.isoformat()} by {stamp.tsa}; that TSA's certificate was "
        "not checked against a trusted one (give it with --tsa-ca)"
        for name, stamp in report.log.timestamps.items()
        if not stamp.trusted
    )
    return report


def _check_signature(
    root: Path, bag: BagCheck, pinned: Ed25519PublicKey | None, report: BundleReport
) -> Ed25519PublicKey | None:
    key = pinned
    try:
        bundled = load_public_key((root / PUBLIC_KEY_FILE).read_bytes(), PUBLIC_KEY_FILE)
    except OSError:
        report.problems.append(f"{PUBLIC_KEY_FILE}: missing; the signer cannot be identified")
        bundled = None
    except BadInput as exc:
        report.problems.append(str(exc))
        bundled = None
    if bundled is not None:
        report.signer = fingerprint(bundled)
        if bag.info_value("Signing-Key-Fingerprint") != report.signer:
            report.problems.append(
                "bag-info.txt: Signing-Key-Fingerprint does not match the bundled public key"
            )
        if pinned is not None and fingerprint(pinned) != report.signer:
            report.problems.append(
                f"{PUBLIC_KEY_FILE}: the bundle names key {report.signer}, not the pinned key "
                f"{fingerprint(pinned)}; it was not signed by the expected organisation"
            )
        key = key or bundled
    if key is None:
        return None
    for algorithm in ALGORITHMS:
        manifest = root / f"tagmanifest-{algorithm}.txt"
        signature = root / f"{manifest.name}.sig"
        if not manifest.is_file() or not signature.is_file():
            report.problems.append(f"{signature.name}: missing; the bundle is not signed")
            continue
        if not signature_valid(key, manifest.read_bytes(), signature.read_bytes()):
            report.problems.append(
                f"{signature.name}: the signature does not match {manifest.name}; the bag was "
                "changed after it was signed (manifests recomputed or a tag file edited)"
            )
    return key


def _check_exhibits(root: Path, bag: BagCheck, report: BundleReport) -> list[ExhibitLog]:
    try:
        listing = json.loads((root / EXHIBITS_FILE).read_text(encoding="utf-8"))
        exhibits = list(listing["exhibits"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        report.problems.append(f"{EXHIBITS_FILE}: missing or unreadable ({exc})")
        return []
    report.exhibits = len(exhibits)
    declared = bag.info_value("Exhibit-Count")
    if declared != str(len(exhibits)):
        report.problems.append(
            f"bag-info.txt: Exhibit-Count {declared} but {EXHIBITS_FILE} lists {len(exhibits)}"
        )
    if listing.get("urn") != report.urn:
        report.problems.append(
            f"{EXHIBITS_FILE}: URN {listing.get('urn')} differs from bag-info.txt {report.urn}"
        )
    bundle_id = bag.info_value("Bundle-Identifier")
    logs = [_check_exhibit(root, bag, entry, bundle_id, report) for entry in exhibits]
    return [log for log in logs if log is not None]


def _check_exhibit(
    root: Path, bag: BagCheck, entry: Any, bundle_id: str | None, report: BundleReport
) -> ExhibitLog | None:
    if not isinstance(entry, dict):
        report.problems.append(f"{EXHIBITS_FILE}: an exhibit entry is not an object")
        return None
    ref = str(entry.get("exhibit_ref", "?"))
    media = bag.payload.get(str(entry.get("media")))
    if media is None:
        report.problems.append(f"exhibit {ref}: media file {entry.get('media')} is missing")
    elif media.sha256 != entry.get("sha256"):
        report.problems.append(
            f"exhibit {ref}: media SHA-256 {media.sha256} is not the recorded {entry.get('sha256')}"
        )
    custody_path = str(entry.get("custody"))
    try:
        events = json.loads((root / custody_path).read_text(encoding="utf-8"))
        if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
            raise ValueError("not a list of events")
    except (OSError, ValueError) as exc:
        report.problems.append(f"exhibit {ref}: custody log {custody_path} unreadable ({exc})")
        return None
    report.problems.extend(
        f"exhibit {ref}: custody log {custody_path}: {problem}"
        for problem in verify_chain(events, entry.get("custody_head"))
    )
    report.problems.extend(
        f"exhibit {ref}: custody log event {event.get('seq')} names another digest"
        for event in events
        if event.get("sha256") != entry.get("sha256")
    )
    last: dict[str, Any] = events[-1] if events else {}
    details: dict[str, Any] = last["details"] if isinstance(last.get("details"), dict) else {}
    if last.get("action") != EXPORT_ACTION or details.get("bundle") != bundle_id:
        report.problems.append(
            f"exhibit {ref}: custody log {custody_path} does not end with the export into "
            f"this bundle ({bundle_id})"
        )
    return ExhibitLog(ref, str(entry.get("item_id")), events)
