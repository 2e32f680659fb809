"""The search query language: what it accepts, how it compiles, what it refuses."""

from datetime import UTC, datetime

import pytest

from evidence.errors import InvalidInput
from evidence.search import Term, check_limit, parse_date, parse_query
from storage.search_index import fts5_match, tsquery


def test_words_phrases_and_prefixes_are_parsed_and_lowercased() -> None:
    query = parse_query('Knife "Kitchen Door" threat* o\'clock')
    assert query.terms == (
        Term(("knife",)),
        Term(("kitchen", "door")),
        Term(("threat",), prefix=True),
        Term(("o", "clock")),
    )


def test_both_engines_get_every_term_quoted_and_anded() -> None:
    query = parse_query('knife "kitchen door" threat* AND OR')
    assert fts5_match(query) == (
        'text : "knife" AND text : "kitchen door" AND text : "threat"* AND text : "and" AND '
        'text : "or"'
    )
    assert tsquery(query) == "'knife' & ('kitchen' <-> 'door') & 'threat':* & 'and' & 'or'"


def test_punctuation_is_a_separator_not_syntax() -> None:
    assert parse_query("knife, (NEAR) -door: ^x").terms == (
        Term(("knife",)),
        Term(("near",)),
        Term(("door",)),
        Term(("x",)),
    )


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ('"kitchen door', "not closed"),
        ('knife "', "not closed"),
        ('""', "no words"),
        ("thr*eat", "may only end a word"),
        ("*", "must follow"),
        ("knife *", "must follow"),
        ("knife.*", "directly follow"),
        ("-- ,,", "nothing to search for"),
        ("x" * 501, "longer than"),
    ],
)
def test_malformed_queries_are_refused_with_the_reason(query: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        parse_query(query)


def test_dates_and_limits() -> None:
    assert parse_date("2026-11-25", "--from") == datetime(2026, 11, 25, tzinfo=UTC)
    assert parse_date("2026-11-25", "--to", end_of_day=True) == datetime(2026, 11, 26, tzinfo=UTC)
    assert parse_date("2026-11-25T21:14Z", "--to", end_of_day=True) == datetime(
        2026, 11, 25, 21, 14, tzinfo=UTC
    )
    with pytest.raises(InvalidInput, match="--from 'yesterday': not a date"):
        parse_date("yesterday", "--from")
    assert check_limit(10) == 10
    with pytest.raises(InvalidInput, match="--limit 0"):
        check_limit(0)
