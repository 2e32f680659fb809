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

    def transcript(self, item_id: str) -> Transcript | None:
        return self.transcripts.get(item_id)


class FakeCaseView:
    """What the case access policy asks of the cases repository (``get``, ``shared_cases``),
    answered from the bundle source's cases and shares."""

    def __init__(self, source: FakeBundleSource) -> None:
        # A closure, not the source: the unit of work snapshots each repository on its own,
        # and a deep copy keeps a function as it is.
        self.source = lambda: source

    def get(self, urn: str, *, lock: bool = False) -> Case:
        return self.source().case(urn)

    def shared_cases(self, user: str | None = None) -> set[str]:
        return {urn for urn, name in self.source().shares if user is None or name == user}
