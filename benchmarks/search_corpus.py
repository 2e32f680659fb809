"""The search benchmark's corpus: items, current transcripts, segments, and shared cases.

Sentences are drawn from a police-incident vocabulary: a few dozen common words, each in
about a quarter of the segments, and a tail of rarer ones, each in about 3 %. Every item
has one officer out of ``OFFICERS``; ``CASES`` cases link ``ITEMS_PER_CASE`` items each, as
the cases shared with one CPS lawyer. Rows go in through the real schema (migrations, FTS5
triggers, the generated ``tsvector``) in bulk: ``executemany`` on SQLite, ``COPY`` on
PostgreSQL, so a million segments take minutes, not hours.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert

from storage.case_tables import CaseLinkRow, CaseRow
from storage.tables import ItemRow
from storage.transcript_tables import SegmentRow, TranscriptRow

COMMON = [
    "the",
    "a",
    "and",
    "to",
    "you",
    "i",
    "he",
    "she",
    "is",
    "was",
    "it",
    "of",
    "in",
    "on",
    "at",
    "my",
    "me",
    "your",
    "we",
    "they",
    "that",
    "this",
    "what",
    "there",
    "here",
    "now",
    "please",
    "police",
    "officer",
    "door",
    "car",
    "house",
    "street",
    "window",
    "knife",
    "phone",
    "bag",
]
RARE = [
    "acacia",
    "hoodie",
    "railway",
    "ambulance",
    "threatening",
    "threatened",
    "assault",
    "suspicion",
    "neighbour",
    "kitchen",
    "bottle",
    "weapon",
    "glass",
    "breaking",
    "bicycle",
    "garage",
    "balcony",
    "sergeant",
    "custody",
    "warrant",
    "burglary",
    "robbery",
    "stabbing",
    "motorway",
    "petrol",
    "taxi",
    "pharmacy",
    "underpass",
    "allotment",
]
SEGMENTS_PER_ITEM = 50
OFFICERS = 40
CASES = 3
ITEMS_PER_CASE = 100
BATCH = 20_000
START = datetime(2026, 1, 1, tzinfo=UTC)
SEGMENT_COLUMNS = [
    "transcript_id",
    "item_id",
    "officer",
    "cases",
    "is_current",
    "seq",
    "start_time",
    "end_time",
    "text",
    "avg_logprob",
    "no_speech_prob",
    "words",
]


def officer_of(n: int) -> str:
    return f"PC{n % OFFICERS:04d}"


def case_urn(n: int) -> str:
    return f"01YZ{n:05d}26"


def sentence(rng: random.Random) -> str:
    words = [
        rng.choice(RARE) if rng.random() < 0.08 else rng.choice(COMMON)
        for _ in range(rng.randint(6, 18))
    ]
    return " ".join(words).capitalize() + "."


def _ids(n: int) -> tuple[str, str]:
    return f"{n:032x}", f"{n + (1 << 64):032x}"


def _item(n: int) -> dict[str, Any]:
    item_id, _ = _ids(n)
    at = START + timedelta(minutes=n)
    return {
        "id": item_id, "sha256": f"{n:064x}", "size": 1, "kind": "bwv",
        "original_name": f"{n}.mp4", "source_path": f"{n}.mp4", "officer": officer_of(n),
        "recorded_at": at, "media": {}, "metadata": {}, "storage_key": "k",
        "store_location": "l", "status": "preserved", "ingested_at": at,
        "custody_head": "0" * 64, "custody_count": 1,
    }  # fmt: skip


def _transcript(n: int) -> dict[str, Any]:
    item_id, transcript_id = _ids(n)
    return {
        "id": transcript_id, "item_id": item_id, "version": 1, "status": "done",
        "model": "tiny.en", "sha256": "0" * 64, "provenance": {},
        "created_at": START + timedelta(minutes=n), "is_current": True,
    }  # fmt: skip


def segment_rows(
    items: int, rng: random.Random, cases: dict[str, str]
) -> Iterator[tuple[Any, ...]]:
    """Segments in the order a force would index them: item by item, oldest first."""
    for n in range(items):
        item_id, transcript_id = _ids(n)
        for seq in range(SEGMENTS_PER_ITEM):
            yield (
                transcript_id, item_id, officer_of(n), cases.get(item_id), True,
                seq, seq * 4.0, seq * 4.0 + 3.5,
                sentence(rng), -0.3, 0.01, "[]",
            )  # fmt: skip


def _case_rows(items: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cases, links = [], []
    stride = max(1, items // (CASES * ITEMS_PER_CASE))
    for c in range(CASES):
        urn = case_urn(c)
        cases.append(
            {"urn": urn, "title": f"case {c}", "domestic_abuse": False, "people": [],
             "status": "open", "created_at": START, "created_by": "bench"}
        )  # fmt: skip
        for k in range(ITEMS_PER_CASE):
            n = ((c * ITEMS_PER_CASE + k) * stride) % items
            links.append(
                {"urn": urn, "item_id": _ids(n)[0], "exhibit_ref": f"E{c}-{k}", "how": "manual",
                 "reason": "bench", "linked_by": "bench", "linked_at": START, "active": True}
            )  # fmt: skip
    return cases, links


def _in_batches(connection: Connection, table: Any, rows: Iterator[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            connection.execute(insert(table), batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)


def populate(engine: Engine, segments: int, rng: random.Random) -> None:
    items = max(1, segments // SEGMENTS_PER_ITEM)
    cases, links = _case_rows(items)
    # What storage.search_scope.refresh_case_scope writes on each link.
    scope: dict[str, list[str]] = {}
    for link in links:
        scope.setdefault(link["item_id"], []).append(link["urn"])
    case_scope = {item_id: " ".join(sorted(urns)) for item_id, urns in scope.items()}
    with engine.begin() as connection:
        _in_batches(connection, ItemRow.__table__, (_item(n) for n in range(items)))
        _in_batches(connection, TranscriptRow.__table__, (_transcript(n) for n in range(items)))
        connection.execute(insert(CaseRow), cases)
        connection.execute(insert(CaseLinkRow), links)
        if engine.dialect.name == "postgresql":
            _copy_segments(connection, items, rng, case_scope)
        else:
            keyed = (
                dict(zip(SEGMENT_COLUMNS, row, strict=True)) | {"words": []}
                for row in segment_rows(items, rng, case_scope)
            )
            _in_batches(connection, SegmentRow.__table__, keyed)


def _copy_segments(
    connection: Connection, items: int, rng: random.Random, cases: dict[str, str]
) -> None:
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    columns = ", ".join(SEGMENT_COLUMNS)
    with cursor.copy(f"COPY transcript_segments ({columns}) FROM STDIN") as copy:
        for row in segment_rows(items, rng, cases):
            copy.write_row(row)


def case_urns() -> set[str]:
    return {case_urn(c) for c in range(CASES)}
