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
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence.bagit_writer import ALGORITHMS, BagWriter
from evidence.cases import Case
from evidence.custody import Actor
from evidence.errors import FixityError, InvalidInput
from evidence.model import EvidenceItem, iso_utc, utcnow
from evidence.ports import ObjectStore, Repository
from evidence.schedule import ScheduleRow, schedule_csv, schedule_html
from evidence.signing import SigningKey
from evidence.tlog import Cut, LogSource, Notary, TimeStamper
from evidence.tlog_bundle import ExhibitEvents, bundle_log
from evidence.verify_page import PAGE_NAME, verify_html
from evidence.verify_text import VERIFY_TEXT

EXPORT_ACTION = "exported-to-cps"
ABANDONED_ACTION = "export-abandoned"
PUBLIC_KEY_FILE = "signing-key.pub.pem"
EXHIBITS_FILE = "data/exhibits.json"
TranscriptSource = Callable[[EvidenceItem], dict[str, bytes]]


@dataclass(frozen=True)
class Exhibit:
    exhibit_ref: str
    item: EvidenceItem

    @property
    def folder(self) -> str:
        return "exhibits/" + self.exhibit_ref.replace("/", "-")


def portable_name(name: str) -> str:
    """A file name every BagIt tool and file system reads the same way."""
    cleaned = re.sub(r"[^A-Za-z0-9._ -]", "_", Path(name).name).strip(" .")
    return cleaned or "original"


def bundle_name(urn: str, moment_iso: str) -> str:
    """``<URN>_<UTC time to the microsecond>Z``: the bundle's identifier, so two exports of
    one case (a second one for a corrected exhibit, say) never share a name."""
    stamp = moment_iso.replace("-", "").replace(":", "").removesuffix("Z")
    return f"{urn}_{stamp}Z"


def export_bundle(
    case: Case,
    exhibits: Sequence[Exhibit],
    *,
    repo: Repository,
    store: ObjectStore,
    key: SigningKey,
    organisation: str,
    out_dir: Path,
    actor: Actor,
    transcripts: TranscriptSource,
    tlog: LogSource,
    stamper: TimeStamper | None = None,
) -> Path:
    """Write the bundle under ``out_dir`` and return its folder.

    It is built in a hidden staging folder and renamed into place only when complete.
    """
    if not exhibits:
        raise InvalidInput(f"case {case.urn}: no exhibits are linked; there is nothing to export")
    exported_at = iso_utc(utcnow())
    name = bundle_name(case.urn, exported_at)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / name
    staging = out_dir / f".{name}.partial"
    if final.exists():
        raise InvalidInput(f"{final}: already exists; choose another folder")
    exported: list[str] = []
    try:
        cut = _write(
            case, exhibits, repo, store, key, organisation, staging, actor, transcripts, name,
            exported, tlog, stamper,
        )  # fmt: skip
        staging.rename(final)
        tlog.record_cut(cut)
    except BaseException as exc:
        # The custody log is append-only: an export recorded but not completed is closed by
        # a further event rather than by removing the first.
        for item_id in exported:
            repo.append_event(
                item_id, ABANDONED_ACTION, actor, {"bundle": name, "reason": str(exc) or repr(exc)}
            )
        raise
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return final


def _write(
    case: Case,
    exhibits: Sequence[Exhibit],
    repo: Repository,
    store: ObjectStore,
    key: SigningKey,
    organisation: str,
    staging: Path,
    actor: Actor,
    transcripts: TranscriptSource,
    name: str,
    exported: list[str],
    tlog: LogSource,
    stamper: TimeStamper | None,
) -> Cut:
    writer = BagWriter(staging)
    ordered = sorted(exhibits, key=lambda e: e.exhibit_ref)
    listing: list[dict[str, Any]] = []
    for exhibit in ordered:
        item = exhibit.item
        media_path = f"{exhibit.folder}/{portable_name(item.original_name)}"
        with store.open(item.storage_key) as stream:
            digest = writer.add_payload(media_path, stream)
        if digest.sha256 != item.sha256:
            raise FixityError(
                f"exhibit {exhibit.exhibit_ref} (item {item.id}): the stored copy reads as "
                f"{digest.sha256}, not the recorded {item.sha256}; the bundle was not made"
            )
        entry: dict[str, Any] = {
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
        for fmt, text in sorted(transcripts(item).items()):
            writer.add_payload_bytes(f"{exhibit.folder}/transcript.{fmt}", text)
            entry["transcripts"][fmt] = f"data/{exhibit.folder}/transcript.{fmt}"
        listing.append(entry)
    export = {"organisation": organisation, "exported_at": iso_utc(utcnow())}
    export["fingerprint"] = key.fingerprint
    rows = []
    proven: list[ExhibitEvents] = []
    for exhibit, entry in zip(ordered, listing, strict=True):
        repo.append_event(
            exhibit.item.id,
            EXPORT_ACTION,
            actor,
            {
                "urn": case.urn,
                "bundle": name,
                "exhibit_ref": exhibit.exhibit_ref,
                "organisation": organisation,
                "signing_key": key.fingerprint,
            },
        )
        exported.append(exhibit.item.id)
        events = repo.custody(exhibit.item.id)
        log = [event.as_dict() for event in events]
        writer.add_payload_bytes(entry["custody"][len("data/") :], _json(log))
        entry["custody_head"] = events[-1].hash
        proven.append(ExhibitEvents(exhibit.exhibit_ref, exhibit.item.id, events))
        rows.append(ScheduleRow(exhibit.exhibit_ref, exhibit.item, entry["media"], tuple(events)))
    writer.add_payload_bytes("exhibits.json", _json({"urn": case.urn, "exhibits": listing}))
    writer.add_payload_bytes("case.json", _json(case.as_dict()))
    writer.add_payload_bytes("exhibit-schedule.csv", schedule_csv(rows))
    writer.add_payload_bytes("exhibit-schedule.html", schedule_html(case, rows, export))
    writer.add_tag_file(PUBLIC_KEY_FILE, key.public_pem)
    writer.add_tag_file("VERIFY.txt", VERIFY_TEXT.encode("utf-8"))
    writer.add_tag_file(PAGE_NAME, verify_html())
    notary = Notary.for_installation(organisation, key)
    material = bundle_log(tlog, store, notary, case.urn, name, proven, stamper)
    for path, data in material.files.items():
        writer.add_tag_file(path, data)
    writer.finish(
        [
            ("Source-Organization", organisation),
            ("External-Identifier", case.urn),
            ("External-Description", f"CPS evidence bundle for URN {case.urn}: {case.title}"),
            ("Case-URN", case.urn),
            ("Bundle-Identifier", name),
            ("Export-Date", export["exported_at"]),
            ("Exhibit-Count", str(len(ordered))),
            ("Signing-Key-Fingerprint", key.fingerprint),
        ],
        utcnow().date(),
    )
    for algorithm in ALGORITHMS:
        manifest = staging / f"tagmanifest-{algorithm}.txt"
        (staging / f"{manifest.name}.sig").write_bytes(key.sign(manifest.read_bytes()))
    return material.cut


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
