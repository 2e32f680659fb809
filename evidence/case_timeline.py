"""A case's timeline: its exhibits in recorded order, with the ones that overlap in time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from evidence.cases import EARLIEST, EXHIBIT_REF, recorded_span
from evidence.model import EvidenceItem, iso_utc


@dataclass(frozen=True)
class TimelineEntry:
    exhibit_ref: str
    item: EvidenceItem
    start: datetime | None
    end: datetime | None
    overlaps: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "exhibit_ref": self.exhibit_ref,
            "item_id": self.item.id,
            "kind": self.item.kind,
            "name": self.item.original_name,
            "officer": self.item.officer,
            "device": self.item.device,
            "incident": self.item.incident,
            "start": iso_utc(self.start) if self.start else None,
            "end": iso_utc(self.end) if self.end else None,
            "duration": self.item.duration,
            "overlaps": list(self.overlaps),
        }


def build_timeline(exhibits: Iterable[tuple[str, EvidenceItem]]) -> list[TimelineEntry]:
    """Every exhibit in absolute recorded time, earliest first; undated ones last.

    ``overlaps`` names the exhibits recorded at the same time, so a 999 call and the
    arrival on scene can be seen together.
    """
    spans = [(ref, item, recorded_span(item)) for ref, item in exhibits]
    entries = []
    for ref, item, span in spans:
        overlapping = tuple(
            other_ref
            for other_ref, _, other in spans
            if span and other and other_ref != ref and other[0] < span[1] and span[0] < other[1]
        )
        entries.append(
            TimelineEntry(
                exhibit_ref=ref,
                item=item,
                start=span[0] if span else None,
                end=span[1] if span else None,
                overlaps=overlapping,
            )
        )
    return sorted(
        entries,
        key=lambda e: (e.start is None, e.start or EARLIEST, e.end or EARLIEST, ref_key(e)),
    )


def ref_key(entry: TimelineEntry) -> tuple[str, int]:
    match = EXHIBIT_REF.match(entry.exhibit_ref)
    return (match.group(1), int(match.group(2))) if match else (entry.exhibit_ref, 0)
