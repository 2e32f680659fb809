"""The search adapter's SQL, one statement per engine and path (see ``storage.search_index``).

``{filters}`` and ``{items_join}`` are filled with fixed clauses from ``search_index``; every
value, the match expression included, is a bound parameter.
"""

from __future__ import annotations

# The newest candidates in scope: the officer and case filters are part of :match, so FTS5
# skips out-of-scope rows inside the index; the SQL filters re-check them exactly. The FTS5
# table holds current segments only, so no transcript is looked up.
_SQLITE_CANDIDATES = """
candidates AS MATERIALIZED (
    SELECT transcript_segments_fts.rowid AS id{extra}
    FROM transcript_segments_fts
    JOIN transcript_segments s ON s.id = transcript_segments_fts.rowid
    {items_join}
    WHERE transcript_segments_fts MATCH :match {filters}
    ORDER BY transcript_segments_fts.rowid DESC
    LIMIT :candidates
)"""

_MARKED = ", highlight(transcript_segments_fts, 0, :mark_start, :mark_end) AS marked"

# Highlighted text (« » around matches) becomes the snippet; the words of a segment
# approximate its length for the density score.
_SQLITE_PAGE = """
SELECT s.item_id, s.transcript_id, s.start_time, s.end_time, s.text, page.marked, page.score
FROM page JOIN transcript_segments s ON s.id = page.id
ORDER BY page.score DESC, s.item_id, s.start_time
"""

# Exact BM25 over the candidates (every word in the query is uncommon, so BM25's scan of
# each word's list of segments is short): a second pass over the candidates' rowid range,
# matching the words only, so BM25 weighs the words and nothing else.
SQLITE_EXACT = (
    "WITH "  # noqa: S608 (this module's constants only)
    + _SQLITE_CANDIDATES.replace("{extra}", "")
    + """,
page AS MATERIALIZED (
    SELECT transcript_segments_fts.rowid AS id, -bm25(transcript_segments_fts) AS score,
           highlight(transcript_segments_fts, 0, :mark_start, :mark_end) AS marked
    FROM transcript_segments_fts
    JOIN transcript_segments s ON s.id = transcript_segments_fts.rowid
    WHERE transcript_segments_fts MATCH :words
      AND transcript_segments_fts.rowid
          BETWEEN (SELECT min(id) FROM candidates) AND (SELECT max(id) FROM candidates)
      AND +transcript_segments_fts.rowid IN (SELECT id FROM candidates)
    ORDER BY score DESC, s.item_id, s.start_time
    LIMIT :limit
)
"""
    + _SQLITE_PAGE
)

# A common word: BM25 would read every segment that contains it, so the candidates are
# ranked by match density instead (BM25's saturation and length terms, without the word
# weights), in the same pass that finds them.
SQLITE_COMMON = (
    "WITH "  # noqa: S608 (this module's constants only)
    + _SQLITE_CANDIDATES.replace("{extra}", _MARKED)
    + """,
scored AS (
    SELECT id, marked,
           length(marked) - length(replace(marked, :mark_start, '')) AS hits,
           length(marked) - length(replace(marked, ' ', '')) + 1 AS length
    FROM candidates
),
page AS MATERIALIZED (
    SELECT id, marked,
           hits * 2.2 / (hits + 1.2 * (0.25 + 0.75 * length / (avg(length) OVER ()))) AS score
    FROM scored
    ORDER BY score DESC, id DESC
    LIMIT :limit
)
"""
    + _SQLITE_PAGE
)

# The share of the newest segments that match a term, to tell common terms.
SQLITE_SHARE = """
SELECT count(*), (SELECT max(id) FROM transcript_segments) FROM transcript_segments_fts
WHERE transcript_segments_fts MATCH :term
  AND transcript_segments_fts.rowid > (SELECT max(id) FROM transcript_segments) - :window
"""

# :predicate is ``s.text_search @@ q`` (the GIN index finds the matches) or
# ``ts_match_vq(s.text_search, q)`` (the same test, which the planner cannot serve from GIN,
# so it walks the newest rows by primary key, or by (officer, id), and stops after
# :candidates). For common words the walk is far cheaper than reading GIN's long lists and
# fetching every matching row; :floor keeps GIN's fetches to the newest rows.
POSTGRES_SEARCH = """
WITH candidates AS MATERIALIZED (
    SELECT s.id
    FROM transcript_segments s
    {items_join}
    WHERE {predicate} AND s.id > :floor
      AND s.is_current {filters}
    ORDER BY {order}
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
       ts_headline('english', s.text, to_tsquery('english', :match), :headline) AS marked,
       page.score AS score
FROM page
JOIN transcript_segments s ON s.id = page.id
ORDER BY page.score DESC, s.item_id, s.start_time
"""
GIN_MATCH = "s.text_search @@ to_tsquery('english', :match)"
SCAN_MATCH = "ts_match_vq(s.text_search, to_tsquery('english', :match))"
# The walk follows the index order; with GIN, ``+ 0`` keeps the planner from walking the
# primary key instead when it misjudges how rare a phrase is (it would read every row).
WALK_ORDER = "s.id DESC"
# The default (4, for spinning disks) makes one officer's newest-first walk of the
# (officer, id) index look dearer than walking every officer's rows by primary key, which
# reads 40 times as many rows. The index and the newest rows are in memory or on SSD.
POSTGRES_COSTS = "SET LOCAL random_page_cost = 1.1"
MATCHES_ORDER = "s.id + 0 DESC"

POSTGRES_SHARE = """
SELECT count(*) FILTER (WHERE ts_match_vq(text_search, to_tsquery('english', :term))),
       max(id)
FROM (SELECT id, text_search FROM transcript_segments ORDER BY id DESC LIMIT :window) recent
"""
