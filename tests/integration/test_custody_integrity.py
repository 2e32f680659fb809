"""Holes in the custody record, on SQLite and PostgreSQL: a cut tail, edited item details,
and checks that run while other work appends to the same chains."""

from __future__ import annotations

import io
import json
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import sessionmaker

from evidence.custody import Actor
from evidence.errors import FixityError, InvalidInput
from evidence.fixity import item_problems
from evidence.ingest import IngestOptions
from evidence.model import EvidenceItem, utcnow
from evidence.quarantine import Quarantine
from evidence.services import fixity
from evidence.services.item_checks import copy_out
from evidence.settings import Settings
from evidence.transcripts import FAILED, Transcript
from storage.bootstrap import Services
from storage.database import make_engine, migrate
from storage.local_store import LocalStore
from storage.tables import CustodyRow, ItemRow
from storage.unit_of_work import SqlRepository
from tests.fixtures import case_desk
from tests.fixtures.accounts import audit_events
from tests.fixtures.transcripts import as_console

PC = Actor("PC4521", "dock-01")
DC = Actor("DC1001", "desk-01")
SIDECAR = {
    "officer": "PC4521",
    "device": "AXON-0042",
    "recorded_at": "2026-11-25T21:21:00.250000+01:00",
    "incident": "CAD-417",
    "kind": "call",
}


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    engine = make_engine(database_url)
    migrate(engine)
    settings = Settings(home=tmp_path / "home", database_url=database_url)
    yield Services(
        settings=settings,
        engine=engine,
        repo=SqlRepository(engine),
        store=LocalStore(tmp_path / "store"),
        quarantine=Quarantine(tmp_path / "quarantine"),
    )
    engine.dispose()


@pytest.fixture(scope="module")
def tone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "tone.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", str(path)],
        check=True,
    )
    return path


def ingest(services: Services, tone: Path, dock: Path, sidecar: dict[str, str]) -> EvidenceItem:
    dock.mkdir()
    (dock / "call.wav").write_bytes(tone.read_bytes() + dock.name.encode())
    (dock / "call.wav.json").write_text(json.dumps(sidecar))
    outcome = services.ingestor().ingest(
        dock, "call.wav", "call.wav.json", IngestOptions(officer="PC4521")
    )
    assert outcome.status == "ingested", outcome.reason
    return services.repo.get_item(str(outcome.id))


def held(services: Services, n: int) -> EvidenceItem:
    """An item registered the way items were before their details were committed."""
    stored = services.store.put(io.BytesIO(f"recording {n}".encode() * 500))
    item = EvidenceItem(
        id=stored.sha256[:32],
        sha256=stored.sha256,
        size=stored.size,
        kind="bwv",
        original_name=f"clip{n}.mp4",
        source_path=f"bwv/clip{n}.mp4",
        storage_key=stored.key,
        store_location=stored.location,
        ingested_at=utcnow(),
        officer="PC4521",
        incident="CAD-417",
    )
    return services.repo.add_item(item, [("received", PC, item.sha256, {}, utcnow())])


def cut_last_event(services: Services, item_id: str) -> None:
    with sessionmaker(services.engine).begin() as session:
        last = session.scalar(
            select(CustodyRow.seq)
            .where(CustodyRow.item_id == item_id)
            .order_by(CustodyRow.seq.desc())
        )
        session.execute(
            delete(CustodyRow).where(CustodyRow.item_id == item_id, CustodyRow.seq == last)
        )


def breaks_recorded(services: Services, item_id: str) -> list[dict[str, object]]:
    trail = audit_events(services.engine, f"item:{item_id}")
    return [event.as_dict() for event in trail if event.action == "custody-break"]


# Item 5: a removed last event must not be papered over by the next append.


