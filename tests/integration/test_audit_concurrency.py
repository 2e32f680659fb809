"""The audit trail is one hash chain: concurrent writers (a video player's many Range
requests, several users) must extend it without forking it or failing a request."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from evidence.audit import verify_audit
from storage.database import make_engine, migrate
from tests.fixtures.accounts import audit_events, record_audit

WRITERS = 12
EACH = 8


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_concurrent_audit_writers_keep_one_unbroken_chain(engine: Engine) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def write(n: int) -> None:
        start.wait()
        try:
            for k in range(EACH):
                record_audit(engine, f"user{n}", "investigator", "view-media", f"item:{k}")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    events = audit_events(engine)
    assert len(events) == WRITERS * EACH
    assert verify_audit(sorted(events, key=lambda e: e.seq)) == []
