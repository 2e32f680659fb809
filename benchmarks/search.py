"""Search latency over >=100k indexed transcript segments, SQLite FTS5 and PostgreSQL.

Generates items, current transcripts and segments (sentences drawn from a police-incident
vocabulary with a long tail of rarer words), inserted through the real migrations so the
index is maintained by its triggers / generated column. Then times ``search`` (the service
the CLI and web app call: parse, match, rank, snippet, filters) for a mix of queries, and
beside it the bare index lookup (match only, no ranking, joins or snippets) as the baseline.

Run: ``python benchmarks/search.py [--segments N] [--postgres URL]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, text

from evidence.search import SearchFilters, parse_query
from storage.database import make_engine, migrate
from storage.search_index import fts5_match, search, tsquery
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
QUERIES = [
    "knife",
    "acacia",
    '"kitchen door"',
    "threat*",
    "police door",
    "ambulance railway",
    '"the police"',
    "the",
    "warrant*",
    "zebra",
]
SEGMENTS_PER_ITEM = 50
RUNS = 20


def sentence(rng: random.Random) -> str:
    words = [
        rng.choice(RARE) if rng.random() < 0.08 else rng.choice(COMMON)
        for _ in range(rng.randint(6, 18))
    ]
    return " ".join(words).capitalize() + "."


def populate(engine: Engine, segments: int, rng: random.Random) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = max(1, segments // SEGMENTS_PER_ITEM)
    with engine.begin() as connection:
        for n in range(items):
            item_id = uuid.uuid4().hex
            transcript_id = uuid.uuid4().hex
            at = start + timedelta(minutes=n)
            connection.execute(
                insert(ItemRow.__table__),
                [
                    {
                        "id": item_id, "sha256": f"{n:064x}", "size": 1, "kind": "bwv",
                        "original_name": f"{n}.mp4", "source_path": f"{n}.mp4",
                        "officer": f"PC{n % 40:04d}", "recorded_at": at, "media": {},
                        "metadata": {}, "storage_key": "k", "store_location": "l",
                        "status": "preserved", "ingested_at": at, "custody_head": "0" * 64,
                        "custody_count": 1,
                    }
                ],
            )  # fmt: skip
            connection.execute(
                insert(TranscriptRow),
                [
                    {
                        "id": transcript_id, "item_id": item_id, "version": 1, "status": "done",
                        "model": "tiny.en", "sha256": "0" * 64, "provenance": {},
                        "created_at": at, "is_current": True,
                    }
                ],
            )  # fmt: skip
            connection.execute(
                insert(SegmentRow),
                [
                    {
                        "transcript_id": transcript_id, "item_id": item_id, "seq": seq,
                        "start_time": seq * 4.0, "end_time": seq * 4.0 + 3.5,
                        "text": sentence(rng), "avg_logprob": -0.3, "no_speech_prob": 0.01,
                        "words": [],
                    }
                    for seq in range(SEGMENTS_PER_ITEM)
                ],
            )  # fmt: skip


def bare_lookup(engine: Engine, query: str) -> int:
    parsed = parse_query(query)
    if engine.dialect.name == "sqlite":
        sql = "SELECT rowid FROM transcript_segments_fts WHERE transcript_segments_fts MATCH :q"
        match = fts5_match(parsed)
    else:
        sql = "SELECT id FROM transcript_segments WHERE text_search @@ to_tsquery('english', :q)"
        match = tsquery(parsed)
    with engine.connect() as connection:
        return len(connection.execute(text(sql + " LIMIT 50"), {"q": match}).all())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(engine: Engine, label: str) -> None:
    ours: list[float] = []
    bare: list[float] = []
    officer = SearchFilters(officer="PC0007", limit=20)
    for _ in range(RUNS):
        for query in QUERIES:
            for filters in (SearchFilters(), officer):
                started = time.perf_counter()
                search(engine, query, filters)
                ours.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            bare_lookup(engine, query)
            bare.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentile(ours, 0.5), percentile(ours, 0.95)
    b50, b95 = percentile(bare, 0.5), percentile(bare, 0.95)
    print(f"{label}: search p50 {p50:.1f} ms, p95 {p95:.1f} ms (target p95 < 50 ms)")
    print(f"{label}: bare index lookup p50 {b50:.1f} ms, p95 {b95:.1f} ms")
    print(f"{label}: ratio search / bare: p50 {p50 / b50:.1f}x, p95 {p95 / b95:.1f}x")
    worst = max(QUERIES, key=lambda q: statistics.median(_timed(engine, q)))
    slowest = statistics.median(_timed(engine, worst))
    print(f"{label}: slowest query {worst!r}, median {slowest:.1f} ms")


def _timed(engine: Engine, query: str) -> list[float]:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        search(engine, query, SearchFilters())
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--postgres", help="an admin URL; a scratch database is made and dropped")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'bench.sqlite3'}")
        migrate(engine)
        started = time.perf_counter()
        populate(engine, args.segments, random.Random(4))
        print(f"SQLite: indexed {args.segments} segments in {time.perf_counter() - started:.0f} s")
        measure(engine, "SQLite FTS5")
        engine.dispose()
    if args.postgres:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        name = f"bench_search_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            engine = make_engine(engine_url(args.postgres, name))
            migrate(engine)
            started = time.perf_counter()
            populate(engine, args.segments, random.Random(4))
            with engine.begin() as connection:
                connection.execute(text("ANALYZE"))
            took = time.perf_counter() - started
            print(f"PostgreSQL: indexed {args.segments} segments in {took:.0f} s")
            measure(engine, "PostgreSQL tsvector")
            engine.dispose()
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def engine_url(admin_url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(admin_url).set(database=database).render_as_string(hide_password=False)


if __name__ == "__main__":
    main()
