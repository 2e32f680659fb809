"""The transparency-log material in a bundle: a signed checkpoint and the proofs against it.

``log/checkpoint.note`` is the newest signed checkpoint when the bundle was cut;
``log/proofs.json`` holds an inclusion proof for every event of every exhibit's custody log
and, for each earlier checkpoint in ``log/earlier/``, a consistency proof to the newest one.
Every file under ``log/`` must be covered by the tag manifests, which the bundle signature
covers. A bundle with no ``log/`` folder predates the log: it verifies, without log proofs.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bundle_verifier.bagit import is_safe_relative
from bundle_verifier.canonical import leaf_entry
from bundle_verifier.checkpoint import Checkpoint, open_checkpoint
from bundle_verifier.errors import VerificationError
from bundle_verifier.merkle import leaf_hash, verify_consistency, verify_inclusion
from bundle_verifier.timestamp import Timestamp, verify_timestamp

LOG_DIR = "log"
CHECKPOINT_FILE = "log/checkpoint.note"
PROOFS_FILE = "log/proofs.json"
ORIGIN_MARK = "/bwv-evidence/"


@dataclass(frozen=True)
class ExhibitLog:
    """An exhibit's custody log as the bundle carries it."""

    ref: str
    item_id: str
    events: list[dict[str, Any]]


@dataclass
class LogResult:
    present: bool
    problems: list[str] = field(default_factory=list)
    checkpoint: Checkpoint | None = None
    events_proven: int = 0
    earlier: list[int] = field(default_factory=list)
    timestamps: dict[str, Timestamp] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        cp = self.checkpoint
        return {
            "present": self.present,
            "origin": cp.origin if cp else None,
            "tree_size": cp.size if cp else None,
            "root": cp.root.hex() if cp else None,
            "events_proven": self.events_proven,
            "earlier_checkpoints": self.earlier,
            "timestamps": {name: stamp.as_dict() for name, stamp in self.timestamps.items()},
        }


def check_log(
    root: Path,
    covered: set[str],
    key: Ed25519PublicKey | None,
    signer: str | None,
    exhibits: list[ExhibitLog],
    tsa_roots: list[x509.Certificate] | None = None,
) -> LogResult:
    if not (root / LOG_DIR).exists():
        return LogResult(present=False)
    result = LogResult(present=True)
    for path in sorted((root / LOG_DIR).rglob("*")):
        name = path.relative_to(root).as_posix()
        if not path.is_dir() and name not in covered:
            result.problems.append(
                f"{name}: not covered by the tag manifests, so the bundle's signature does "
                "not vouch for it"
            )
    proofs = _read_json(root, PROOFS_FILE, result)
    if proofs is None:
        return result
    if proofs.get("format") != 1:
        result.problems.append(f"{PROOFS_FILE}: format {proofs.get('format')!r} is not 1")
        return result
    if key is None:
        result.problems.append(f"{CHECKPOINT_FILE}: cannot be checked without the public key")
        return result
    checkpoint = _open_note(root, str(proofs.get("checkpoint")), key, signer, result)
    if checkpoint is None:
        return result
    result.checkpoint = checkpoint
    declared = (proofs.get("origin"), proofs.get("tree_size"), proofs.get("root"))
    if declared != (checkpoint.origin, checkpoint.size, base64.b64encode(checkpoint.root).decode()):
        result.problems.append(
            f"{PROOFS_FILE}: its origin, tree size or root differ from {CHECKPOINT_FILE}"
        )
    _check_events(proofs, checkpoint, exhibits, result)
    _check_earlier(root, proofs, checkpoint, key, signer, result)
    _check_timestamps(root, tsa_roots or [], result)
    return result


def _check_timestamps(root: Path, roots: list[x509.Certificate], result: LogResult) -> None:
    """An RFC 3161 token beside a note (``X.tsr`` for ``X.note``) must stamp its bytes."""
    for token in sorted((root / LOG_DIR).rglob("*.tsr")):
        name = token.relative_to(root).as_posix()
        note = token.with_suffix(".note")
        if not note.is_file():
            result.problems.append(f"{name}: a time stamp with no note beside it")
            continue
        try:
            result.timestamps[name] = verify_timestamp(token.read_bytes(), note.read_bytes(), roots)
        except VerificationError as exc:
            result.problems.append(f"{name}: {exc}")


