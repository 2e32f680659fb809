"""Commands for running on a Prefect work pool: deploy the flows, list the runs.

Both talk to the Prefect server named by PREFECT_API_URL; without one there is no pool to
deploy to or read from, so they say so instead of starting Prefect's temporary server.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from entrypoints.cli.output import JsonFlag, console, print_json, short, table
from entrypoints.prefect_env import prepare
from evidence.errors import ConfigurationError

POOL = "evidence"


def register(app: typer.Typer) -> None:
    app.command("deploy")(deploy)
    app.command("runs")(runs)


def require_server() -> str:
    """The Prefect API URL in force; ``ConfigurationError`` if none is set."""
    prepare()
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise ConfigurationError(
            "no Prefect server: set PREFECT_API_URL to the server the workers poll "
            "(for example http://prefect-server:4200/api)"
        )
    return str(url)


def deploy(
    source: Annotated[
        Path | None,
        typer.Option(help="Folder holding flows/ (this installation's by default)."),
    ] = None,
    work_pool: Annotated[str, typer.Option(help="The process work pool.")] = POOL,
    slots: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Transcriptions at once across the pool (default EVIDENCE_TRANSCRIPTION_SLOTS,"
            " or this host's cores / faster-whisper threads).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Register ingest, transcription, fixity audit, log checkpoints, recovery and the
    inbox watcher on the work pool, with the transcription concurrency limit."""
    url = require_server()
    from flows.deploy import SOURCE, deploy_all

    # Prefect prints a table of each deployment to stdout: keep stdout for our output.
    with contextlib.redirect_stdout(sys.stderr):
        deployed = deploy_all(source or SOURCE, work_pool, slots)
    if as_json:
        print_json({"server": url, "work_pool": work_pool, **deployed})
        return
    rows = [[name, deployment_id] for name, deployment_id in deployed["deployments"].items()]
    console.print(table(f"Deployed to {url}", ["deployment", "id"], rows))
    console.print(
        f"work pool {work_pool!r}; global concurrency limit 'transcription': "
        f"{deployed['transcription_slots']} at once. Start workers with: "
        f"prefect worker start --pool {work_pool}"
    )


def runs(
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 20,
    work_pool: Annotated[str, typer.Option(help="The process work pool.")] = POOL,
    as_json: JsonFlag = False,
) -> None:
    """List the runs on the work pool: state, times, worker and each run's report."""
    require_server()
    from flows.runs import flow_runs, reports, run_summary

    found = [(name, run) for name, run in flow_runs(limit=limit, pool=work_pool)]
    by_run = reports([run.id for _, run in found])
    listed: list[dict[str, Any]] = [
        {**run_summary(name, run), "report": by_run.get(run.id)} for name, run in found
    ]
    if as_json:
        print_json(listed)
        return
    rows = [
        [
            short(r["id"], 8),
            r["deployment"],
            r["state"],
            r["start"] and r["start"].isoformat(timespec="seconds"),
            r["end"] and r["end"].isoformat(timespec="seconds"),
            r["worker"],
            (r["report"] or {}).get("summary") or r["message"],
        ]
        for r in listed
    ]
    console.print(
        table("Runs", ["run", "deployment", "state", "start", "end", "worker", "report"], rows)
    )


def submit_ingest(arguments: dict[str, Any], as_json: bool) -> None:
    """Hand a dock to the pool's ``ingest-dock`` deployment; prints the run's id."""
    url = require_server()
    from flows.runs import INGEST_DOCK, submit

    run_id = submit(INGEST_DOCK, arguments)
    if as_json:
        print_json({"flow_run_id": run_id, "dock": arguments["root"], "server": url})
        return
    console.print(run_id)
    console.print(
        f"submitted {arguments['root']} to the work pool; follow it with `evidence runs`",
        style="dim",
    )
