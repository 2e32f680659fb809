"""Progress on stderr while a flow runs: stdout stays the report (or JSON).

Plain lines for logs and pipes; on a terminal, ingest shows Rich's bar (loaded only then).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any


@contextmanager
def showing_progress(plain: bool, bar: tuple[str, str] | None = None) -> Iterator[None]:
    """Report the flow's progress events while the block runs: as plain lines, or, where
    ``bar`` is ``(stage, title)`` and ``plain`` is false, as a bar of that stage's files."""
    from flows.progress import add_progress_hook, clear_progress_hooks

    with ExitStack() as shown:
        hook = ProgressLines() if plain or bar is None else _progress_bar(shown, *bar)
        add_progress_hook(hook)
        try:
            yield
        finally:
            clear_progress_hooks()


def _progress_bar(shown: ExitStack, stage: str, title: str) -> Callable[[dict[str, Any]], None]:
    """Rich's bar on stderr, shown until ``shown`` closes; returns the hook that moves it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from entrypoints.cli.output import err_console

    columns = (TextColumn(f"[bold]{title}"), BarColumn(), MofNCompleteColumn())
    progress = shown.enter_context(Progress(*columns, console=err_console))
    task = progress.add_task(stage, total=None)

    def advance(event: dict[str, Any]) -> None:
        if event["stage"] != stage:
            return
        if "total" in event:
            progress.update(task, total=event["total"])
        else:
            progress.advance(task)

    return advance


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
