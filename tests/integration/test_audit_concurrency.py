"""The audit trail is one hash chain: concurrent writers (a video player's many Range
requests, several users) must extend it without forking it or failing a request."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from evidence.audit import verify_audit
from storage.database import make_engine, migrate
from storage.web_repository import WebRepository

WRITERS = 12
EACH = 8


@pytest.fixture
def web_repo(database_url: str) -> Iterator[WebRepository]:
    engine = make_engine(database_url)
    migrate(engine)
    yield WebRepository(engine)
    engine.dispose()


def test_concurrent_audit_writers_keep_one_unbroken_chain(web_repo: WebRepository) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def write(n: int) -> None:
        start.wait()
        try:
            for k in range(EACH):
                web_repo.record_as(f"user{n}", "investigator", "view-media", f"item:{k}", "::1")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    events = web_repo.audit()
    assert len(events) == WRITERS * EACH
    assert verify_audit(sorted(events, key=lambda e: e.seq)) == []
