"""The S3 inbox on a real moto_server, ingested by the real ingest, on SQLite and PostgreSQL.

A dock station uploads files and then a manifest (or a ``.complete`` marker); a watcher
takes a complete dock once, however many watchers run, and leaves an incomplete one for a
later pass.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from minio import Minio

from entrypoints.prefect_env import run_flow
from entrypoints.sample_dock import silent_video
from evidence.hashing import Digest
from evidence.inbox import DockFile, DockState
from evidence.inbox_service import InboxWatcher, Outcomes, PassReport
from flows.inbox import inbox_watcher
from storage.bootstrap import Services, get_services, reset_services
from tests.fixtures.cli import Cli
from tests.fixtures.s3 import S3Server


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("inbox-media")
    return {
        "a.mp4": silent_video(folder / "a.mp4", seconds=1.0).read_bytes(),
        "b.mp4": silent_video(folder / "b.mp4", seconds=1.2).read_bytes(),
    }


@dataclass
class Inbox:
    client: Minio
    bucket: str
    prefix: str
    services: Services

    def put(self, dock: str, path: str, data: bytes) -> None:
        name = f"{self.prefix}/{dock}/{path}"
        self.client.put_object(self.bucket, name, io.BytesIO(data), len(data))

    def manifest(self, dock: str, files: dict[str, bytes], **changes: dict[str, Any]) -> None:
        listed = []
        for path, data in files.items():
            entry = {"path": path, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            listed.append({**entry, **changes.get(path, {})})
        self.put(dock, "manifest.json", json.dumps({"files": listed}).encode())

    def watcher(self, role: str = "test-watcher") -> InboxWatcher:
        return inbox_watcher(self.services, role)

    def scan(self, watcher: InboxWatcher | None = None) -> PassReport:
        return (watcher or self.watcher()).run_pass(ingest_without_transcripts)

    def state(self, dock: str) -> dict[str, Any]:
        return self.watcher().ledger.known()[dock].as_dict()


def ingest_without_transcripts(folder: Path, batch: str) -> Outcomes:
    from flows.ingest import ingest_dock

    outcomes: Outcomes = run_flow(ingest_dock, root=str(folder), batch=batch, transcribe=False)
    return outcomes


@pytest.fixture
def inbox(
    s3_server: S3Server,
    evidence_home: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    prefect_api: str,
) -> Iterator[Inbox]:
    client = s3_server.client()
    bucket = f"inbox-{uuid.uuid4().hex[:12]}"
    client.make_bucket(bucket)
    settings = {
        "DATABASE_URL": database_url,
        "INBOX_URL": f"s3://{bucket}/docks",
        "S3_ENDPOINT": s3_server.endpoint,
        "S3_ACCESS_KEY": s3_server.access_key,
        "S3_SECRET_KEY": s3_server.secret_key,
    }
    for name, value in settings.items():
        monkeypatch.setenv(f"EVIDENCE_{name}", value)
    reset_services()
    yield Inbox(client, bucket, "docks", get_services())


def presented_again(services: Services) -> list[str]:
    return [
        event.action
        for item in services.repo.list_items()
        for event in services.repo.custody(item.id)
        if event.action == "presented-again"
    ]


def test_a_complete_dock_is_ingested_once_by_two_racing_watchers(
    inbox: Inbox, clips: dict[str, bytes]
) -> None:
    files = {"bwv/a.mp4": clips["a.mp4"], "bwv/b.mp4": clips["b.mp4"]}
    for path, data in files.items():
        inbox.put("dock-1", path, data)
    inbox.manifest("dock-1", files)
    start = threading.Barrier(2)
    reports: list[PassReport] = []

    def watch(role: str) -> None:
        watcher = inbox.watcher(role)
        start.wait()
        reports.append(inbox.scan(watcher))

    threads = [threading.Thread(target=watch, args=(f"watcher-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(reports) == 2
    ingested = [d for r in reports for d in r.ingested]
    assert [d["dock"] for d in ingested] == ["dock-1"]
    assert sorted(o["path"] for o in ingested[0]["report"]["ingested"]) == sorted(files)
    assert sum(len(r.failed) for r in reports) == 0
    assert len(inbox.services.repo.list_items()) == 2
    assert presented_again(inbox.services) == []
    state = inbox.state("dock-1")
    assert (state["status"], state["attempts"], state["files"]) == ("done", 1, 2)
    assert list((inbox.services.settings.resolved_home / "inbox").iterdir()) == []

    again = inbox.scan()
    assert (again.ingested, again.failed, again.waiting) == ([], [], [])
    assert presented_again(inbox.services) == []
    objects = inbox.client.list_objects(inbox.bucket, prefix="docks/", recursive=True)
    assert len(list(objects)) == 3, "the inbox is read, never written or emptied"


def test_an_incomplete_dock_waits_and_is_taken_once_complete(
    inbox: Inbox, clips: dict[str, bytes]
) -> None:
    files = {"a.mp4": clips["a.mp4"], "b.mp4": clips["b.mp4"]}
    inbox.put("dock-2", "a.mp4", clips["a.mp4"])
    first = inbox.scan()
    assert first.waiting == [
        {"dock": "dock-2", "state": "waiting", "problems": ["no manifest.json or .complete yet"]}
    ]

    inbox.manifest("dock-2", files)
    inbox.put("dock-2", "b.mp4", clips["b.mp4"][:1000])  # still being sent: not all of it
    second = inbox.scan()
    [waiting] = second.waiting
    assert waiting["problems"] == [f"b.mp4: 1000 bytes, the manifest says {len(clips['b.mp4'])}"]
    assert second.ingested == [] and inbox.services.repo.list_items() == []
    state = inbox.state("dock-2")
    assert (state["status"], state["problems"]) == ("waiting", waiting["problems"])

    inbox.put("dock-2", "b.mp4", clips["b.mp4"])
    third = inbox.scan()
    [done] = third.ingested
    assert sorted(o["path"] for o in done["report"]["ingested"]) == ["a.mp4", "b.mp4"]
    assert inbox.state("dock-2")["status"] == "done"


def test_a_digest_that_differs_from_the_manifest_fails_the_dock_until_it_is_replaced(
    inbox: Inbox, clips: dict[str, bytes]
) -> None:
    files = {"a.mp4": clips["a.mp4"]}
    inbox.put("dock-3", "a.mp4", clips["a.mp4"])
    inbox.manifest("dock-3", files, **{"a.mp4": {"sha256": "0" * 64}})
    report = inbox.scan()
    [failed] = report.failed
    assert "a.mp4: SHA-256 is" in failed["reason"] and "manifest says 000" in failed["reason"]
    assert inbox.services.repo.list_items() == []
    assert inbox.state("dock-3")["status"] == "failed"
    assert inbox.scan().failed == [], "a failed dock is not taken again while unchanged"

    inbox.manifest("dock-3", files)
    [done] = inbox.scan().ingested
    assert [o["path"] for o in done["report"]["ingested"]] == ["a.mp4"]
    assert inbox.state("dock-3")["attempts"] == 2


def test_a_file_replaced_after_the_claim_stops_the_dock(
    inbox: Inbox, clips: dict[str, bytes]
) -> None:
    inbox.put("dock-4", "a.mp4", clips["a.mp4"])
    inbox.put("dock-4", "b.mp4", clips["b.mp4"])
    inbox.put("dock-4", ".complete", b"")
    watcher = inbox.watcher()
    source = watcher.source
    replaced = []

    class ReplacingSource:
        url = source.url
        docks = source.docks
        read = source.read

        def download(self, dock: str, file: DockFile, target: BinaryIO) -> Digest:
            if not replaced:  # the station sends a new version once the dock is taken
                inbox.put(dock, "b.mp4", clips["a.mp4"])
                replaced.append(file.path)
            return source.download(dock, file, target)

    watcher.source = ReplacingSource()
    [failed] = inbox.scan(watcher).failed
    assert (
        "b.mp4 was replaced or removed in the inbox after the dock was taken" in (failed["reason"])
    )
    assert inbox.services.repo.list_items() == []

    [done] = inbox.scan().ingested  # its listing changed, so a later pass takes it again
    # b.mp4 now holds a.mp4's bytes: one of the two is held, the other is its duplicate
    # (which comes first depends on the order the files' ingests finish in).
    [held] = done["report"]["ingested"]
    [again] = done["report"]["duplicates"]
    assert sorted((held["path"], again["path"])) == ["a.mp4", "b.mp4"]
    assert held["sha256"] == again["sha256"]


def test_a_claim_held_by_a_silent_watcher_is_taken_over_after_the_lease(
    inbox: Inbox, clips: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox.put("dock-5", "a.mp4", clips["a.mp4"])
    inbox.put("dock-5", ".complete", b"")
    dead = inbox.watcher("dead")
    [(dock, seen)] = dead.survey()
    claim = dead.ledger.claim(dock, seen, dead.owner)
    assert claim is not None
    assert inbox.scan().taken_elsewhere == ["dock-5"]

    monkeypatch.setenv("EVIDENCE_JOB_LEASE_SECONDS", "1")
    reset_services()
    inbox.services = get_services()
    import time

    time.sleep(1.1)
    [done] = inbox.scan().ingested
    assert done["report"]["ingested"][0]["path"] == "a.mp4"
    assert not dead.ledger.finish(claim.id, dead.owner, {}), "the old claim is gone"
    assert inbox.state("dock-5")["status"] == DockState.DONE.value


def test_the_cli_scans_the_inbox_and_shows_each_dock(
    inbox: Inbox, clips: dict[str, bytes], prefect_api: str
) -> None:
    inbox.put("dock-6", "a.mp4", clips["a.mp4"])
    inbox.manifest("dock-6", {"a.mp4": clips["a.mp4"]})
    inbox.put("dock-7", "b.mp4", clips["b.mp4"])
    settings = inbox.services.settings
    env = {
        f"EVIDENCE_{name}": str(value)
        for name, value in {
            "DATABASE_URL": settings.resolved_database_url,
            "INBOX_URL": settings.inbox_url,
            "S3_ENDPOINT": settings.s3_endpoint,
            "S3_ACCESS_KEY": settings.s3_access_key,
            "S3_SECRET_KEY": settings.s3_secret_key,
        }.items()
    }
    cli = Cli(settings.resolved_home, prefect_api, env)

    scanned = cli("inbox", "scan", "--json")

    assert scanned.returncode == 0, scanned.stderr
    result = scanned.json()
    [done] = result["ingested"]
    assert done["dock"] == "dock-6"
    assert [o["path"] for o in done["report"]["ingested"]] == ["a.mp4"]
    assert [t["status"] for t in done["report"]["transcribed"]] == ["no-speech"]
    assert [w["dock"] for w in result["waiting"]] == ["dock-7"]
    status = cli("inbox", "status", "--json")
    assert status.returncode == 0, status.stderr
    shown = {d["dock"]: (d["status"], d["files"]) for d in status.json()}
    assert shown == {"dock-6": ("done", 1), "dock-7": ("waiting", 0)}
    table = cli("inbox", "status")
    assert "dock-7" in table.stdout and "no manifest.json or .complete yet" in table.stdout
