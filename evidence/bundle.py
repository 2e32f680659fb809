"""Export a case as a signed BagIt bundle for the Crown Prosecution Service.

Layout of a bundle (a BagIt bag):

- ``data/exhibits/<REF>/<original name>``: the original media, copied from the store and
  verified against the recorded SHA-256 while copying (``<REF>`` is the exhibit ref with
  ``/`` as ``-``); ``transcript.vtt`` and ``transcript.txt`` when there is a transcript;
  ``custody.json``, the exhibit's custody log ending in its export event.
- ``data/exhibits.json`` (machine-readable), ``data/exhibit-schedule.csv`` and ``.html``
  (MG12-style), ``data/case.json``.
- Tag files: ``signing-key.pub.pem``, ``VERIFY.txt``, ``verify.html`` (checks the bundle
  in a browser, offline: ``evidence.verify_page``), the manifests, ``bag-info.txt``, and
  ``tagmanifest-sha256.txt.sig`` / ``tagmanifest-sha512.txt.sig``: raw Ed25519 signatures
  over the tag manifests, which cover the payload manifests, so a changed byte anywhere
  either breaks a digest or, if the manifests are recomputed, breaks the signature.
- ``log/``: the transparency-log checkpoint taken after the export events, inclusion proofs
  of every custody event, and consistency proofs from the checkpoints earlier bundles of the
  case were cut against (``evidence.tlog_bundle``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from evidence.bagit_writer import ALGORITHMS, BagWriter
from evidence.cases import Case
from evidence.errors import FixityError, InvalidInput
from evidence.model import CustodyEvent, EvidenceItem, parse_iso
from evidence.ports import ObjectStore
from evidence.schedule import ScheduleRow, schedule_csv, schedule_html
from evidence.signing import SigningKey
from evidence.tlog_bundle import ExhibitEvents
from evidence.transcripts import Transcript, render
from evidence.verify_page import PAGE_NAME, verify_html
from evidence.verify_text import VERIFY_TEXT

EXPORT_ACTION = "exported-to-cps"
ABANDONED_ACTION = "export-abandoned"
PUBLIC_KEY_FILE = "signing-key.pub.pem"
EXHIBITS_FILE = "data/exhibits.json"
TRANSCRIPT_FORMATS = ("txt", "vtt")


@dataclass(frozen=True)
class Exhibit:
    exhibit_ref: str
    item: EvidenceItem

    @property
    def folder(self) -> str:
        return "exhibits/" + self.exhibit_ref.replace("/", "-")


class BundleSource(Protocol):
    """What an export reads about a case (``storage.bundle_source``)."""

    def case(self, urn: str) -> Case:
        """The case; ``NotFound`` when there is none."""
        ...

    def exhibits(self, urn: str) -> list[Exhibit]:
        """The items linked to the case now, with their exhibit refs."""
        ...

    def transcript(self, item_id: str) -> Transcript | None:
        """The item's current transcript, if it has one."""
        ...


@dataclass(frozen=True)
class BundleInputs:
    """What one bundle is made of, read before its first byte is written."""

    case: Case
    exhibits: tuple[Exhibit, ...]
    transcripts: Mapping[str, Mapping[str, bytes]]  # item id -> {format: text}
    key: SigningKey
    organisation: str
    exported_at: str  # evidence.model.iso_utc

    @property
    def name(self) -> str:
        return bundle_name(self.case.urn, self.exported_at)

    def export_details(self, exhibit: Exhibit) -> dict[str, Any]:
        """The details of the custody event that records ``exhibit`` going into the bundle."""
        return {
            "urn": self.case.urn,
            "bundle": self.name,
            "exhibit_ref": exhibit.exhibit_ref,
            "organisation": self.organisation,
            "signing_key": self.key.fingerprint,
        }


def transcript_files(transcript: Transcript | None) -> dict[str, bytes]:
    """The transcript a bundle carries (plain text and WebVTT), or nothing without one."""
    if transcript is None:
        return {}
    return {fmt: render(transcript, fmt).encode("utf-8") for fmt in TRANSCRIPT_FORMATS}


def portable_name(name: str) -> str:
    """A file name every BagIt tool and file system reads the same way."""
    cleaned = re.sub(r"[^A-Za-z0-9._ -]", "_", Path(name).name).strip(" .")
    return cleaned or "original"


def bundle_name(urn: str, moment_iso: str) -> str:
    """``<URN>_<UTC time to the microsecond>Z``: the bundle's identifier, so two exports of
    one case (a second one for a corrected exhibit, say) never share a name."""
    stamp = moment_iso.replace("-", "").replace(":", "").removesuffix("Z")
    return f"{urn}_{stamp}Z"


