"""Transcription claims on SQLite and PostgreSQL: one holder per item, takeover after the
lease, and no version saved by a run that lost its claim."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from evidence.custody import Actor
from evidence.errors import Conflict
from evidence.model import utcnow
from evidence.transcripts import DONE, Transcript
from storage.bootstrap import Services, get_services, reset_services
from storage.transcription_claims import SqlTranscriptionClaims
from tests.integration.test_scheduled_flows import hold

ACTOR = Actor("PC4521", "test-host")


@pytest.fixture
def services(
    evidence_home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Services]:
    monkeypatch.setenv("EVIDENCE_DATABASE_URL", database_url)
    reset_services()
    yield get_services()
    reset_services()


def item(services: Services, payload: bytes = b"call audio" * 100) -> str:
    return hold(services, payload).id


def transcript(item_id: str, version: int) -> Transcript:
    return Transcript(
        id=f"t{version}{item_id}"[:32],
        item_id=item_id,
        version=version,
        status=DONE,
        reason=None,
        language="en",
        segments=(),
        provenance={},
        created_at=utcnow(),
    ).sealed()


def test_one_holder_at_a_time_even_when_claims_race(services: Services) -> None:
    item_id = item(services)
    claims = SqlTranscriptionClaims(services.engine, lease_seconds=60)
    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(lambda n: claims.claim(item_id, f"run-{n}"), range(8)))
    winners = [claim for claim in won if claim is not None]
    assert len(winners) == 1
    assert claims.holder_of(item_id) == winners[0]
    assert claims.claim(item_id, "late-run") is None


def test_a_claim_whose_lease_ran_out_is_taken_over(services: Services) -> None:
    item_id = item(services)
    claims = SqlTranscriptionClaims(services.engine, lease_seconds=1)
    assert claims.claim(item_id, "dead-run") is not None
    assert claims.claim(item_id, "next-run") is None
    time.sleep(1.1)
    taken = claims.claim(item_id, "next-run")
    assert taken is not None and taken.holder == "next-run"
    assert claims.renew(item_id, "dead-run") is False


def test_a_run_that_lost_its_claim_saves_nothing(services: Services) -> None:
    item_id = item(services)
    claims = SqlTranscriptionClaims(services.engine, lease_seconds=1)
    claims.claim(item_id, "slow-run")
    time.sleep(1.1)
    claims.claim(item_id, "next-run")

    def save_as(holder: str) -> None:
        with services.unit_of_work() as uow:
            uow.transcripts.save(transcript(item_id, 1), "transcribed", ACTOR, {}, holder)
            uow.commit()

    def versions() -> list[int]:
        with services.unit_of_work() as uow:
            return [v["version"] for v in uow.transcripts.versions(item_id)]

    with pytest.raises(Conflict, match="lost its claim"):
        save_as("slow-run")
    assert versions() == []
    save_as("next-run")
    assert versions() == [1]


def test_held_renews_while_the_work_runs_and_releases_after(services: Services) -> None:
    item_id = item(services)
    claims = SqlTranscriptionClaims(services.engine, lease_seconds=1.5)
    with claims.held(item_id, "worker-run") as claim:
        assert claim is not None
        time.sleep(2.5)  # past the lease: only renewal keeps it
        assert claims.claim(item_id, "other-run") is None
        with claims.held(item_id, "other-run") as refused:
            assert refused is None
    assert claims.holder_of(item_id) is None
