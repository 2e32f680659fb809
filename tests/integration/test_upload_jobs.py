"""Upload jobs through the real app, ingest flow, ffmpeg and model, on SQLite and PostgreSQL.

An upload is answered 202 once its files are on disk; the job is then ingested in the
background, and a job a dead server left unfinished is completed when the app starts again.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evidence.ingest import IngestOptions
from tests.fixtures.upload_jobs import Uploads, record, sidecar, wait_for_job, wait_until_gone


def send(client: TestClient, uploads: Uploads, media: Path) -> dict[str, object]:
    answer = client.post(
        "/api/uploads",
        files=[
            ("files", ("bwv/kitchen.mp4", media.read_bytes(), "video/mp4")),
            ("files", ("bwv/kitchen.mp4.json", sidecar("PC4521"), "application/json")),
            ("files", ("bwv/notes.mp4", b"this is not a video", "video/mp4")),
        ],
        data={"incident": "CAD-20261126-0002"},
        headers=uploads.auth("pc4521"),
    )
    assert answer.status_code == 202, answer.text
    job: dict[str, object] = answer.json()
    assert answer.headers["location"] == f"/api/uploads/{job['id']}" == job["status_url"]
    return job


def test_upload_is_answered_at_once_and_ingested_in_the_background(
    uploads: Uploads, media: dict[str, Path]
) -> None:
    with uploads.started() as client:
        began = time.monotonic()
        job = send(client, uploads, media["speech"])
        answered = time.monotonic() - began
        assert job["status"] in ("received", "ingesting")
        assert job["report"] is None
        done = wait_for_job(client, str(job["id"]), uploads.auth("pc4521"))
        took = time.monotonic() - began
        assert answered < took / 2, (answered, took)
        assert done["status"] == "done", done
        assert done["started_at"] and done["finished_at"]
        report = done["report"]
        [ingested] = report["ingested"]
        assert ingested["path"] == "bwv/kitchen.mp4"
        assert ingested["size"] == media["speech"].stat().st_size
        [rejected] = report["rejected"]
        assert rejected["path"] == "bwv/notes.mp4"
        assert "notes.mp4" in rejected["reason"]
        [transcribed] = report["transcribed"]
        assert transcribed["item_id"] == ingested["id"]
        assert transcribed["status"] == "done", transcribed
        item = uploads.services.repo.get_item(ingested["id"])
        assert (item.officer, item.incident) == ("PC4521", "CAD-20261126-0002")
        wait_until_gone(uploads.services.settings.resolved_home / "uploads" / str(job["id"]))

        again = wait_for_job(
            client, str(send(client, uploads, media["speech"])["id"]), uploads.auth("pc4521")
        )
        assert again["report"]["ingested"] == []
        assert again["report"]["duplicates"] == [
            {"id": ingested["id"], "sha256": ingested["sha256"], "path": "bwv/kitchen.mp4"}
        ]
        listed = client.get("/api/uploads", headers=uploads.auth("pc4521")).json()
        assert [j["id"] for j in listed] == [again["id"], job["id"]]


def test_officers_see_only_their_own_upload_jobs(uploads: Uploads) -> None:
    with uploads.started() as client:
        mine = record(uploads, "pc4521", "PC4521", ["a.mp4"])
        theirs = record(uploads, "pc3310", "PC3310", ["b.mp4"])
        missing = uuid.uuid4().hex

        def status(user: str, job_id: str) -> int:
            return client.get(f"/api/uploads/{job_id}", headers=uploads.auth(user)).status_code

        assert status("pc4521", mine) == 200
        assert status("pc4521", theirs) == status("pc4521", missing) == 403
        assert status("lawyer", mine) == status("lawyer", missing) == 403
        assert status("ivy", theirs) == status("root", theirs) == 200
        assert status("ivy", missing) == status("root", missing) == 404

        def listed(user: str) -> list[str]:
            answer = client.get("/api/uploads", headers=uploads.auth(user))
            assert answer.status_code == 200
            return [job["id"] for job in answer.json()]

        assert listed("pc4521") == [mine]
        assert listed("lawyer") == []
        assert listed("ivy") == listed("root") == [theirs, mine]
        trail = client.get(
            "/api/audit", params={"target": f"upload:{mine}"}, headers=uploads.auth("ivy")
        )
        assert [(e["actor"], e["action"]) for e in trail.json()["events"]] == [
            ("pc4521", "view-upload")
        ]


def test_jobs_a_dead_server_left_unfinished_are_completed_at_start_up(
    uploads: Uploads, media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads.reconfigure(monkeypatch, job_lease_seconds="1")
    waiting = record(uploads, "pc4521", "PC4521", ["short.mp4"])
    halfway = record(uploads, "pc4521", "PC4521", ["short2.mp4", "long.mp4"])
    home = uploads.services.settings.resolved_home / "uploads"
    (home / waiting / "short.mp4").write_bytes(media["short"].read_bytes())
    (home / halfway / "short2.mp4").write_bytes(media["short"].read_bytes())
    (home / halfway / "long.mp4").write_bytes(media["long"].read_bytes())
    # The dead server had queued both, claimed the second job and stored one of its files.
    assert len(uploads.jobs.requeue("dead-server")) == 2
    assert uploads.jobs.claim(halfway, "dead-server") is not None
    options = IngestOptions(kind="bwv", officer="PC4521", batch=halfway[:12])
    stored = uploads.services.ingestor().ingest(home / halfway, "long.mp4", None, options)
    assert stored.status == "ingested"
    time.sleep(1.1)  # its queueing and its claim's heartbeat are now older than the lease

    with uploads.started() as client:
        first = wait_for_job(client, waiting, uploads.auth("pc4521"))
        second = wait_for_job(client, halfway, uploads.auth("pc4521"))
    assert first["status"] == second["status"] == "done"
    assert [i["path"] for i in first["report"]["ingested"]] == ["short.mp4"]
    assert [d["path"] for d in second["report"]["duplicates"]] == ["long.mp4", "short2.mp4"]
    assert {d["id"] for d in second["report"]["duplicates"]} == {
        stored.id,
        first["report"]["ingested"][0]["id"],
    }
    assert len(uploads.services.repo.list_items()) == 2
