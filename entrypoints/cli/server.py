"""``evidence server ...``: the local Prefect server the flow commands start and reuse.

Flow commands (``ingest``, ``transcribe``) and the web app's uploads start it on first use
when ``PREFECT_API_URL`` is not set; these commands show it, start it ahead of time, or stop
it. None of them imports Prefect.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from entrypoints import prefect_server
from entrypoints.cli.output import JsonFlag, console, key_values, print_json

app = typer.Typer(
    name="server",
    help="The local Prefect server that flow commands use when PREFECT_API_URL is not set.",
    no_args_is_help=True,
)


def _describe(record: prefect_server.ServerRecord | None, healthy: bool) -> dict[str, Any]:
    home = _home()
    configured = os.environ.get("PREFECT_API_URL")
    described: dict[str, Any] = {
        "running": record is not None and healthy,
        "url": record.url if record else None,
        "pid": record.pid if record else None,
        "started_at": record.started_at if record else None,
        "uptime_seconds": round(record.uptime_seconds(), 1) if record and healthy else None,
        "healthy": healthy,
        "state_dir": str(prefect_server.state_dir(home)),
        "flows_use": configured or (record.url if record and healthy else "started on first use"),
    }
    return described


def _show(described: dict[str, Any], as_json: bool, title: str) -> None:
    if as_json:
        print_json(described)
    else:
        console.print(key_values(title, described))


@app.command()
def status(as_json: JsonFlag = False) -> None:
    """Whether the local server runs and answers; exit 1 if it does not."""
    home = _home()
    record = prefect_server.read_record(home)
    alive = record is not None and prefect_server.is_ours(record)
    healthy = alive and record is not None and prefect_server.healthy(record.url)
    _show(_describe(record if alive else None, healthy), as_json, "Local Prefect server")
    if not healthy:
        raise typer.Exit(1)


@app.command()
def start(as_json: JsonFlag = False) -> None:
    """Start the local server now (or find it already running)."""
    record = prefect_server.ensure(_home())
    _show(_describe(record, True), as_json, "Local Prefect server")


@app.command()
def stop(as_json: JsonFlag = False) -> None:
    """Stop the local server (SIGTERM, then SIGKILL after 10 s)."""
    record = prefect_server.stop(_home())
    result = {"stopped": record is not None, "pid": record.pid if record else None}
    if as_json:
        print_json(result)
    elif record is None:
        console.print("no local Prefect server was recorded; nothing to stop")
    else:
        console.print(f"stopped the local Prefect server (pid {record.pid})", highlight=False)


def _home() -> Path:
    # Imported here: the settings cost a tenth of a second that ``evidence --help`` need not pay.
    from evidence.settings import get_settings

    return get_settings().resolved_home
