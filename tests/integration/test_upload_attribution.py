"""Whose an uploaded recording is, which cases it enters, and what its report may say.

An officer's upload is theirs: a sidecar naming another officer is refused, however its
name is spelt. Nothing enters a case the CPS already sees without an investigator. The
report never names an item the uploader may not see, while the item's custody log still
records the presentation. Real app, ingest flow and ffmpeg, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from evidence.custody import Actor
from evidence.ingest import IngestOptions
from storage.web_tables import UserRow
from tests.fixtures import case_desk
from tests.fixtures.upload_jobs import Uploads, record, sidecar, wait_for_job

RECORDED = "2026-11-26T10:15:00+00:00"


@pytest.mark.parametrize(
    ("media_name", "sidecar_name"),
    [
        ("clip.mp4", "clip.mp4.json/"),
        ("d.mp4", "d.mp4.json/."),
        ("clip.mp4", "clip.mp4.json\\"),
        ("clip.mp4", "./clip.mp4.json"),
    ],
)
def test_a_sidecar_naming_another_officer_is_refused_however_it_is_spelt(
    uploads: Uploads, media: dict[str, Path], media_name: str, sidecar_name: str
) -> None:
    with uploads.started() as client:
        answer = client.post(
            "/api/uploads",
            files=[
                ("files", (media_name, media["short"].read_bytes(), "video/mp4")),
                ("files", (sidecar_name, sidecar("PC3310"), "application/json")),
            ],
            headers=uploads.auth("pc4521"),
        )
    detail = answer.json()["detail"]
    if "\\" in sidecar_name:
        assert answer.status_code == 422, detail
        assert "backslash" in detail
    else:
        assert answer.status_code == 403, detail
        assert f"{media_name}.json: names officer PC3310" in detail
        assert "PC4521" in detail
    assert uploads.jobs.newest(None, 10) == []
    assert uploads.received() == []
    assert uploads.services.repo.list_items() == []


def test_an_officer_account_without_a_collar_id_may_not_upload(
    uploads: Uploads, media: dict[str, Path]
) -> None:
    with Session(uploads.services.engine) as session, session.begin():
        session.execute(update(UserRow).where(UserRow.name == "pc4521").values(officer_id=None))
    with uploads.started() as client:
        answer = client.post(
            "/api/uploads",
            files=[("files", ("clip.mp4", media["short"].read_bytes(), "video/mp4"))],
            headers=uploads.auth("pc4521"),
        )
    assert answer.status_code == 403, answer.text
    assert "no collar id" in answer.json()["detail"]
    assert uploads.received() == []
    assert uploads.jobs.newest(None, 10) == []


def test_an_officers_upload_is_theirs_and_a_sidecar_naming_another_is_rejected_at_ingest(
    uploads: Uploads, media: dict[str, Path]
) -> None:
    """Behind the upload check, ingest itself holds the uploader's collar id."""
    job_id = record(uploads, "pc4521", "PC4521", ["planted.mp4", "mine.mp4"])
    dock = uploads.folder / job_id
    shutil.copy(media["short"], dock / "planted.mp4")
    (dock / "planted.mp4.json").write_bytes(sidecar("PC3310"))
    shutil.copy(media["long"], dock / "mine.mp4")
    (dock / "mine.mp4.json").write_bytes(sidecar(None))

    with uploads.started() as client:
        job = wait_for_job(client, job_id, uploads.auth("pc4521"))

    report = job["report"]
    [rejected] = report["rejected"]
    assert rejected["path"] == "planted.mp4"
    assert "names officer PC3310" in rejected["reason"]
    assert "PC4521" in rejected["reason"]
    [ingested] = report["ingested"]
    assert ingested["path"] == "mine.mp4"
    items = uploads.services.repo.list_items()
    assert [(item.source_path, item.officer) for item in items] == [("mine.mp4", "PC4521")]