def staging_paths(out_dir: Path, name: str) -> tuple[Path, Path]:
    """The hidden folder a bundle is built in, and the one it is renamed to when complete."""
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / name
    if final.exists():
        raise InvalidInput(f"{final}: already exists; choose another folder")
    return out_dir / f".{name}.partial", final


def copy_exhibits(
    writer: BagWriter, inputs: BundleInputs, store: ObjectStore
) -> list[dict[str, Any]]:
    """Copy every exhibit's media (verified against its recorded digest while copying) and
    transcript into the payload; returns the exhibits' entries of ``exhibits.json``."""
    listing = []
    for exhibit in inputs.exhibits:
        entry = _copy_media(writer, store, exhibit)
        files = inputs.transcripts.get(exhibit.item.id, {})
        for fmt, text in sorted(files.items()):
            writer.add_payload_bytes(f"{exhibit.folder}/transcript.{fmt}", text)
            entry["transcripts"][fmt] = f"data/{exhibit.folder}/transcript.{fmt}"
        listing.append(entry)
    return listing


def _copy_media(writer: BagWriter, store: ObjectStore, exhibit: Exhibit) -> dict[str, Any]:
    item = exhibit.item
    media_path = f"{exhibit.folder}/{portable_name(item.original_name)}"
    with store.open(item.storage_key) as stream:
        digest = writer.add_payload(media_path, stream)
    if digest.sha256 != item.sha256:
        raise FixityError(
            f"exhibit {exhibit.exhibit_ref} (item {item.id}): the stored copy reads as "
            f"{digest.sha256}, not the recorded {item.sha256}; the bundle was not made"
        )
    return {
        "exhibit_ref": exhibit.exhibit_ref,
        "item_id": item.id,
        "sha256": item.sha256,
        "sha512": digest.extra["sha512"],
        "size": item.size,
        "kind": item.kind,
        "media": "data/" + media_path,
        "custody": f"data/{exhibit.folder}/custody.json",
        "transcripts": {},
    }


def add_custody(
    writer: BagWriter,
    inputs: BundleInputs,
    listing: Sequence[dict[str, Any]],
    logs: Mapping[str, Sequence[CustodyEvent]],
) -> list[ExhibitEvents]:
    """Add each exhibit's custody log (ending in its export event), the exhibit listing,
    the case and the exhibit schedule; returns the events the log must prove."""
    rows, proven = [], []
    for exhibit, entry in zip(inputs.exhibits, listing, strict=True):
        events = logs[exhibit.item.id]
        writer.add_payload_bytes(
            entry["custody"].removeprefix("data/"), _json([e.as_dict() for e in events])
        )
        entry["custody_head"] = events[-1].hash
        proven.append(ExhibitEvents(exhibit.exhibit_ref, exhibit.item.id, events))
        rows.append(ScheduleRow(exhibit.exhibit_ref, exhibit.item, entry["media"], tuple(events)))
    case = inputs.case
    export = {
        "organisation": inputs.organisation,
        "exported_at": inputs.exported_at,
        "fingerprint": inputs.key.fingerprint,
    }
    writer.add_payload_bytes("exhibits.json", _json({"urn": case.urn, "exhibits": listing}))
    writer.add_payload_bytes("case.json", _json(case.as_dict()))
    writer.add_payload_bytes("exhibit-schedule.csv", schedule_csv(rows))
    writer.add_payload_bytes("exhibit-schedule.html", schedule_html(case, rows, export))
    return proven


def finish(
    writer: BagWriter, staging: Path, inputs: BundleInputs, log_files: Mapping[str, bytes]
) -> None:
    """Add the tag files (key, instructions, verify page, the log's material), write the
    manifests and bag-info, and sign the tag manifests."""
    key = inputs.key
    writer.add_tag_file(PUBLIC_KEY_FILE, key.public_pem)
    writer.add_tag_file("VERIFY.txt", VERIFY_TEXT.encode("utf-8"))
    writer.add_tag_file(PAGE_NAME, verify_html())
    for path, data in log_files.items():
        writer.add_tag_file(path, data)
    writer.finish(_bag_info(inputs), parse_iso(inputs.exported_at).date())
    for algorithm in ALGORITHMS:
        manifest = staging / f"tagmanifest-{algorithm}.txt"
        (staging / f"{manifest.name}.sig").write_bytes(key.sign(manifest.read_bytes()))


def _bag_info(inputs: BundleInputs) -> list[tuple[str, str]]:
    case = inputs.case
    return [
        ("Source-Organization", inputs.organisation),
        ("External-Identifier", case.urn),
        ("External-Description", f"CPS evidence bundle for URN {case.urn}: {case.title}"),
        ("Case-URN", case.urn),
        ("Bundle-Identifier", inputs.name),
        ("Export-Date", inputs.exported_at),
        ("Exhibit-Count", str(len(inputs.exhibits))),
        ("Signing-Key-Fingerprint", inputs.key.fingerprint),
    ]


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
