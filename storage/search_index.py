"""Full-text search over transcript segments: SQLite FTS5 or PostgreSQL ``tsvector``.

The only module, besides migrations, that writes SQL by hand: each engine's match syntax is
compiled from the already-validated ``evidence.search.Query``, so user text reaches the
database only as bound parameters built from plain words. Only the current transcript
version of each item is searched (``is_current`` on each segment; SQLite's FTS5 table holds
only current segments).

A search runs in three steps inside one statement, so its cost is bounded by
``CANDIDATES`` and the page size, not by how many segments contain the words:

1. candidates: the newest ``CANDIDATES`` matching segments in scope, newest first (the
   index's own order: SQLite FTS5 rowids, PostgreSQL's primary key), with the officer and
   case filters inside the index (SQLite: the FTS5 ``officer`` and ``cases`` columns are
   part of the MATCH; PostgreSQL: the ``(officer, id)`` and ``item_id`` b-trees). Each
   segment carries its item's case URNs: ``refresh_case_scope`` must run in the
   transaction of every link and unlink;
2. ranking: BM25 (SQLite) or ``ts_rank_cd`` (PostgreSQL) over those candidates only;
3. snippets: only for the page returned.

When fewer segments than ``CANDIDATES`` match, the ranking is exact. When more match (a
very common word), the hits are the best ranked among the most recently indexed matches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from evidence.errors import InvalidInput, StoreError
from evidence.search import (
    MARK_END,
    MARK_START,
    Hit,
    Query,
    SearchFilters,
    Term,
    check_limit,
    parse_query,
)
from storage import search_sql as sql
from storage.tables import UTCDateTime

SNIPPET_WORDS = 16
CANDIDATES = 1000
# A term is common when it is in this share of the newest SAMPLE segments, or (SQLite, where
# BM25 reads every segment that has the word) when that share of the archive is this many.
COMMON_SHARE = 0.05
COMMON_SEGMENTS = 50_000
SAMPLE = 1000
FLOOR_MARGIN = 4

HEADLINE = (
    f'StartSel="{MARK_START}", StopSel="{MARK_END}", '
    f"MaxWords={SNIPPET_WORDS * 2}, MinWords={SNIPPET_WORDS // 2}, MaxFragments=2, "
    'FragmentDelimiter=" … "'
)


def _fts5_string(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def fts5_match(query: Query) -> str:
    """FTS5 syntax: every term quoted (so no word is read as an operator), ANDed, in ``text``."""
    return " AND ".join(
        "text : " + _fts5_string(" ".join(term.words)) + ("*" if term.prefix else "")
        for term in query.terms
    )


def fts5_scope(filters: SearchFilters) -> str:
    """The officer and case filters as FTS5 column filters, ANDed after the query's terms.

    They narrow inside the index; the SQL filters still decide (a tokenizer may fold two
    officer ids into the same tokens), so this is only ever a superset of the scope.
    """
    clauses = []
    if filters.officer and any(ch.isalnum() for ch in filters.officer):
        clauses.append("officer : " + _fts5_string(filters.officer))
    if filters.case_urns and all(urn.isalnum() for urn in filters.case_urns):
        urns = " OR ".join(_fts5_string(urn) for urn in sorted(filters.case_urns))
        clauses.append(f"cases : ({urns})")
    return "".join(f" AND {clause}" for clause in clauses)


def _tsquery_term(term: Term) -> str:
    lexemes = [f"'{word}'" for word in term.words]
    if term.prefix:
        lexemes[-1] += ":*"
    joined = " <-> ".join(lexemes)
    return f"({joined})" if term.is_phrase else joined


def tsquery(query: Query) -> str:
    """PostgreSQL ``to_tsquery`` syntax: phrases with ``<->``, prefixes with ``:*``, ANDed."""
    return " & ".join(_tsquery_term(term) for term in query.terms)


def _needs_items(filters: SearchFilters) -> bool:
    return filters.date_from is not None or filters.date_to is not None


def _filters(
    filters: SearchFilters, item_ids: set[str] | None
) -> tuple[str, dict[str, Any], list[Any]]:
    clauses: list[str] = []
    values: dict[str, Any] = {}
    binds: list[Any] = []
    if item_ids is not None:
        clauses.append("s.item_id IN :item_ids")
        values["item_ids"] = sorted(item_ids)
        binds.append(bindparam("item_ids", expanding=True))
    if filters.officer:
        clauses.append("s.officer = :officer")
        values["officer"] = filters.officer
    for name, operator, moment in (
        ("date_from", ">=", filters.date_from),
        ("date_to", "<", filters.date_to),
    ):
        if moment is not None:
            clauses.append(f"COALESCE(i.recorded_at, i.ingested_at) {operator} :{name}")
            values[name] = moment
            binds.append(bindparam(name, type_=UTCDateTime()))
    return "".join(f" AND {clause}" for clause in clauses), values, binds


def _items_in_scope(connection: Connection, filters: SearchFilters) -> set[str] | None:
    """The items the filters allow by id (``item_ids`` and the cases' linked items), or None."""
    scope = None if filters.item_ids is None else set(filters.item_ids)
    if filters.case_urns is not None:
        linked: set[str] = set()
        if filters.case_urns:
            statement = text(
                "SELECT item_id FROM case_links WHERE urn IN :urns AND active"
            ).bindparams(bindparam("urns", expanding=True))
            rows = connection.execute(statement, {"urns": sorted(filters.case_urns)})
            linked = set(rows.scalars())
        scope = linked if scope is None else scope & linked
    return scope


def _share(connection: Connection, match: str) -> tuple[float, int]:
    """The share of the newest ``SAMPLE`` segments that ``match`` finds, and the newest id."""
    sqlite = connection.dialect.name == "sqlite"
    statement = text(sql.SQLITE_SHARE if sqlite else sql.POSTGRES_SHARE)
    found, newest = connection.execute(statement, {"term": match, "window": SAMPLE}).one()
    return int(found or 0) / SAMPLE, int(newest or 0)


def _word_terms(query: Query) -> list[Query]:
    """Each word of the query on its own (a phrase costs what its words cost)."""
    return [
        Query(query.text, (Term((word,), term.prefix and n == len(term.words) - 1),))
        for term in query.terms
        for n, word in enumerate(term.words)
    ]


def _sqlite(
    connection: Connection, query: Query, filters: SearchFilters
) -> tuple[str, dict[str, Any]]:
    # BM25 reads the whole list of segments of each word (and checks a phrase's positions
    # in every segment that has all its words): fine for uncommon words only.
    common = False
    for word in _word_terms(query):
        share, newest = _share(connection, fts5_match(word))
        common = common or share >= COMMON_SHARE or share * newest >= COMMON_SEGMENTS
    words = fts5_match(query)
    values = {
        "match": words + fts5_scope(filters),
        "words": words,
        "mark_start": MARK_START,
        "mark_end": MARK_END,
    }
    return sql.SQLITE_COMMON if common else sql.SQLITE_EXACT, values


def _postgres(
    connection: Connection, query: Query, filters: SearchFilters, items: bool
) -> tuple[str, dict[str, Any]]:
    match = tsquery(query)
    share, newest = _share(connection, match)
    predicate, order, floor = sql.GIN_MATCH, sql.MATCHES_ORDER, 0
    # A case scope's items (by the item_id index) are few: GIN or a check of each of them.
    if share >= COMMON_SHARE and not items:
        predicate, order = sql.SCAN_MATCH, sql.WALK_ORDER
    elif share and not filters.officer and not items:
        # Enough of the newest rows to hold the candidates twice over, by the sample.
        floor = max(0, newest - int(FLOOR_MARGIN * CANDIDATES / share))
    template = sql.POSTGRES_SEARCH.replace("{predicate}", predicate).replace("{order}", order)
    return template, {"match": match, "headline": HEADLINE, "floor": floor}


def _statement(
    connection: Connection, query: Query, filters: SearchFilters, item_ids: set[str] | None
) -> tuple[Any, dict[str, Any]]:
    where, values, binds = _filters(filters, item_ids)
    # Joining items costs a lookup per candidate; only the date filters need it.
    items_join = "JOIN items i ON i.id = s.item_id" if _needs_items(filters) else ""
    if connection.dialect.name == "sqlite":
        template, more = _sqlite(connection, query, filters)
    else:
        template, more = _postgres(connection, query, filters, item_ids is not None)
    statement = template.format(filters=where, items_join=items_join)
    values |= more | {"limit": filters.limit, "candidates": max(CANDIDATES, filters.limit)}
    return (text(statement).bindparams(*binds) if binds else text(statement)), values


def snippet(marked: str, sqlite: bool) -> str:
    """About ``SNIPPET_WORDS`` words from the first match on (PostgreSQL's headline is one)."""
    words = marked.split()
    if not sqlite or len(words) <= SNIPPET_WORDS:
        return marked
    first = next((n for n, word in enumerate(words) if MARK_START in word), 0)
    start = max(0, min(first - 3, len(words) - SNIPPET_WORDS))
    end = start + SNIPPET_WORDS
    shown = " ".join(words[start:end])
    if shown.count(MARK_START) > shown.count(MARK_END):
        shown += MARK_END
    return ("…" if start else "") + shown + ("…" if end < len(words) else "")


@contextmanager
def _connected(bind: Engine | Connection) -> Iterator[Connection]:
    """A unit of work's own connection as it is (on SQLite a second one would wait for its
    write lock), or a connection of its own from an engine."""
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as connection:
        yield connection


def search_segments(bind: Engine | Connection, query: Query, filters: SearchFilters) -> list[Hit]:
    """Ranked hits for a parsed query within the filters' scope; [] when nothing matches.

    ``filters.officer`` keeps one officer's items, ``filters.item_ids`` the given items and
    ``filters.case_urns`` the items linked to those cases (all that are given must hold);
    an empty set means nothing is in scope.
    """
    check_limit(filters.limit)
    try:
        with _connected(bind) as connection:
            item_ids = _items_in_scope(connection, filters)
            if item_ids is not None and not item_ids:
                return []
            statement, values = _statement(connection, query, filters, item_ids)
            if connection.dialect.name == "postgresql":
                connection.execute(text(sql.POSTGRES_COSTS))
            rows = connection.execute(statement, values).all()
    except DBAPIError as exc:
        if "syntax" in str(exc.orig).lower():
            raise InvalidInput(f"search {query.text!r}: the index could not read it") from exc
        raise StoreError(
            f"search {query.text!r}: the database did not answer ({exc.orig})"
        ) from exc
    sqlite = bind.dialect.name == "sqlite"
    return [
        Hit(
            item_id=row.item_id,
            transcript_id=row.transcript_id,
            start=float(row.start_time),
            end=float(row.end_time),
            text=row.text,
            snippet=snippet(row.marked, sqlite),
            score=float(row.score),
        )
        for row in rows
    ]


def search(bind: Engine | Connection, query: str, filters: SearchFilters) -> list[Hit]:
    """Parse and run a user's query (``InvalidInput`` if malformed, before any SQL)."""
    return search_segments(bind, parse_query(query), filters)
