"""The sign-in throttle's store under concurrent failures: every one counts, none fails.

Workers counting the first failures of a new name race to create its row; the store creates
it if missing and then locks it, so they queue instead of losing counts or erroring.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from evidence.model import utcnow
from evidence.throttle import SignInRules, ThrottlePolicy, count_failure
from storage.database import make_engine, migrate
from storage.unit_of_work import unit_of_work_factory

WORKERS = 8
EACH = 3
LOCK_AT = WORKERS * EACH


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_concurrent_failures_for_one_new_name_all_count(engine: Engine) -> None:
    policy = ThrottlePolicy(LOCK_AT, timedelta(minutes=15), timedelta(minutes=1), timedelta(1))
    rules = SignInRules(user=policy, address=policy)
    new_uow = unit_of_work_factory(engine)
    errors: list[BaseException] = []
    started: list[str] = []
    start = threading.Barrier(WORKERS)

    def worker(n: int) -> None:
        start.wait()
        try:
            for _ in range(EACH):
                with new_uow() as uow:
                    counted = count_failure(uow.throttle, "ivy", f"192.0.2.{n}", utcnow(), rules)
                    uow.commit()
                started.extend(lock.target for lock in counted.started)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    # Exactly the last of the 24 failures locked the name: none was lost, none counted twice.
    assert started == ["user:ivy"]
    with new_uow() as uow:
        [lock] = uow.throttle.locked(utcnow())
        addresses = uow.throttle.states([("address", f"192.0.2.{n}") for n in range(WORKERS)])
    assert (lock.target, lock.lockouts) == ("user:ivy", 1)
    assert [state.failures for state in addresses] == [EACH] * WORKERS
