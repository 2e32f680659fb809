"""Plain progress lines on stderr, for logs and pipes: stdout stays the report (or JSON)."""

from __future__ import annotations

import sys
from typing import Any


class ProgressLines:
    """One line per finished file (ingest) or item (transcription), counted per stage.

    ``[2/40] ingested call.wav`` and ``[1/3] transcription done item 3f9c2a1b7d04``; a
    rejection or failure carries its reason after a colon.
    """

    def __init__(self) -> None:
        self.totals: dict[str, int] = {}
        self.done: dict[str, int] = {}

    def __call__(self, event: dict[str, Any]) -> None:
        stage = event["stage"]
        if "total" in event:
            self.totals[stage] = event["total"]
            return
        self.done[stage] = self.done.get(stage, 0) + 1
        what = (
            f"{event['status']} {event['path']}"
            if stage == "ingest"
            else f"transcription {event['status']} item {str(event['item_id'])[:12]}"
        )
        reason = f": {event['reason']}" if event.get("reason") else ""
        sys.stderr.write(f"[{self.done[stage]}/{self.totals.get(stage, '?')}] {what}{reason}\n")
        sys.stderr.flush()