def _read_json(root: Path, name: str, result: LogResult) -> dict[str, Any] | None:
    try:
        value = json.loads((root / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        result.problems.append(f"{name}: missing or unreadable ({exc})")
        return None
    if not isinstance(value, dict):
        result.problems.append(f"{name}: not a JSON object")
        return None
    return value


def _open_note(
    root: Path, name: str, key: Ed25519PublicKey, signer: str | None, result: LogResult
) -> Checkpoint | None:
    if not is_safe_relative(name) or not name.startswith(LOG_DIR + "/"):
        result.problems.append(f"{PROOFS_FILE}: names an unsafe checkpoint path {name!r}")
        return None
    try:
        note = (root / name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        result.problems.append(f"{name}: missing or unreadable ({exc})")
        return None
    origin = note.split("\n", 1)[0]
    if signer is not None and not origin.endswith(
        ORIGIN_MARK + signer.removeprefix("SHA256:")[:16]
    ):
        result.problems.append(
            f"{name}: its origin {origin!r} does not name the bundle's signing key {signer}"
        )
    try:
        return open_checkpoint(note, origin, key)
    except VerificationError as exc:
        result.problems.append(f"{name}: {exc}")
        return None


def _hashes(values: Any) -> list[bytes] | None:
    if not isinstance(values, list):
        return None
    try:
        return [base64.b64decode(v, validate=True) for v in values]
    except (binascii.Error, ValueError, TypeError):
        return None


def _check_events(
    proofs: dict[str, Any], checkpoint: Checkpoint, exhibits: list[ExhibitLog], result: LogResult
) -> None:
    entries = proofs.get("events")
    by_event: dict[tuple[str, Any], dict[str, Any]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            by_event[(str(entry.get("exhibit")), entry.get("seq"))] = entry
    for exhibit in exhibits:
        for event in exhibit.events:
            name = (
                f"exhibit {exhibit.ref}: custody event {event.get('seq')} ({event.get('action')})"
            )
            entry = by_event.pop((exhibit.ref, event.get("seq")), None)
            if entry is None:
                result.problems.append(f"{name}: has no inclusion proof in {PROOFS_FILE}")
                continue
            proof, index = _hashes(entry.get("proof")), entry.get("leaf_index")
            if (
                proof is None
                or not isinstance(index, int)
                or entry.get("item_id") != (exhibit.item_id)
            ):
                result.problems.append(f"{name}: its entry in {PROOFS_FILE} is malformed")
                continue
            leaf = leaf_hash(leaf_entry("custody", event))
            if not verify_inclusion(leaf, index, checkpoint.size, proof, checkpoint.root):
                result.problems.append(
                    f"{name}: the inclusion proof does not lead to the root of "
                    f"{CHECKPOINT_FILE}; the log did not commit to this event as it reads here"
                )
                continue
            result.events_proven += 1
    for exhibit_ref, seq in sorted(by_event, key=str):
        result.problems.append(
            f"{PROOFS_FILE}: proves custody event {seq} of exhibit {exhibit_ref}, which no "
            "exhibit's custody.json holds"
        )


def _check_earlier(
    root: Path,
    proofs: dict[str, Any],
    newest: Checkpoint,
    key: Ed25519PublicKey,
    signer: str | None,
    result: LogResult,
) -> None:
    earlier = proofs.get("earlier", [])
    for entry in earlier if isinstance(earlier, list) else [None]:
        if not isinstance(entry, dict):
            result.problems.append(f"{PROOFS_FILE}: an 'earlier' entry is malformed")
            continue
        name = str(entry.get("note"))
        old = _open_note(root, name, key, signer, result)
        if old is None:
            continue
        proof = _hashes(entry.get("consistency_proof"))
        if entry.get("size") != old.size or proof is None:
            result.problems.append(f"{PROOFS_FILE}: the entry for {name} is malformed")
        elif old.origin != newest.origin:
            result.problems.append(f"{name}: a checkpoint of another log ({old.origin})")
        elif not verify_consistency(old.size, newest.size, old.root, newest.root, proof):
            result.problems.append(
                f"{name}: the consistency proof does not show that the log of size "
                f"{newest.size} extends this checkpoint of size {old.size}; history was "
                "replaced, not appended to"
            )
        else:
            result.earlier.append(old.size)
