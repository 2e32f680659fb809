"""What a bundle export reads about cases, in memory: cases, their exhibits, CPS shares and
current transcripts, set up by the test."""

from __future__ import annotations

from evidence.bundle import Exhibit
from evidence.cases import Case, validate_urn
from evidence.errors import NotFound
from evidence.transcripts import Transcript


class FakeBundleSource:
    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.links: dict[str, list[Exhibit]] = {}
        self.shares: set[tuple[str, str]] = set()
        self.transcripts: dict[str, Transcript] = {}

    def case(self, urn: str) -> Case:
        found = self.cases.get(validate_urn(urn))
        if found is None:
            raise NotFound(f"case {validate_urn(urn)}: not found")
        return found

    def exhibits(self, urn: str) -> list[Exhibit]:
        return list(self.links.get(validate_urn(urn), []))

    def shared_with(self, urn: str, user: str) -> bool:
        return (validate_urn(urn), user) in self.shares

    def transcript(self, item_id: str) -> Transcript | None:
        return self.transcripts.get(item_id)