def test_an_append_after_the_last_event_was_removed_is_refused_and_recorded(
    services: Services, tone: Path, tmp_path: Path
) -> None:
    item = ingest(services, tone, tmp_path / "dock", SIDECAR)
    copy_out(services.unit_of_work, as_console(DC), services.store, item.id, tmp_path / "copy.wav")
    cut_last_event(services, item.id)
    before = services.repo.custody(item.id)
    assert [e.action for e in before] == ["received", "hashed", "stored", "verified"]

    with pytest.raises(FixityError, match=rf"item {item.id}.*event 5 is missing"):
        copy_out(
            services.unit_of_work, as_console(DC), services.store, item.id, tmp_path / "again.wav"
        )
    assert sorted(p.name for p in tmp_path.glob("*.wav")) == ["copy.wav"]
    assert not list(tmp_path.glob(".again.wav.*"))
    with pytest.raises(FixityError, match="event 5 is missing"):
        services.repo.append_event(item.id, "presented-again", PC, {"path": "call.wav"})
    with pytest.raises(FixityError, match="event 5 is missing"):
        case_desk.create_case(services, "01YZ1234524", DC, incidents=["CAD-417"])
    failed = Transcript(uuid.uuid4().hex, item.id, 1, FAILED, None, (), {}, utcnow(), "x")
    with pytest.raises(FixityError, match="event 5 is missing"), services.unit_of_work() as uow:
        uow.transcripts.save(failed.sealed(), "transcription-failed", PC, {})
        uow.commit()
    with services.unit_of_work() as uow:
        assert uow.transcripts.latest_failure(item.id) is None

    assert services.repo.custody(item.id) == before
    assert services.repo.get_item(item.id).custody_head != before[-1].hash
    recorded = breaks_recorded(services, item.id)
    assert [(r["actor"], r["details"]["refused"]) for r in recorded] == [
        ("DC1001", "copied-out"),
        ("PC4521", "presented-again"),
        ("DC1001", "case-linked"),
        ("PC4521", "transcription-failed"),
    ]
    assert all(r["details"]["recorded_events"] == 5 for r in recorded)
    assert all(r["details"]["events_found"] == 4 for r in recorded)


def test_verify_reports_a_removed_last_event_and_records_the_break(
    services: Services, tone: Path, tmp_path: Path
) -> None:
    item = ingest(services, tone, tmp_path / "dock", SIDECAR)
    fixity.check_item(services.unit_of_work(), as_console(DC), services.store, item.id)
    cut_last_event(services, item.id)

    check = fixity.check_item(services.unit_of_work(), as_console(DC), services.store, item.id)

    assert any("events are missing from the end" in p for p in check.problems)
    assert any("event 5 is missing" in p for p in check.problems)
    assert len(services.repo.custody(item.id)) == 4
    [recorded] = breaks_recorded(services, item.id)
    assert recorded["details"]["refused"] == "fixity-failed"


# Item 6: what drives linking and bundles is committed in the chain.


def test_every_edit_of_an_item_detail_is_named(
    services: Services, tone: Path, tmp_path: Path
) -> None:
    item = ingest(services, tone, tmp_path / "dock", SIDECAR)
    assert item_problems(services.repo, services.store, item).problems == []
    edits = {
        "officer": "PC9999",
        "incident": "CAD-999",
        "recorded_at": utcnow(),
        "kind": "bwv",
        "device": "AXON-9999",
        "original_name": "other.wav",
        "source_path": "elsewhere/other.wav",
    }
    for name, value in edits.items():
        with sessionmaker(services.engine).begin() as session:
            session.execute(update(ItemRow).where(ItemRow.id == item.id).values({name: value}))
        problems = item_problems(services.repo, services.store, item).problems
        assert len(problems) == 1 and name in problems[0], problems
        with sessionmaker(services.engine).begin() as session:
            original = getattr(item, name)
            session.execute(update(ItemRow).where(ItemRow.id == item.id).values({name: original}))
    assert item_problems(services.repo, services.store, item).problems == []


