"""One pass over the S3 inbox: take each complete dock once, download it, ingest it, record it.

Every watcher (a scheduled flow run on the pool, or ``evidence inbox scan``) may run a pass
at the same time: a dock is taken by a conditional update in the database, so only one
watcher ingests it. Its files are downloaded (streamed, hashed on the way) into a staging
dock folder, each checked against the size, ETag and any SHA-256 the dock was taken with;
then the listing is read again, so a file added, removed or replaced meanwhile stops the
dock before anything of it is ingested. The ingest is the normal one (the same rejection
and quarantine rules); its report is recorded on the dock. Nothing in the inbox is ever
written or deleted.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from evidence.errors import EvidenceError, FixityError, InvalidInput
from evidence.hashing import Digest
from evidence.inbox import (
    MANIFEST,
    MANIFEST_LIMIT,
    DockChanged,
    DockFile,
    DockState,
    InboxDock,
    InboxObject,
    Readiness,
    download_problem,
    readiness,
)
from evidence.ingest_report import ingest_report
from evidence.leases import Heartbeat, beat_interval
from evidence.upload_rules import upload_name

logger = logging.getLogger(__name__)

Outcomes = list[dict[str, Any]]
Ingest = Callable[[Path, str], Outcomes]  # (dock folder, batch) -> outcomes


class InboxSource(Protocol):
    url: str

    def docks(self) -> dict[str, dict[str, InboxObject]]: ...

    def read(self, dock: str, path: str, limit: int) -> bytes: ...

    def download(self, dock: str, file: DockFile, target: BinaryIO) -> Digest: ...


class InboxLedger(Protocol):
    def known(self) -> dict[str, InboxDock]: ...

    def note(self, dock: str, seen: Readiness) -> None: ...

    def claim(self, dock: str, seen: Readiness, owner: str) -> InboxDock | None: ...

    def heartbeat(self, dock_id: str, owner: str) -> bool: ...

    def finish(self, dock_id: str, owner: str, report: dict[str, Any]) -> bool: ...

    def fail(self, dock_id: str, owner: str, reason: str) -> bool: ...


@dataclass
class PassReport:
    ingested: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    waiting: list[dict[str, Any]] = field(default_factory=list)
    taken_elsewhere: list[str] = field(default_factory=list)
    changed_after_ingest: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ingested": self.ingested,
            "failed": self.failed,
            "waiting": self.waiting,
            "taken_elsewhere": self.taken_elsewhere,
            "changed_after_ingest": self.changed_after_ingest,
        }


@dataclass
class InboxWatcher:
    source: InboxSource
    ledger: InboxLedger
    staging: Path
    owner: str
    lease_seconds: int

    def run_pass(self, ingest: Ingest) -> PassReport:
        """Survey the inbox, then ingest every complete dock this watcher can take."""
        report = PassReport()
        known = self.ledger.known()
        self._sweep_staging(known)
        for dock, seen in self.survey():
            held = known.get(dock)
            if held is not None and held.status is DockState.DONE:
                if held.fingerprint != seen.fingerprint:
                    report.changed_after_ingest.append(dock)
                continue
            if not seen.ready:
                self.ledger.note(dock, seen)
                state = {"dock": dock, "state": seen.state.value, "problems": list(seen.problems)}
                report.waiting.append(state)
                continue
            claim = self.ledger.claim(dock, seen, self.owner)
            if claim is None:
                report.taken_elsewhere.append(dock)
                continue
            self._ingest(claim, seen, ingest, report)
        return report

    def survey(self) -> list[tuple[str, Readiness]]:
        """Every dock in the inbox and whether it is complete, by dock name."""
        found = []
        for dock, objects in sorted(self.source.docks().items()):
            try:
                upload_name(dock)
            except InvalidInput as exc:
                logger.warning("inbox %s: folder %r skipped (%s)", self.source.url, dock, exc)
                continue
            manifest = None
            if MANIFEST in objects:
                manifest = self.source.read(dock, MANIFEST, MANIFEST_LIMIT)
            found.append((dock, readiness(dock, objects, manifest)))
        return found

    def _ingest(
        self, claim: InboxDock, seen: Readiness, ingest: Ingest, report: PassReport
    ) -> None:
        folder = self.staging / claim.staging_name
        beat = Heartbeat(
            lambda: self.ledger.heartbeat(claim.id, self.owner),
            beat_interval(self.lease_seconds),
            f"inbox dock {claim.dock}",
        )
        try:
            with beat:
                self.fetch(claim, folder)
                outcomes = ingest(folder, claim.id[:12])
        except EvidenceError as exc:
            self.ledger.fail(claim.id, self.owner, str(exc))
            report.failed.append({"dock": claim.dock, "reason": str(exc)})
            return
        except Exception as exc:
            reason = f"dock {claim.dock}: ingest stopped ({type(exc).__name__}: {exc})"
            self.ledger.fail(claim.id, self.owner, reason)
            raise
        finally:
            _discard(folder)
        done = {**ingest_report(outcomes), "not_listed": _not_listed(seen)}
        self.ledger.finish(claim.id, self.owner, done)
        report.ingested.append({"dock": claim.dock, "report": done})

    def fetch(self, claim: InboxDock, folder: Path) -> None:
        """Download the dock's files as claimed, then check the inbox still shows the same."""
        _discard(folder)
        problems = []
        for file in claim.files:
            target = folder.joinpath(*file.path.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("xb") as out:
                got = self.source.download(claim.dock, file, out)
            problem = download_problem(claim.dock, file, got)
            if problem is not None:
                problems.append(problem)
        if problems:
            raise FixityError("; ".join(problems))
        now = self.source.docks().get(claim.dock, {})
        if readiness(claim.dock, now, None).fingerprint != claim.fingerprint:
            raise DockChanged(
                f"dock {claim.dock}: its files changed in the inbox while it was downloaded; "
                "nothing of it was ingested, it is taken again on a later pass"
            )

    def _sweep_staging(self, known: dict[str, InboxDock]) -> None:
        """Download folders a dead watcher left: those of docks no longer ingested by it.

        A folder of a dock this pass has not seen yet may be another watcher's, just
        claimed: it is left alone.
        """
        if not self.staging.is_dir():
            return
        by_id = {d.id: d for d in known.values()}
        for folder in self.staging.iterdir():
            dock = by_id.get(folder.name.partition("-")[0])
            live = dock is not None and dock.status is DockState.INGESTING
            if dock is not None and not (live and dock.staging_name == folder.name):
                _discard(folder)


def _not_listed(seen: Readiness) -> list[dict[str, Any]]:
    return [
        {"path": path, "note": f"in the dock's folder but not in its {MANIFEST}; not ingested"}
        for path in seen.not_listed
    ]


def _discard(folder: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(folder)
