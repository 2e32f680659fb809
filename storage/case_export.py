"""Export a case as a signed CPS bundle (moved here from ``storage/case_service.py``; the
bundles use case in ``evidence/services/bundles.py`` takes it over)."""

from __future__ import annotations

from pathlib import Path

from evidence.bundle import Exhibit, TranscriptSource, export_bundle
from evidence.custody import Actor
from evidence.errors import NotFound
from evidence.model import EvidenceItem
from evidence.signing import signing_key
from evidence.transcripts import render
from storage.bootstrap import Services
from storage.tlog_repository import TlogRepository
from storage.tlog_service import stamper
from storage.transcript_service import latest_transcript


def export_case_bundle(services: Services, urn: str, out_dir: Path, actor: Actor) -> Path:
    """Export the case's exhibits as a signed CPS bundle; returns the bundle's folder."""
    with services.unit_of_work() as uow:
        case = uow.cases.get(urn)
        exhibits = [Exhibit(link.exhibit_ref, item) for link, item in uow.cases.exhibits(case.urn)]
    return export_bundle(
        case,
        exhibits,
        repo=services.repo,
        store=services.store,
        key=signing_key(services.settings),
        organisation=services.settings.organisation,
        out_dir=out_dir,
        actor=actor,
        transcripts=bundle_transcripts(services),
        tlog=TlogRepository(services.engine),
        stamper=stamper(services),
    )


def bundle_transcripts(services: Services) -> TranscriptSource:
    """The current transcript of an item as VTT and TXT, or nothing when it has none."""

    def source(item: EvidenceItem) -> dict[str, bytes]:
        try:
            transcript = latest_transcript(services, item.id)
        except NotFound:
            return {}
        return {fmt: render(transcript, fmt).encode("utf-8") for fmt in ("vtt", "txt")}

    return source
