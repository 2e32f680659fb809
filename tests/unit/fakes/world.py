"""A small world for unit tests of the services: three items, one caller per role."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from evidence.access import Principal, Role
from evidence.custody import Actor
from evidence.model import EvidenceItem, object_key
from evidence.services.caller import Caller
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.fakes.store import FakeStore
from tests.unit.fakes.transcripts import fake_uow

OFFICERS = ("PC4521", "PC3310", "CH1187")
SHARED_URN = "01YZ1234524"
CALLERS = {
    "ivy": Principal("ivy", Role.INVESTIGATOR),
    "pc4521": Principal("pc4521", Role.OFFICER, "PC4521"),
    "pc3310": Principal("pc3310", Role.OFFICER, "PC3310"),
    "lawyer": Principal("lawyer", Role.CPS),
    "root": Principal("root", Role.ADMIN),
    "desk": Principal("desk", Role.CONSOLE),
}


def caller(name: str) -> Caller:
    return Caller(CALLERS[name], f"10.0.0.{len(name)}", "test-host", {"command": "test"})


@dataclass
class World:
    uow: FakeUnitOfWork
    store: FakeStore
    items: dict[str, EvidenceItem]  # by officer

    def committed_actions(self) -> list[tuple[str, str, str]]:
        return self.uow.audit.actions()


def world() -> World:
    """One committed item per officer (the newest last); the lawyer shares CH1187's."""
    uow, store = fake_uow(), FakeStore()
    items = {}
    with uow:
        for n, officer in enumerate(OFFICERS):
            data = f"recording of {officer}".encode()
            stored = store.put(io.BytesIO(data))
            sha = hashlib.sha256(data).hexdigest()
            item = EvidenceItem(
                id=f"{n:02d}" + sha[:30],
                sha256=sha,
                size=len(data),
                kind="bwv",
                original_name=f"{officer}.mp4",
                source_path=f"{officer}.mp4",
                storage_key=object_key(sha),
                store_location=stored.location,
                ingested_at=datetime(2026, 11, 25, 21, tzinfo=UTC) + timedelta(minutes=n),
                officer=officer,
            )
            step = ("received", Actor(officer, "dock"), sha, {}, item.ingested_at)
            items[officer] = uow.items.add_item(item, [step])
        uow.items.shares["lawyer"] = {SHARED_URN: {items["CH1187"].id}}
        uow.commit()
    return World(uow, store, items)
