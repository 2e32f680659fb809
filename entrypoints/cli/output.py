"""Rendering for the CLI: Rich for people, stable JSON on stdout for machines."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from evidence.model import iso_utc

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]

console = Console()
err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=json_value) + "\n")
    sys.stdout.flush()


def json_value(value: Any) -> str:
    """A value JSON has no form for: a moment as every other moment we print (UTC, ISO 8601
    with microseconds and a ``Z``: ``evidence.model.iso_utc``), anything else as text."""
    return iso_utc(value) if isinstance(value, datetime) and value.tzinfo else str(value)


def table(title: str | None, columns: list[str], rows: list[list[Any]]) -> Table:
    view = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        view.add_column(column, overflow="fold")
    for row in rows:
        view.add_row(*("" if cell is None else str(cell) for cell in row))
    return view


def key_values(title: str, data: dict[str, Any]) -> Table:
    view = Table(title=title, show_header=False)
    view.add_column("field", style="bold")
    view.add_column("value", overflow="fold")
    for key, value in data.items():
        shown = json.dumps(value, default=json_value) if isinstance(value, dict | list) else value
        view.add_row(key, "" if shown is None else str(shown))
    return view


def short(digest: str | None, length: int = 12) -> str:
    return (digest or "")[:length]
