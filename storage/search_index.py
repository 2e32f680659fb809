"""Full-text search over transcript segments: SQLite FTS5 or PostgreSQL ``tsvector``.

The only module, besides migrations, that writes SQL by hand: each engine's match syntax is
compiled from the already-validated ``evidence.search.Query``, so user text reaches the
database only as bound parameters built from plain words. Only the current transcript
version of each item is searched.

A search runs in three steps inside one statement, so its cost is bounded by
``CANDIDATES`` and the page size, not by how many segments contain the words:

1. candidates: the newest ``CANDIDATES`` matching segments in scope, newest first (the
   index's own order: SQLite FTS5 rowids, PostgreSQL's primary key), with the officer and
   case filters inside the index (SQLite: the FTS5 ``officer`` and ``item_id`` columns are
   part of the MATCH; PostgreSQL: the ``(officer, id)`` and ``item_id`` b-trees);
2. ranking: BM25 (SQLite) or ``ts_rank_cd`` (PostgreSQL) over those candidates only;
3. snippets: only for the page returned.

When fewer segments than ``CANDIDATES`` match, the ranking is exact. When more match (a
very common word), the hits are the best ranked among the most recently indexed matches.
"""

from __future__ import annotations

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
from storage.tables import UTCDateTime

SNIPPET_WORDS = 16
CANDIDATES = 2000
# Past this many items, a case filter is checked row by row instead of inside the FTS5 MATCH.
MAX_MATCHED_ITEMS = 2000

SQLITE_SEARCH = """
WITH candidates AS MATERIALIZED (
    SELECT transcript_segments_fts.rowid AS id
    FROM transcript_segments_fts
    JOIN transcript_segments s ON s.id = transcript_segments_fts.rowid
    JOIN transcripts t ON t.id = s.transcript_id
    {items_join}
    WHERE transcript_segments_fts MATCH :match AND t.is_current {filters}
    ORDER BY transcript_segments_fts.rowid DESC
    LIMIT :candidates
),
ranked AS MATERIALIZED (
    SELECT transcript_segments_fts.rowid AS id, bm25(transcript_segments_fts) AS rank
    FROM transcript_segments_fts
    WHERE transcript_segments_fts MATCH :text_match
      AND transcript_segments_fts.rowid
          BETWEEN (SELECT min(id) FROM candidates) AND (SELECT max(id) FROM candidates)
      AND +transcript_segments_fts.rowid IN (SELECT id FROM candidates)
),
page AS MATERIALIZED (
    SELECT r.id, r.rank FROM ranked r
    JOIN transcript_segments s ON s.id = r.id
    ORDER BY r.rank, s.item_id, s.start_time
    LIMIT :limit
)
SELECT s.item_id, s.transcript_id, s.start_time, s.end_time, s.text,
       snippet(transcript_segments_fts, 0, :mark_start, :mark_end, '…', {words}) AS snippet,
       -page.rank AS score
FROM transcript_segments_fts
CROSS JOIN page
CROSS JOIN transcript_segments s
WHERE transcript_segments_fts MATCH :text_match
  AND transcript_segments_fts.rowid
      BETWEEN (SELECT min(id) FROM page) AND (SELECT max(id) FROM page)
  AND +transcript_segments_fts.rowid IN (SELECT id FROM page)
  AND page.id = transcript_segments_fts.rowid AND s.id = page.id
ORDER BY page.rank, s.item_id, s.start_time
"""

POSTGRES_SEARCH = """
WITH candidates AS MATERIALIZED (
    SELECT s.id
    FROM transcript_segments s
    JOIN transcripts t ON t.id = s.transcript_id
    {items_join}
    WHERE s.text_search @@ to_tsquery('english', :match) AND t.is_current {filters}
    ORDER BY s.id DESC
    LIMIT :candidates
),
page AS MATERIALIZED (
    SELECT s.id, ts_rank_cd(s.text_search, to_tsquery('english', :match)) AS score
    FROM candidates c
    JOIN transcript_segments s ON s.id = c.id
    ORDER BY score DESC, s.item_id, s.start_time
    LIMIT :limit
)
SELECT s.item_id, s.transcript_id, s.start_time, s.end_time, s.text,
       ts_headline('english', s.text, to_tsquery('english', :match), :headline) AS snippet,
       page.score AS score
FROM page
JOIN transcript_segments s ON s.id = page.id
ORDER BY page.score DESC, s.item_id, s.start_time
"""

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


