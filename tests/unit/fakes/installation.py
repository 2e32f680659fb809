"""A small installation in memory for unit tests of the services: a unit of work with every
fake repository, an object store, a signing key, items held and cases opened."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from evidence.access import Principal, Role
from evidence.bundle import Exhibit
from evidence.cases import Case
from evidence.custody import Actor
from evidence.model import EvidenceItem, utcnow
from evidence.ports import EventStep
from evidence.services.caller import Caller
from evidence.services.log import Installation
from evidence.signing import SigningKey
from tests.unit.fakes.bundles import FakeBundleSource, FakeCaseView
from tests.unit.fakes.store import FakeStore
from tests.unit.fakes.tlog import FakeTransparencyLog, LoggedUnitOfWork

ORGANISATION = "Test Constabulary"
RECORDED = datetime(2026, 11, 25, 21, 14, tzinfo=UTC)


@dataclass
class World:
    uow: LoggedUnitOfWork
    store: FakeStore
    installation: Installation

    @property
    def bundles(self) -> FakeBundleSource:
        source: FakeBundleSource = self.uow.bundles
        return source

    def hold(self, name: str, officer: str = "PC4521", kind: str = "bwv") -> EvidenceItem:
        """Store some bytes and register them as an item, committed."""
        stored = self.store.put(io.BytesIO(f"media of {name}".encode() * 100), label=name)
        item = EvidenceItem(
            id=stored.sha256[:32], sha256=stored.sha256, size=stored.size, kind=kind,
            original_name=name, source_path=f"dock/{name}", storage_key=stored.key,
            store_location=stored.location, ingested_at=utcnow(), officer=officer,
            recorded_at=RECORDED, duration=60.0,
        )  # fmt: skip
        with self.uow:
            steps: list[EventStep] = [
                ("received", Actor(officer, "dock-01"), item.sha256, {}, utcnow())
            ]
            held = self.uow.items.add_item(item, steps)
            self.uow.commit()
        return held

    def open_case(self, urn: str, *items: EvidenceItem) -> Case:
        """A case with ``items`` as its exhibits, each referenced by its officer's number."""
        case = Case(urn=urn, title="Assault", created_at=utcnow(), created_by="ivy")
        with self.uow:
            self.bundles.cases[urn] = case
            self.bundles.links[urn] = [
                Exhibit(f"{item.officer}/{number}", item) for number, item in enumerate(items, 1)
            ]
            self.uow.commit()
        return case


def make_world() -> World:
    bundles = FakeBundleSource()
    uow = LoggedUnitOfWork().with_repository("bundles", bundles)
    uow.with_repository("cases", FakeCaseView(bundles))
    uow.with_repository("tlog", FakeTransparencyLog(uow))
    store = FakeStore()
    key = SigningKey(Ed25519PrivateKey.generate())
    return World(uow, store, Installation(store, key, ORGANISATION))


def caller(role: Role, name: str = "ivy", officer: str | None = None) -> Caller:
    return Caller(Principal(name, role, officer_id=officer), "192.0.2.7", "web-01")
