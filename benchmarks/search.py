"""Search latency over indexed transcript segments, SQLite FTS5 and PostgreSQL.

Builds the corpus of ``search_corpus`` (items, current transcripts, segments, three cases
shared with a CPS lawyer) through the real migrations, then times ``search`` (what the CLI
and web app call: parse, match, rank, snippet, filters) for a mix of rare, common, phrase and
prefix queries, in three scopes: everything (an investigator), one officer's items (an
officer) and the items of the shared cases (CPS). Beside it, in the same run, the bare index
lookup (match only, first 50, no ranking, joins or snippets) is the baseline.

Run: ``python benchmarks/search.py [--segments N] [--postgres URL] [--keep DIR]``.
``--keep`` keeps the SQLite file in DIR and the PostgreSQL database, and reuses them when they
already hold N segments (a million takes minutes to build).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from search_corpus import case_urns, officer_of, populate
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from evidence.search import SearchFilters, parse_query
from storage.database import make_engine, migrate
from storage.search_index import fts5_match, search, tsquery

QUERIES = {
    "rare": ["acacia", "ambulance railway", "zebra"],
    "common": ["the", "police door", "knife"],
    "phrase": ['"kitchen door"', '"the police"'],
    "prefix": ["threat*", "warrant*"],
}
SCOPES = {
    "everything": SearchFilters(),
    "officer": SearchFilters(officer=officer_of(7)),
    "CPS cases": SearchFilters(case_urns=case_urns()),
}
RUNS = 10


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


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _line(label: str, times: list[float]) -> str:
    return f"p50 {percentile(times, 0.5):6.1f} ms, p95 {percentile(times, 0.95):6.1f} ms"


def measure(engine: Engine, label: str) -> None:
    queries = [query for group in QUERIES.values() for query in group]
    for query in queries:  # warm the caches once, as a running service has them
        for filters in SCOPES.values():
            search(engine, query, filters)
    every: list[float] = []
    per_query: dict[tuple[str, str], list[float]] = {}
    bare: list[float] = []
    for _ in range(RUNS):
        for query in queries:
            for scope, filters in SCOPES.items():
                started = time.perf_counter()
                search(engine, query, filters)
                per_query.setdefault((scope, query), []).append(_ms(started))
            started = time.perf_counter()
            bare_lookup(engine, query)
            bare.append(_ms(started))
    for scope in SCOPES:
        times = [t for (s, _), ts in per_query.items() if s == scope for t in ts]
        every += times
        print(f"{label}: search, {scope:<10}: {_line(label, times)}")
        for kind, group in QUERIES.items():
            kind_times = [t for q in group for t in per_query[(scope, q)]]
            print(f"{label}:   {kind:<6}: {_line(label, kind_times)}")
    print(f"{label}: search, all scopes: {_line(label, every)} (target p95 < 50 ms)")
    print(f"{label}: bare index lookup: {_line(label, bare)}")
    slowest = max(per_query, key=lambda key: percentile(per_query[key], 0.5))
    print(
        f"{label}: slowest: {slowest[1]!r} in scope {slowest[0]}, "
        f"p50 {percentile(per_query[slowest], 0.5):.1f} ms"
    )


def _ready(engine: Engine, segments: int) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.execute(text("SELECT count(*) FROM transcript_segments")).scalar()
            == segments
        )


def build(engine: Engine, segments: int, label: str) -> None:
    migrate(engine)
    if _ready(engine, segments):
        print(f"{label}: reusing {segments} indexed segments")
        return
    started = time.perf_counter()
    populate(engine, segments, random.Random(4))
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    print(f"{label}: indexed {segments} segments in {time.perf_counter() - started:.0f} s")


@contextmanager
def postgres_database(admin_url: str, name: str, keep: bool) -> Iterator[Engine]:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        if not keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--postgres", help="an admin URL; a scratch database is made")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the databases; SQLite here")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as scratch:
        if not args.skip_sqlite:
            folder = args.keep or Path(scratch)
            folder.mkdir(parents=True, exist_ok=True)
            engine = make_engine(f"sqlite:///{folder / f'search-{args.segments}.sqlite3'}")
            build(engine, args.segments, "SQLite")
            measure(engine, "SQLite FTS5")
            engine.dispose()
    if args.postgres:
        name = f"bench_search_{args.segments}"
        with postgres_database(args.postgres, name, bool(args.keep)) as engine:
            build(engine, args.segments, "PostgreSQL")
            measure(engine, "PostgreSQL tsvector")


if __name__ == "__main__":
    main()
