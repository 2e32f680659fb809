"""The SQLAlchemy repository, run against SQLite and PostgreSQL (``database_url``)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from evidence.custody import Actor, verify_chain
from evidence.errors import Conflict, InvalidInput, NotFound
from evidence.model import EvidenceItem, Rejection, object_key, utcnow
from storage.database import make_engine, migrate
from storage.tables import CustodyRow
from storage.unit_of_work import SqlRepository

ACTOR = Actor("PC4521", "dock-01")


@pytest.fixture
def repo(database_url: str) -> SqlRepository:
    engine = make_engine(database_url)
    migrate(engine)
    yield SqlRepository(engine)
    engine.dispose()


def make_item(n: int, **fields: object) -> EvidenceItem:
    sha = f"{n:064x}"
    values: dict[str, object] = {
        "id": f"{n:032x}",
        "sha256": sha,
        "size": 100 + n,
        "kind": "bwv",
        "original_name": f"clip{n}.mp4",
        "source_path": f"bwv/clip{n}.mp4",
        "storage_key": object_key(sha),
        "store_location": f"file:///store/{sha}",
        "ingested_at": datetime(2026, 11, 25, 21, 0, tzinfo=UTC) + timedelta(minutes=n),
        "officer": "PC4521",
        "recorded_at": datetime(2026, 11, 25, 20, 0, 0, 123456, tzinfo=UTC),
        "media": {"video_codec": "h264", "width": 640},
        "metadata": {"sidecar": {"gps": [51.5, -0.1]}},
    }
    values.update(fields)
    return EvidenceItem(**values)  # type: ignore[arg-type]


def steps(item: EvidenceItem) -> list:
    now = utcnow()
    return [
        ("received", ACTOR, item.sha256, {"path": item.source_path}, now),
        ("verified", ACTOR, item.sha256, {}, now),
    ]


def test_item_round_trips_with_utc_times_and_json(repo: SqlRepository) -> None:
    item = make_item(1)
    repo.add_item(item, steps(item))
    loaded = repo.get_item(item.id)
    assert loaded.recorded_at == item.recorded_at
    assert loaded.recorded_at.tzinfo is not None
    assert loaded.media == item.media and loaded.metadata == item.metadata
    assert repo.find_by_sha256(item.sha256).id == item.id


def test_custody_chain_survives_the_database_and_appends_stay_chained(
    repo: SqlRepository,
) -> None:
    item = make_item(2)
    repo.add_item(item, steps(item))
    appended = repo.append_event(item.id, "copied-out", ACTOR, {"to": "disk", "n": 1.5})
    events = repo.custody(item.id)
    assert [e.action for e in events] == ["received", "verified", "copied-out"]
    assert events[-1] == appended
    assert verify_chain(events, repo.get_item(item.id).custody_head) == []


def test_an_edited_event_in_the_database_is_detected(repo: SqlRepository) -> None:
    item = make_item(3)
    repo.add_item(item, steps(item))
    with sessionmaker(repo.engine).begin() as session:
        session.execute(
            update(CustodyRow)
            .where(CustodyRow.item_id == item.id, CustodyRow.seq == 1)
            .values(actor="someone else")
        )
    problems = verify_chain(repo.custody(item.id), repo.get_item(item.id).custody_head)
    assert any("changed" in p for p in problems)


def test_same_digest_twice_is_a_conflict_and_keeps_one_item(repo: SqlRepository) -> None:
    item = make_item(4)
    repo.add_item(item, steps(item))
    twin = make_item(4, id="f" * 32)
    with pytest.raises(Conflict, match=item.sha256):
        repo.add_item(twin, steps(twin))
    assert [i.id for i in repo.list_items()] == [item.id]
    with pytest.raises(NotFound):
        repo.get_item(twin.id)


def test_concurrent_appends_never_fork_the_chain(repo: SqlRepository) -> None:
    item = make_item(5)
    repo.add_item(item, steps(item))
    errors: list[BaseException] = []

    def append(n: int) -> None:
        try:
            for k in range(5):
                repo.append_event(item.id, "viewed", Actor(f"user{n}", "h"), {"k": k})
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    events = repo.custody(item.id)
    assert len(events) == 2 + 20
    assert verify_chain(events, repo.get_item(item.id).custody_head) == []


def test_lookup_by_unique_prefix_and_clear_errors(repo: SqlRepository) -> None:
    first, second = make_item(6, id="abcdef01" + "0" * 24), make_item(7, id="abcdef02" + "0" * 24)
    repo.add_item(first, steps(first))
    repo.add_item(second, steps(second))
    assert repo.get_item("ABCDEF01").id == first.id
    with pytest.raises(InvalidInput, match="ambiguous"):
        repo.get_item("abcdef0")
    with pytest.raises(NotFound, match="not found"):
        repo.get_item("999999999")


def test_list_is_newest_first_and_same_recording_lookup(repo: SqlRepository) -> None:
    older, newer = make_item(8, device="AXON-1"), make_item(9, device=None, recorded_at=None)
    repo.add_item(older, steps(older))
    repo.add_item(newer, steps(newer))
    assert [i.id for i in repo.list_items()] == [newer.id, older.id]
    found = repo.find_same_recording(older.source_path, "AXON-1", older.recorded_at)
    assert found is not None and found.id == older.id
    assert repo.find_same_recording(older.source_path, "AXON-2", older.recorded_at) is None
    assert repo.find_same_recording(newer.source_path, None, None).id == newer.id


def test_rejections_are_recorded(repo: SqlRepository) -> None:
    rejection = Rejection("bad.mp4", "bad.mp4: zero-length", None, 0, None, "PC1", "h", utcnow())
    repo.add_rejection(rejection)
    assert repo.rejections() == [rejection]
