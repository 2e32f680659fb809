"""The web media route over the S3 store (moto): a Range costs the store only its own bytes.

The store is the real ``S3Store`` behind a thin wrapper that counts the bytes read from it,
so the test fails if the route ever goes back to reading from byte 0 and discarding.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, cast

import pytest
from fastapi.testclient import TestClient

from entrypoints.sample_dock import silent_video
from entrypoints.web.app import create_app
from evidence.access import Role
from evidence.dock import scan
from evidence.ingest import IngestOptions
from evidence.model import EvidenceItem
from evidence.ports import StoredObject
from evidence.quarantine import Quarantine
from evidence.settings import get_settings
from storage.bootstrap import Services, reset_services
from storage.database import make_engine, migrate
from storage.s3_store import S3Store
from storage.unit_of_work import SqlRepository
from tests.fixtures.accounts import add_user
from tests.fixtures.s3 import TEST_PART_SIZE, S3Server

PASSWORD = "correct horse battery staple"


@dataclass
class CountingStore:
    """The real S3 store; every byte read through its streams is counted."""

    inner: S3Store
    bytes_read: int = 0
    ranges: list[tuple[int, int]] = field(default_factory=list)
    url: str = field(init=False)

    def __post_init__(self) -> None:
        self.url = self.inner.url

    def put(
        self, source: BinaryIO, *, expected_sha256: str | None = None, label: str = ""
    ) -> StoredObject:
        return self.inner.put(source, expected_sha256=expected_sha256, label=label)

    @contextlib.contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        with self.inner.open(key) as stream:
            yield cast(BinaryIO, _Counted(stream, self))

    @contextlib.contextmanager
    def open_range(self, key: str, start: int, length: int) -> Iterator[BinaryIO]:
        self.ranges.append((start, length))
        with self.inner.open_range(key, start, length) as stream:
            yield cast(BinaryIO, _Counted(stream, self))

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def location(self, key: str) -> str:
        return self.inner.location(key)

    def describe(self, key: str) -> dict[str, Any]:
        return self.inner.describe(key)

    def reset(self) -> None:
        self.bytes_read = 0
        self.ranges.clear()


@dataclass
class _Counted:
    stream: BinaryIO
    counter: CountingStore

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.counter.bytes_read += len(data)
        return data

    def seekable(self) -> bool:
        return self.stream.seekable()


@dataclass
class S3App:
    client: TestClient
    store: CountingStore
    item: EvidenceItem
    original: bytes
    headers: dict[str, str]


@pytest.fixture(scope="module")
def s3_app(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Server) -> Iterator[S3App]:
    home = tmp_path_factory.mktemp("s3-web-home")
    dock = tmp_path_factory.mktemp("s3-web-dock")
    clip = silent_video(dock / "bwv-clip.mp4", seconds=4)
    patch = pytest.MonkeyPatch()
    patch.setenv("EVIDENCE_HOME", str(home))
    patch.setenv("EVIDENCE_DATABASE_URL", f"sqlite:///{home / 'evidence.sqlite3'}")
    reset_services()
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        migrate(engine)
        bucket = f"evidence-web-{uuid.uuid4().hex[:12]}"
        store = CountingStore(
            S3Store(
                bucket,
                s3_server.endpoint,
                s3_server.access_key,
                s3_server.secret_key,
                part_size=TEST_PART_SIZE,
            )
        )
        services = Services(
            settings, engine, SqlRepository(engine), store, Quarantine(settings.quarantine_dir)
        )
        [entry] = scan(dock)
        outcome = services.ingestor().ingest(
            dock, entry.relative_path, entry.sidecar, IngestOptions()
        )
        assert outcome.status == "ingested" and outcome.id is not None, outcome
        add_user(engine, "ivy", Role.INVESTIGATOR, PASSWORD)
        with TestClient(create_app(services)) as client:
            answer = client.post("/api/token", data={"username": "ivy", "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            token = answer.json()["access_token"]
            yield S3App(
                client,
                store,
                services.repo.get_item(outcome.id),
                clip.read_bytes(),
                {"Authorization": f"Bearer {token}"},
            )
    finally:
        engine.dispose()
        reset_services()
        patch.undo()


def media(app: S3App, range_header: str | None = None) -> Any:
    app.store.reset()
    headers = {**app.headers, **({"Range": range_header} if range_header else {})}
    return app.client.get(f"/api/items/{app.item.id}/media", headers=headers)


def test_a_middle_range_reads_only_its_bytes_from_s3(s3_app: S3App) -> None:
    size = len(s3_app.original)
    start, end = size // 2, size // 2 + 9_999
    answer = media(s3_app, f"bytes={start}-{end}")
    assert answer.status_code == 206
    assert answer.content == s3_app.original[start : end + 1]
    assert answer.headers["content-range"] == f"bytes {start}-{end}/{size}"
    assert s3_app.store.ranges == [(start, 10_000)]
    assert s3_app.store.bytes_read == 10_000


def test_the_last_bytes_cost_only_themselves(s3_app: S3App) -> None:
    answer = media(s3_app, "bytes=-1000")
    assert answer.status_code == 206
    assert answer.content == s3_app.original[-1000:]
    assert s3_app.store.bytes_read == 1000


def test_the_whole_recording_without_range_is_byte_identical(s3_app: S3App) -> None:
    answer = media(s3_app)
    assert answer.status_code == 200
    assert answer.content == s3_app.original
    assert s3_app.store.bytes_read == len(s3_app.original) == s3_app.item.size