def test_a_lawful_correction_is_its_own_event_and_verifies(
    services: Services, tone: Path, tmp_path: Path
) -> None:
    item = ingest(services, tone, tmp_path / "dock", SIDECAR)
    with pytest.raises(InvalidInput, match="reason"):
        services.repo.correct_details(item.id, {"officer": "PC4522"}, DC, reason=" ")
    with pytest.raises(InvalidInput, match="size"):
        services.repo.correct_details(item.id, {"size": "1"}, DC, reason="typo")

    event = services.repo.correct_details(
        item.id, {"officer": "PC4522", "incident": None}, DC, reason="sidecar named the wrong PC"
    )

    assert event.action == "details-corrected"
    assert event.details["changed"] == {
        "officer": {"from": "PC4521", "to": "PC4522"},
        "incident": {"from": "CAD-417", "to": None},
    }
    assert event.details["reason"] == "sidecar named the wrong PC"
    corrected = services.repo.get_item(item.id)
    assert (corrected.officer, corrected.incident) == ("PC4522", None)
    assert item_problems(services.repo, services.store, corrected).problems == []


def test_a_correction_puts_back_an_unrecorded_edit_and_records_it(
    services: Services, tone: Path, tmp_path: Path
) -> None:
    item = ingest(services, tone, tmp_path / "dock", SIDECAR)
    with sessionmaker(services.engine).begin() as session:
        session.execute(update(ItemRow).where(ItemRow.id == item.id).values(incident="CAD-999"))

    event = services.repo.correct_details(item.id, {"officer": "PC4522"}, DC, reason="typo")

    assert event.details["row_differed"] == {"incident": {"row": "CAD-999", "committed": "CAD-417"}}
    assert event.details["item_details"]["incident"] == "CAD-417"
    corrected = services.repo.get_item(item.id)
    assert (corrected.officer, corrected.incident) == ("PC4522", "CAD-417")
    assert item_problems(services.repo, services.store, corrected).problems == []


def test_items_registered_before_details_were_committed_are_noted_not_failed(
    services: Services,
) -> None:
    item = held(services, 1)
    check = item_problems(services.repo, services.store, item)
    assert check.problems == []
    assert any("not committed" in note for note in check.notes)


# Item 7: a check reads an item and its chain as they stood at one moment.


def test_verify_all_while_others_append_never_sees_a_false_failure(services: Services) -> None:
    items = [held(services, n) for n in range(3)]
    errors: list[BaseException] = []
    failures: list[list[str]] = []
    rounds = 0

    def append(n: int) -> None:
        # A bounded burst: an unbounded one makes every check re-hash an ever longer chain.
        try:
            for _ in range(40):
                for item in items:
                    services.repo.append_event(item.id, "presented-again", PC, {"n": n})
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    writers = [threading.Thread(target=append, args=(n,)) for n in range(2)]
    for writer in writers:
        writer.start()
    try:
        while any(writer.is_alive() for writer in writers) or rounds < 3:
            rounds += 1
            for item in list(services.repo.iter_items()):
                check = fixity.check_item(
                    services.unit_of_work(), as_console(DC), services.store, item.id
                )
                if check.problems:
                    failures.append(check.problems)
    finally:
        for writer in writers:
            writer.join()
    assert errors == []
    assert failures == []
    for item in items:
        assert all(e.action != "fixity-failed" for e in services.repo.custody(item.id))


def test_the_nightly_audit_while_others_append_never_sees_a_false_failure(
    evidence_home: Path, prefect_api: str
) -> None:
    from flows.maintenance import fixity_audit
    from storage.bootstrap import get_services

    services = get_services()
    items = [held(services, n) for n in range(4)]
    stop = threading.Event()
    errors: list[BaseException] = []

    def append() -> None:
        try:
            while not stop.is_set():
                for item in items:
                    services.repo.append_event(item.id, "presented-again", PC, {})
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    writer = threading.Thread(target=append)
    writer.start()
    try:
        reports = [fixity_audit() for _ in range(3)]
    finally:
        stop.set()
        writer.join()
    assert errors == []
    assert [(r["checked"], r["failed"]) for r in reports] == [(4, [])] * 3
