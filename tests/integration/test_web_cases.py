"""Cases over the API: investigators build them, CPS lawyers see only what is shared."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta

from entrypoints.sample_dock import INCIDENT
from evidence.custody import Actor, verify_chain
from evidence.model import EvidenceItem, object_key, utcnow
from tests.fixtures.web import WebWorld

URN = "01YZ1234526"
NEARBY_URN = "01YZ1234626"
LATER = timedelta(minutes=9)


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


def test_a_suggestion_is_confirmed_over_the_api_by_an_investigator(web_world: WebWorld) -> None:
    client, auth = web_world.client, web_world.auth
    anchor = web_world.items["PC4521"]
    assert anchor.recorded_at is not None
    sha = hashlib.sha256(b"a nearby clip by the same officer").hexdigest()
    nearby = EvidenceItem(
        id=sha[:32], sha256=sha, size=1, kind="bwv", original_name="nearby.mp4",
        source_path="bwv/nearby.mp4", storage_key=object_key(sha), store_location="file:///x",
        ingested_at=utcnow(), officer="PC4521", recorded_at=anchor.recorded_at + LATER,
    )  # fmt: skip
    web_world.services.repo.add_item(
        nearby, [("received", Actor("PC4521", "dock"), sha, {}, utcnow())]
    )
    new = {"urn": NEARBY_URN, "title": "Same officer, later"}
    assert client.post("/api/cases", json=new, headers=auth("ivy")).status_code == 201
    linked = client.post(
        f"/api/cases/{NEARBY_URN}/links", json={"item_ids": [anchor.id]}, headers=auth("ivy")
    )
    assert linked.status_code == 201, linked.text
    shown = client.get(f"/api/cases/{NEARBY_URN}", headers=auth("ivy")).json()
    assert [s["item_id"] for s in shown["suggestions"]] == [nearby.id]

    confirm = f"/api/cases/{NEARBY_URN}/suggestions/{nearby.id}/confirm"
    assert client.post(confirm, headers=auth("lawyer")).status_code == 403
    assert client.post(confirm, headers=auth("pc4521")).status_code == 403
    confirmed = client.post(confirm, headers=auth("ivy"))
    assert confirmed.status_code == 201, confirmed.text
    assert (confirmed.json()["item_id"], confirmed.json()["how"]) == (nearby.id, "confirmed")
    assert client.post(confirm, headers=auth("ivy")).status_code == 404
    last = web_world.services.repo.custody(nearby.id)[-1]
    assert (last.action, last.actor, last.details["how"]) == ("case-linked", "ivy", "confirmed")
    trail = client.get("/api/audit", params={"target": f"case:{NEARBY_URN}"}, headers=auth("ivy"))
    actions = [(e["actor"], e["action"]) for e in trail.json()["events"]]
    assert ("ivy", "confirm-suggestion") in actions
    route = client.get(
        "/api/audit", params={"target": f"route:POST {confirm}"}, headers=auth("ivy")
    )
    refused = [(e["actor"], e["action"]) for e in route.json()["events"]]
    assert refused[-2:] == [("lawyer", "access-refused"), ("pc4521", "access-refused")]


def test_the_case_routes_document_their_answers(web_world: WebWorld) -> None:
    paths = web_world.client.get("/openapi.json").json()["paths"]

    def answer(path: str, method: str, status: str) -> dict[str, object]:
        schema = paths[path][method]["responses"][status]["content"]["application/json"]
        return dict(schema["schema"])

    assert answer("/api/cases/{urn}", "get", "200") == {"$ref": "#/components/schemas/CaseDetail"}
    assert answer("/api/cases", "post", "201") == {"$ref": "#/components/schemas/CreatedCase"}
    assert answer("/api/cases", "get", "200")["items"] == {
        "$ref": "#/components/schemas/CaseListed"
    }
    assert answer("/api/cases/{urn}/timeline", "get", "200")["items"] == {
        "$ref": "#/components/schemas/TimelineEntryOut"
    }
    confirm = "/api/cases/{urn}/suggestions/{item_id}/confirm"
    assert answer(confirm, "post", "201") == {"$ref": "#/components/schemas/LinkOut"}
