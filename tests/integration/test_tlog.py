"""The transparency log on SQLite and PostgreSQL: every event a leaf with a gap-free index,
signed checkpoints in the store, and the two attacks a database holder could mount (a
consistent tail rewrite, a restore from an earlier copy) caught by the check behind
``evidence verify --all``."""

from __future__ import annotations

import io
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, select, text, update
from sqlalchemy.engine import make_url

from bundle_verifier import merkle
from bundle_verifier.canonical import leaf_entry
from evidence.custody import Actor, verify_chain
from evidence.errors import FixityError
from evidence.model import EvidenceItem, utcnow
from evidence.quarantine import Quarantine
from evidence.settings import Settings
from storage.bootstrap import Services
from storage.database import make_engine, migrate
from storage.local_store import LocalStore
from storage.tables import CustodyRow, ItemRow
from storage.tlog_tables import LogLeafRow
from storage.unit_of_work import SqlRepository
from tests.fixtures import tlog as tlog_calls
from tests.fixtures.accounts import audit_events, record_audit

PC = Actor("PC4521", "dock-01")


def build(database_url: str, root: Path) -> Services:
    engine = make_engine(database_url)
    migrate(engine)
    settings = Settings(home=root / "home", database_url=database_url, organisation="Test Force")
    return Services(
        settings=settings,
        engine=engine,
        repo=SqlRepository(engine),
        store=LocalStore(root / "store"),
        quarantine=Quarantine(root / "quarantine"),
    )


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    built = build(database_url, tmp_path)
    yield built
    built.engine.dispose()


def hold(services: Services, payload: bytes) -> EvidenceItem:
    stored = services.store.put(io.BytesIO(payload))
    item = EvidenceItem(
        id=stored.sha256[:32],
        sha256=stored.sha256,
        size=stored.size,
        kind="call",
        original_name="call.wav",
        source_path=f"{stored.sha256[:8]}.wav",
        storage_key=stored.key,
        store_location=stored.location,
        ingested_at=utcnow(),
    )
    steps = [(action, PC, item.sha256, {}, utcnow()) for action in ("received", "stored")]
    return services.repo.add_item(item, steps)


def problems(services: Services) -> list[str]:
    return tlog_calls.verify_log(services).problems


