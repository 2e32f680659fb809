"""The search index inside a unit of work: queries run on its session's connection.

A search reads in the same transaction as the rest of its use case (the scope read before
it, the audit record after it); on SQLite a second connection would wait for the unit of
work's write lock.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from evidence.search import Hit, SearchFilters
from storage.search_index import search


class SqlSearch:
    def __init__(self, session: Session) -> None:
        self.session = session

    def search(self, query: str, filters: SearchFilters) -> list[Hit]:
        return search(self.session.connection(), query, filters)
