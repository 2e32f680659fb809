"""Full-text search over transcript segments: SQLite FTS5 or PostgreSQL ``tsvector``.

The only module, besides migrations, that writes SQL by hand: each engine's match syntax is
compiled from the already-validated ``evidence.search.Query``, so user text reaches the
database only as bound parameters built from plain words. Only the current transcript
version of each item is searched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, text
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

SQLITE_SEARCH = """
SELECT s.item_id, s.transcript_id, s.start_time, s.end_time, s.text,
       snippet(transcript_segments_fts, 0, :mark_start, :mark_end, '…', {words}) AS snippet,
       -bm25(transcript_segments_fts) AS score
FROM transcript_segments_fts
JOIN transcript_segments s ON s.id = transcript_segments_fts.rowid
JOIN transcripts t ON t.id = s.transcript_id
{items_join}
WHERE transcript_segments_fts MATCH :match AND t.is_current {filters}
ORDER BY bm25(transcript_segments_fts), s.item_id, s.start_time
LIMIT :limit
"""

POSTGRES_SEARCH = """
WITH q AS (SELECT to_tsquery('english', :match) AS query),
ranked AS (
    SELECT s.id, ts_rank_cd(s.text_search, q.query) AS score
    FROM transcript_segments s
    CROSS JOIN q
    JOIN transcripts t ON t.id = s.transcript_id
    {items_join}
    WHERE s.text_search @@ q.query AND t.is_current {filters}
    ORDER BY score DESC, s.item_id, s.start_time
    LIMIT :limit
)
SELECT s.item_id, s.transcript_id, s.start_time, s.end_time, s.text,
       ts_headline('english', s.text, q.query, :headline) AS snippet,
       ranked.score AS score
FROM ranked
JOIN transcript_segments s ON s.id = ranked.id
CROSS JOIN q
ORDER BY ranked.score DESC, s.item_id, s.start_time
"""

HEADLINE = (
    f'StartSel="{MARK_START}", StopSel="{MARK_END}", '
    f"MaxWords={SNIPPET_WORDS * 2}, MinWords={SNIPPET_WORDS // 2}, MaxFragments=2, "
    'FragmentDelimiter=" … "'
)


def fts5_match(query: Query) -> str:
    """FTS5 syntax: every term quoted (so no word is read as an operator), ANDed."""
    return " ".join(
        '"' + " ".join(term.words) + '"' + ("*" if term.prefix else "") for term in query.terms
    )


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
    return bool(filters.officer) or filters.date_from is not None or filters.date_to is not None


def _filters(filters: SearchFilters) -> tuple[str, dict[str, Any], list[Any]]:
    clauses: list[str] = []
    values: dict[str, Any] = {}
    binds: list[Any] = []
    if filters.item_ids is not None:
        clauses.append("s.item_id IN :item_ids")
        values["item_ids"] = sorted(filters.item_ids)
        binds.append(bindparam("item_ids", expanding=True))
    if filters.officer:
        clauses.append("i.officer = :officer")
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
    """Ranked hits for a parsed query; an empty list when nothing matches."""
    limit = check_limit(filters.limit)
    if filters.item_ids is not None and not filters.item_ids:
        return []
    where, values, binds = _filters(filters)
    # Joining items costs a lookup per matching segment; only its filters need it.
    items_join = "JOIN items i ON i.id = s.item_id" if _needs_items(filters) else ""
    if bind.dialect.name == "sqlite":
        sql = SQLITE_SEARCH.format(words=SNIPPET_WORDS, filters=where, items_join=items_join)
        values |= {"match": fts5_match(query), "mark_start": MARK_START, "mark_end": MARK_END}
    else:
        sql = POSTGRES_SEARCH.format(filters=where, items_join=items_join)
        values |= {"match": tsquery(query), "headline": HEADLINE}
    statement = text(sql).bindparams(*binds) if binds else text(sql)
    try:
        with _connected(bind) as connection:
            rows = connection.execute(statement, {**values, "limit": limit}).all()
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


def search(bind: Engine | Connection, query: str, filters: SearchFilters) -> list[Hit]:
    """Parse and run a user's query (``InvalidInput`` if malformed, before any SQL)."""
    return search_segments(bind, parse_query(query), filters)
