"""Progress of a batch as it runs, for whoever shows it: the CLI's bar or its stderr lines.

Each stage (``ingest``, ``transcribe``) first reports ``{"stage": ..., "total": N}``, then one
event per finished file or item: the outcome itself, with its ``stage``. Hooks run in the
flow's process; nothing here reaches Prefect's API.
"""

from __future__ import annotations

from typing import Any

from evidence.ports import ProgressHook

_hooks: list[ProgressHook] = []


def add_progress_hook(hook: ProgressHook) -> None:
    _hooks.append(hook)


def clear_progress_hooks() -> None:
    _hooks.clear()


def report_total(stage: str, total: int) -> None:
    for hook in _hooks:
        hook({"stage": stage, "total": total})


def report_done(stage: str, outcome: dict[str, Any]) -> None:
    for hook in _hooks:
        hook({**outcome, "stage": stage})
