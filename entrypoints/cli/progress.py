"""Progress on stderr while a flow runs: stdout stays the report (or JSON).

Plain lines for logs and pipes; on a terminal, ingest shows Rich's bar (loaded only then).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def showing_progress(plain: bool, bar: str | None = None) -> Iterator[None]:
    """Report the flow's progress events while the block runs: as plain lines, or, where
    ``bar`` names a stage and ``plain`` is false, as a bar of that stage's files."""
    from flows.progress import add_progress_hook, clear_progress_hooks

    if plain or bar is None:
        add_progress_hook(ProgressLines())
        try:
            yield
        finally:
            clear_progress_hooks()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from entrypoints.cli.output import err_console

    columns = (TextColumn(f"[bold]{bar.capitalize()}ing"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err_console) as progress:
        task = progress.add_task(bar, total=None)

        def advance(event: dict[str, Any]) -> None:
            if event["stage"] != bar:
                return
            if "total" in event:
                progress.update(task, total=event["total"])
            else:
                progress.advance(task)

        add_progress_hook(advance)
        try:
            yield
        finally:
            clear_progress_hooks()


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