def test_uploads_join_unshared_cases_and_are_only_suggested_for_shared_ones(
    uploads: Uploads, media: dict[str, Path]
) -> None:
    services = uploads.services
    investigator = Actor("ivy", "test")
    incident = "CAD-20261126-0009"
    open_case, shared_case = "01YZ1234524", "01YZ1234624"
    case_desk.create_case(services, open_case, investigator, incidents=[incident])
    case_desk.create_case(services, shared_case, investigator, incidents=[incident])
    case_desk.share_case(services, shared_case, "lawyer", investigator)

    with uploads.started() as client:
        answer = client.post(
            "/api/uploads",
            files=[("files", ("clip.mp4", media["short"].read_bytes(), "video/mp4"))],
            data={"incident": incident},
            headers=uploads.auth("pc4521"),
        )
        assert answer.status_code == 202, answer.text
        job = wait_for_job(client, answer.json()["id"], uploads.auth("pc4521"))

    [ingested] = job["report"]["ingested"]
    item_id = ingested["id"]
    assert case_desk.item_ids_for_case(services, open_case) == {item_id}
    assert case_desk.item_ids_for_case(services, shared_case) == set()
    assert services.repo.list_shared_items("lawyer") == []
    [proposal] = case_desk.case_suggestions(services, shared_case)
    assert proposal.item_id == item_id
    assert incident in proposal.reason and "CPS" in proposal.reason
    linked = [e for e in services.repo.custody(item_id) if e.action == "case-linked"]
    assert [(e.actor, e.details["urn"], e.details["how"]) for e in linked] == [
        ("PC4521", open_case, "auto-incident")
    ]

    case_desk.confirm_suggestion(services, shared_case, item_id, Actor("ivy", "web"))
    assert case_desk.item_ids_for_case(services, shared_case) == {item_id}
    last = services.repo.custody(item_id)[-1]
    assert (last.action, last.actor, last.details["urn"], last.details["how"]) == (
        "case-linked",
        "ivy",
        shared_case,
        "confirmed",
    )
    assert [item.id for item in services.repo.list_shared_items("lawyer")] == [item_id]


def test_upload_reports_never_name_an_item_the_uploader_may_not_see(
    uploads: Uploads, media: dict[str, Path], tmp_path: Path
) -> None:
    services = uploads.services
    dock = tmp_path / "pc3310-dock"
    (dock / "bwv").mkdir(parents=True)
    shutil.copy(media["short"], dock / "bwv" / "x.mp4")
    (dock / "bwv" / "x.mp4.json").write_bytes(sidecar("PC3310", recorded_at=RECORDED))
    held = services.ingestor().ingest(
        dock, "bwv/x.mp4", "bwv/x.mp4.json", IngestOptions(officer="PC3310")
    )
    assert held.status == "ingested" and held.id and held.sha256

    with uploads.started() as client:
        answer = client.post(
            "/api/uploads",
            files=[
                ("files", ("copy.mp4", media["short"].read_bytes(), "video/mp4")),
                ("files", ("bwv/x.mp4", media["long"].read_bytes(), "video/mp4")),
                ("files", ("bwv/x.mp4.json", sidecar(None, recorded_at=RECORDED), "text/json")),
            ],
            headers=uploads.auth("pc4521"),
        )
        assert answer.status_code == 202, answer.text
        job = wait_for_job(client, answer.json()["id"], uploads.auth("pc4521"))
        seen_by_investigator = client.get(
            f"/api/uploads/{job['id']}", headers=uploads.auth("ivy")
        ).json()

    report = job["report"]
    assert report["ingested"] == []
    assert report["duplicates"] == [
        {"id": None, "sha256": None, "path": "copy.mp4", "note": "already held"}
    ]
    [rejected] = report["rejected"]
    assert rejected["path"] == "bwv/x.mp4"
    assert "conflicts with an item held" in rejected["reason"]
    for shown in (json.dumps(job), json.dumps(seen_by_investigator)):
        assert held.id[:6] not in shown
        assert held.sha256[:12] not in shown

    batch = job["id"][:12]
    presented = [
        (event.action, event.actor, event.details["path"])
        for event in services.repo.custody(held.id)
        if event.details.get("batch") == batch
    ]
    assert sorted(presented) == [
        ("changed-copy-presented", "PC4521", "bwv/x.mp4"),
        ("presented-again", "PC4521", "copy.mp4"),
    ]
    [kept] = [r for r in services.repo.rejections() if r.path == "bwv/x.mp4"]
    assert held.id in kept.reason
