"""Cases over the API: investigators build them, CPS lawyers see only what is shared."""

from __future__ import annotations

import io
import zipfile

from entrypoints.sample_dock import INCIDENT
from evidence.custody import verify_chain
from tests.fixtures.web import WebWorld

URN = "01YZ1234526"


def test_case_lifecycle_by_role(web_world: WebWorld) -> None:
    client, auth = web_world.client, web_world.auth
    new = {"urn": URN, "title": "Acacia Avenue", "incidents": [INCIDENT]}
    assert client.post("/api/cases", json=new, headers=auth("lawyer")).status_code == 403
    assert client.post("/api/cases", json=new, headers=auth("pc4521")).status_code == 403
    created = client.post("/api/cases", json=new, headers=auth("ivy"))
    assert created.status_code == 201, created.text
    assert len(created.json()["links"]) == len(web_world.items)
    assert client.post("/api/cases", json=new, headers=auth("ivy")).status_code == 409

    shown = client.get(f"/api/cases/{URN}", headers=auth("ivy")).json()
    assert {e["item_id"] for e in shown["exhibits"]} == {i.id for i in web_world.items.values()}
    timeline = client.get(f"/api/cases/{URN}/timeline", headers=auth("ivy")).json()
    assert [entry["kind"] for entry in timeline] == ["call", "bwv", "bwv"]
    assert client.get("/api/cases", headers=auth("pc4521")).status_code == 403

    assert client.get(f"/api/cases/{URN}", headers=auth("lawyer")).status_code == 403
    assert client.get("/api/cases/01ZZ9999999", headers=auth("lawyer")).status_code == 403
    assert client.get("/api/cases", headers=auth("lawyer")).json() == []
    denied = client.post(f"/api/cases/{URN}/bundle", headers=auth("lawyer"))
    assert denied.status_code == 403

    not_cps = client.post(f"/api/cases/{URN}/share", json={"user": "pc4521"}, headers=auth("ivy"))
    assert not_cps.status_code == 422
    by_cps = client.post(f"/api/cases/{URN}/share", json={"user": "lawyer"}, headers=auth("lawyer"))
    assert by_cps.status_code == 403
    shared = client.post(f"/api/cases/{URN}/share", json={"user": "lawyer"}, headers=auth("ivy"))
    assert shared.json()["shared_with"] == ["lawyer"]

    assert [case["urn"] for case in client.get("/api/cases", headers=auth("lawyer")).json()] == [
        URN
    ]
    lawyer_items = {item["id"] for item in client.get("/api/items", headers=auth("lawyer")).json()}
    assert lawyer_items == {item.id for item in web_world.items.values()}
    hits = client.get("/api/search", params={"q": "knife"}, headers=auth("lawyer")).json()
    assert {hit["item_id"] for hit in hits} == {web_world.items["CH1187"].id}
    relink = {"item_ids": [web_world.items["PC4521"].id]}
    assert (
        client.post(f"/api/cases/{URN}/links", json=relink, headers=auth("lawyer")).status_code
        == 403
    )
    assert (
        client.post(f"/api/cases/{URN}/links", json=relink, headers=auth("ivy")).status_code == 201
    )


def test_bundle_download_for_cps_is_audited_and_in_custody(web_world: WebWorld) -> None:
    client, auth = web_world.client, web_world.auth
    assert client.post(f"/api/cases/{URN}/bundle", headers=auth("pc4521")).status_code == 403
    answer = client.post(f"/api/cases/{URN}/bundle", headers=auth("lawyer"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert any(name.endswith("bagit.txt") for name in names)
    assert any(name.endswith("manifest-sha256.txt") for name in names)
    item = web_world.items["PC4521"]
    events = client.get(f"/api/items/{item.id}/custody", headers=auth("ivy")).json()
    assert any(event["actor"] == "lawyer" and "export" in event["action"] for event in events)
    assert verify_chain(events) == []
    trail = client.get("/api/audit", params={"target": f"case:{URN}"}, headers=auth("ivy"))
    actions = {(event["actor"], event["action"]) for event in trail.json()["events"]}
    assert {("ivy", "create-case"), ("ivy", "share-case"), ("lawyer", "export-bundle")} <= actions
    assert not (web_world.home / "exports").exists() or not any(
        (web_world.home / "exports").iterdir()
    )