def fts5_scope(filters: SearchFilters, item_ids: set[str] | None) -> str:
    """The officer and item filters as FTS5 column filters, ANDed after the query's terms.

    They narrow inside the index; the SQL filters still decide (a tokenizer may fold two
    officer ids into the same tokens), so this is only ever a superset of the scope.
    """
    clauses = []
    if filters.officer and any(ch.isalnum() for ch in filters.officer):
        clauses.append("officer : " + _fts5_string(filters.officer))
    if item_ids is not None and len(item_ids) <= MAX_MATCHED_ITEMS:
        ids = [_fts5_string(item_id) for item_id in sorted(item_ids) if item_id.isalnum()]
        if len(ids) == len(item_ids):
            clauses.append("item_id : (" + " OR ".join(ids) + ")")
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
        linked = set(
            connection.execute(
                text(
                    "SELECT item_id FROM case_links WHERE urn IN :urns AND active"
                ).bindparams(bindparam("urns", expanding=True)),
                {"urns": sorted(filters.case_urns)},
            ).scalars()
        ) if filters.case_urns else set()
        scope = linked if scope is None else scope & linked
    return scope


def _statement(
    dialect: str, query: Query, filters: SearchFilters, item_ids: set[str] | None
) -> tuple[Any, dict[str, Any]]:
    where, values, binds = _filters(filters, item_ids)
    # Joining items costs a lookup per candidate; only the date filters need it.
    items_join = "JOIN items i ON i.id = s.item_id" if _needs_items(filters) else ""
    if dialect == "sqlite":
        sql = SQLITE_SEARCH.format(words=SNIPPET_WORDS, filters=where, items_join=items_join)
        words = fts5_match(query)
        values |= {
            "match": words + fts5_scope(filters, item_ids),
            "text_match": words,
            "mark_start": MARK_START,
            "mark_end": MARK_END,
        }
    else:
        sql = POSTGRES_SEARCH.format(filters=where, items_join=items_join)
        values |= {"match": tsquery(query), "headline": HEADLINE}
    values |= {"limit": filters.limit, "candidates": max(CANDIDATES, filters.limit)}
    return (text(sql).bindparams(*binds) if binds else text(sql)), values


def search_segments(engine: Engine, query: Query, filters: SearchFilters) -> list[Hit]:
    """Ranked hits for a parsed query within the filters' scope; [] when nothing matches.

    ``filters.officer`` keeps one officer's items, ``filters.item_ids`` the given items and
    ``filters.case_urns`` the items linked to those cases (all that are given must hold);
    an empty set means nothing is in scope.
    """
    check_limit(filters.limit)
    try:
        with engine.connect() as connection:
            item_ids = _items_in_scope(connection, filters)
            if item_ids is not None and not item_ids:
                return []
            statement, values = _statement(engine.dialect.name, query, filters, item_ids)
            rows = connection.execute(statement, values).all()
    except DBAPIError as exc:
        if "syntax" in str(exc.orig).lower():
            raise InvalidInput(f"search {query.text!r}: the index could not read it") from exc
        raise StoreError(
            f"search {query.text!r}: the database did not answer ({exc.orig})"
        ) from exc
    return [
        Hit(
            item_id=row.item_id,
            transcript_id=row.transcript_id,
            start=float(row.start_time),
            end=float(row.end_time),
            text=row.text,
            snippet=row.snippet,
            score=float(row.score),
        )
        for row in rows
    ]


def search(engine: Engine, query: str, filters: SearchFilters) -> list[Hit]:
    """Parse and run a user's query (``InvalidInput`` if malformed, before any SQL)."""
    return search_segments(engine, parse_query(query), filters)
