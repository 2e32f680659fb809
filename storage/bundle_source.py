"""What a bundle export reads about a case (``evidence.bundle.BundleSource``), from the
repositories of the same unit of work: the case, its linked exhibits, its CPS shares, and
each exhibit's current transcript."""

from __future__ import annotations

from evidence.bundle import Exhibit
from evidence.cases import Case
from evidence.transcripts import Transcript
from storage.case_repository import SqlCases
from storage.transcript_repository import SqlTranscriptRepository


class SqlBundleSource:
    def __init__(self, cases: SqlCases, transcripts: SqlTranscriptRepository) -> None:
        self.cases = cases
        self.transcripts = transcripts

    def case(self, urn: str) -> Case:
        return self.cases.get(urn)

    def exhibits(self, urn: str) -> list[Exhibit]:
        return [Exhibit(link.exhibit_ref, item) for link, item in self.cases.exhibits(urn)]

    def transcript(self, item_id: str) -> Transcript | None:
        return self.transcripts.current(item_id)
