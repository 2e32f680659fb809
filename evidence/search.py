"""The search query language, checked before any database sees it.

A query is a list of terms that must all occur in a segment:

- ``knife``: a word;
- ``"kitchen door"``: a phrase, its words next to each other in that order;
- ``threat*``: a prefix, matching threat, threats, threatening ...

Punctuation between words is ignored, as a search box user expects. Anything else that
could not mean a search (an unclosed quote, a ``*`` that is not at the end of a word, an
empty phrase, nothing to search for) is refused with a message saying what to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from evidence.errors import InvalidInput

MARK_START = "\u00ab"
MARK_END = "\u00bb"
MAX_QUERY_LENGTH = 500
MAX_TERMS = 32
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000

_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r'"(?P<phrase>[^"]*)"|(?P<bare>[^\s"]+)')


@dataclass(frozen=True)
class Term:
    """One or more words that must appear together, in order; the last may be a prefix."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class SearchFilters:
    """Which segments a search may return; every filter given must hold.

    ``officer``: only that officer's items. ``item_ids``: only those items. ``case_urns``:
    only items linked to one of those cases. These are how the access policy's scope (an
    officer's own items, the cases shared with a CPS user) reaches the index, which applies
    them while matching. An empty set means nothing is in scope.
    """

    item_ids: set[str] | None = None
    officer: str | None = None
    case_urns: set[str] | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class Hit:
    item_id: str
    start: float
    end: float
    text: str
    snippet: str
    score: float
    transcript_id: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "item_id": self.item_id,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "snippet": self.snippet,
            "score": self.score,
            "transcript_id": self.transcript_id,
        }


def _term(raw: str, quoted: bool, query: str) -> Term | None:
    prefix = raw.endswith("*")
    body = raw[:-1] if prefix else raw
    if "*" in body:
        raise InvalidInput(
            f"search {query!r}: '*' may only end a word (as in threat*), not sit inside one"
        )
    words = tuple(word.lower() for word in _WORD.findall(body))
    if not words:
        if quoted:
            raise InvalidInput(f'search {query!r}: the phrase "{raw}" has no words in it')
        if prefix:
            raise InvalidInput(f"search {query!r}: '*' must follow at least one letter or digit")
        return None
    if prefix and not body[-1:].isalnum() and body[-1:] != "_":
        raise InvalidInput(f"search {query!r}: '*' must directly follow a word, as in threat*")
    return Term(words=words, prefix=prefix)


def parse_query(text: str) -> Query:
    """Parse a user's query, raising ``InvalidInput`` with the reason if it is malformed."""
    query = text.strip()
    if not query:
        raise InvalidInput('search: the query is empty; give a word, a "phrase" or a prefix*')
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidInput(f"search: the query is longer than {MAX_QUERY_LENGTH} characters")
    if query.count('"') % 2:
        raise InvalidInput(f"search {query!r}: a quotation mark is not closed")
    terms: list[Term] = []
    for match in _TOKEN.finditer(query):
        phrase = match.group("phrase")
        term = _term(
            phrase if phrase is not None else match.group("bare"), phrase is not None, query
        )
        if term is not None:
            terms.append(term)
    if not terms:
        raise InvalidInput(f"search {query!r}: nothing to search for; give at least one word")
    if len(terms) > MAX_TERMS:
        raise InvalidInput(f"search {query!r}: more than {MAX_TERMS} terms; narrow it down")
    return Query(text=query, terms=tuple(dict.fromkeys(terms)))


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"search --limit {limit}: give a number from 1 to {MAX_LIMIT}")
    return limit


def parse_date(value: str, option: str, end_of_day: bool = False) -> datetime:
    """A ``--from``/``--to`` bound: a date (a whole day) or a date and time (UTC if no zone).

    For ``--to`` a bare date means up to the end of that day, so ``--to 2026-11-25``
    includes everything recorded on the 25th.
    """
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(
            f"{option} {value!r}: not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if end_of_day and len(value.strip()) == len("YYYY-MM-DD"):
        moment += timedelta(days=1)
    return moment