def test_every_custody_and_audit_event_is_a_leaf_with_a_gap_free_index_under_concurrency(
    services: Services,
) -> None:
    items = [hold(services, f"item {n}".encode() * 50) for n in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def custody_writer(item: EvidenceItem) -> None:
        start.wait()
        try:
            for n in range(6):
                services.repo.append_event(item.id, "viewed", PC, {"n": n})
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    def audit_writer(n: int) -> None:
        start.wait()
        try:
            for k in range(6):
                record_audit(services.engine, f"user{n}", "investigator", "view", f"item:{k}")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=custody_writer, args=(item,)) for item in items]
    threads += [threading.Thread(target=audit_writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with services.engine.connect() as connection:
        indexes = list(connection.scalars(select(LogLeafRow.idx).order_by(LogLeafRow.idx)))
    expected = 4 * 2 + 4 * 6 + 4 * 6
    assert indexes == list(range(expected))
    assert problems(services) == []
    event = services.repo.custody(items[0].id)[-1]
    assert event.format == 2 and event.as_dict()["format"] == 2
    assert audit_events(services.engine)[-1].as_dict()["format"] == 2


def test_checkpoints_are_written_once_named_by_size_and_root_and_only_when_something_is_new(
    services: Services, tmp_path: Path
) -> None:
    assert tlog_calls.checkpoint(services) is None  # an empty log has nothing to sign
    item = hold(services, b"a" * 1000)
    first = tlog_calls.checkpoint(services)
    assert first is not None and first.size == 2
    hashes = [
        merkle.leaf_hash(leaf_entry("custody", e.as_dict())) for e in services.repo.custody(item.id)
    ]
    assert first.root == merkle.root_hash(hashes)
    assert first.key == f"log/checkpoints/{2:020d}-{first.root.hex()}.note"
    stored = tmp_path / "store" / first.key
    assert stored.read_text() == first.note and not stored.stat().st_mode & 0o222
    assert tlog_calls.checkpoint(services) == first  # nothing new: no second note
    services.repo.append_event(item.id, "viewed", PC, {})
    second = tlog_calls.checkpoint(services)
    assert second is not None and second.size == 3
    assert services.store.list_named("log/checkpoints") == [first.key, second.key]
    assert tlog_calls.check_log_checkpoints(services)["problems"] == []
    proofs = tlog_calls.prove_item(services, item.id)
    assert [e["status"] for e in proofs["events"]] == ["proven"] * 3


def test_a_consistent_tail_rewrite_is_caught(services: Services) -> None:
    victim = hold(services, b"victim" * 100)
    services.repo.append_event(victim.id, "copied-out", PC, {"to": "/tmp/usb"})
    other = hold(services, b"other" * 100)
    assert tlog_calls.checkpoint(services) is not None
    assert problems(services) == []

    # The holder of the database removes the victim's last event and moves its head back, so
    # that the item's own chain verifies again.
    with services.engine.begin() as connection:
        last = connection.execute(
            select(CustodyRow.id, CustodyRow.seq, CustodyRow.prev_hash)
            .where(CustodyRow.item_id == victim.id)
            .order_by(CustodyRow.seq.desc())
        ).first()
        assert last is not None
        connection.execute(delete(CustodyRow).where(CustodyRow.id == last.id))
        connection.execute(
            update(ItemRow)
            .where(ItemRow.id == victim.id)
            .values(custody_head=last.prev_hash, custody_count=last.seq - 1)
        )
    item = services.repo.get_item(victim.id)
    assert verify_chain(services.repo.custody(victim.id), item.custody_head) == []

    found = problems(services)
    assert any(
        f"custody event 3 of item {victim.id} is no longer in the database" in p for p in found
    )
    assert any("no longer hash to the root" in p for p in found)

    # Thorough: the leaf goes too, and the leaves after it close the gap.
    with services.engine.begin() as connection:
        gone = connection.scalar(
            select(LogLeafRow.idx).where(LogLeafRow.chain == victim.id, LogLeafRow.seq == 3)
        )
        connection.execute(delete(LogLeafRow).where(LogLeafRow.idx == gone))
        for idx in connection.scalars(
            select(LogLeafRow.idx).where(LogLeafRow.idx > gone).order_by(LogLeafRow.idx)
        ).all():
            connection.execute(update(LogLeafRow).where(LogLeafRow.idx == idx).values(idx=idx - 1))
    found = problems(services)
    assert any("entries 4..4 are missing" in p and "rolled back" in p for p in found), found
    assert other.id  # the other item is untouched, yet the log as a whole no longer holds

    with pytest.raises(FixityError, match="no checkpoint was written"):
        tlog_calls.checkpoint(services)


def test_a_changed_event_and_an_event_outside_the_log_are_named(services: Services) -> None:
    item = hold(services, b"x" * 300)
    assert tlog_calls.checkpoint(services) is not None
    with services.engine.begin() as connection:
        connection.execute(
            update(CustodyRow)
            .where(CustodyRow.item_id == item.id, CustodyRow.seq == 1)
            .values(actor="someone-else")
        )
        connection.execute(
            delete(LogLeafRow).where(LogLeafRow.chain == item.id, LogLeafRow.seq == 2)
        )
    found = problems(services)
    assert any(f"custody event 1 of item {item.id} (received) differs" in p for p in found)
    assert any(f"custody event 2 of item {item.id} (stored) is not in the log" in p for p in found)


def test_restoring_the_whole_database_from_an_earlier_copy_is_caught(
    database_url: str, tmp_path: Path
) -> None:
    services = build(database_url, tmp_path)
    item = hold(services, b"restore" * 100)
    assert tlog_calls.checkpoint(services) is not None
    services.engine.dispose()
    restore = snapshot(database_url, tmp_path)

    services = build(database_url, tmp_path)
    services.repo.append_event(item.id, "exported-to-cps", PC, {"bundle": "B1"})
    later = tlog_calls.checkpoint(services)
    assert later is not None and later.size == 3
    services.engine.dispose()

    restore()  # last week's backup, taken before the export
    services = build(database_url, tmp_path)
    try:
        assert (
            verify_chain(
                services.repo.custody(item.id), services.repo.get_item(item.id).custody_head
            )
            == []
        )
        found = problems(services)
        assert any(
            f"the log holds 2 entries, but checkpoint {later.key} was signed for 3" in p
            and "rolled back" in p
            for p in found
        ), found
        # New activity after the restore does not hide it: the tree no longer extends.
        services.repo.append_event(item.id, "viewed", PC, {})
        found = problems(services)
        assert any("no longer hash to the root" in p for p in found), found
    finally:
        services.engine.dispose()


def snapshot(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Copy the database now; returns a function that restores that copy over it."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        live = Path(str(url.database))
        copy = tmp_path / "backup.sqlite3"
        shutil.copyfile(live, copy)

        def restore_file() -> None:
            for suffix in ("-wal", "-shm"):
                Path(f"{live}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(copy, live)

        return restore_file
    admin = create_engine(url.set(database="test"), isolation_level="AUTOCOMMIT")
    backup = f"backup_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{backup}" TEMPLATE "{url.database}"'))

    def restore_database() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{url.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{url.database}" TEMPLATE "{backup}"'))
            connection.execute(text(f'DROP DATABASE "{backup}"'))
        admin.dispose()

    return restore_database


def test_events_recorded_before_the_log_become_its_first_leaves(
    database_url: str, tmp_path: Path
) -> None:
    from alembic import command
    from alembic.config import Config

    import storage

    engine = make_engine(database_url)
    config = Config(str(Path(storage.__file__).with_name("alembic.ini")))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
    legacy = hold_legacy(engine)
    engine.dispose()

    services = build(database_url, tmp_path)
    try:
        assert services.repo.custody(legacy)[0].format == 1
        assert tlog_calls.verify_log(services).problems == []
        services.repo.append_event(legacy, "viewed", PC, {})
        events = services.repo.custody(legacy)
        assert [e.format for e in events] == [1, 1, 2]
        assert verify_chain(events, services.repo.get_item(legacy).custody_head) == []
        written = tlog_calls.checkpoint(services)
        assert written is not None and written.size == 3  # two legacy events, one new
        assert problems(services) == []
    finally:
        services.engine.dispose()


def hold_legacy(engine) -> str:  # type: ignore[no-untyped-def]
    """An item with two custody events as 0007 wrote them (format 1)."""
    import hashlib
    import json

    from evidence.custody import GENESIS

    item_id = "f" * 32
    previous = GENESIS
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO items (id, sha256, size, kind, original_name, source_path, media, "
                "metadata, storage_key, store_location, status, ingested_at, custody_head, "
                "custody_count) VALUES (:id, :sha, 1, 'call', 'a.wav', 'a.wav', '{}', '{}', "
                "'k', 'l', 'preserved', :at, '', 2)"
            ),
            {"id": item_id, "sha": "e" * 64, "at": utcnow()},
        )
        for seq, action in ((1, "received"), (2, "stored")):
            fields = {
                "item_id": item_id, "seq": seq, "action": action, "actor": "PC1", "host": "h",
                "at": "2026-11-25T21:14:00.000000Z", "sha256": "e" * 64, "details": {},
                "prev_hash": previous,
            }  # fmt: skip
            canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
            digest = hashlib.sha256(canonical.encode()).hexdigest()
            connection.execute(
                text(
                    "INSERT INTO custody_events (item_id, seq, action, actor, host, at, sha256, "
                    "details, prev_hash, hash) VALUES (:item_id, :seq, :action, :actor, :host, "
                    ":at, :sha256, '{}', :prev_hash, :hash)"
                ),
                {**fields, "hash": digest},
            )
            previous = digest
        connection.execute(
            text("UPDATE items SET custody_head = :head WHERE id = :id"),
            {"head": previous, "id": item_id},
        )
    return item_id
