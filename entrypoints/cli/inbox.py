"""``evidence inbox``: the S3 inbox dock stations upload to (EVIDENCE_INBOX_URL)."""

from __future__ import annotations

from typing import Any

import typer

from entrypoints.cli.output import JsonFlag, console, print_json, table
from entrypoints.cli.services import get_services

app = typer.Typer(name="inbox", help="The S3 inbox dock stations upload to.", no_args_is_help=True)


@app.command()
def status(as_json: JsonFlag = False) -> None:
    """Every dock seen in the inbox: waiting (and why), being ingested, done or failed."""
    from storage.s3_inbox import S3Inbox

    services = get_services()
    inbox = S3Inbox.from_settings(services.settings).url
    docks = services.inbox_docks(inbox).listed()
    if as_json:
        print_json([dock.as_dict() for dock in docks])
        return
    rows = [
        [d.dock, d.status.value, len(d.files), d.attempts, d.updated_at, _note(d.as_dict())]
        for d in docks
    ]
    columns = ["dock", "status", "files", "tries", "changed (UTC)", "note"]
    console.print(table(f"Inbox {inbox}", columns, rows))


@app.command()
def scan(as_json: JsonFlag = False) -> None:
    """One pass now, in this process: ingest every complete dock no other watcher holds."""
    from storage.s3_inbox import S3Inbox

    S3Inbox.from_settings(get_services().settings)  # a missing setting is said before Prefect
    from entrypoints.prefect_env import run_flow
    from flows.inbox import watch_inbox

    result: dict[str, Any] = run_flow(watch_inbox)
    if as_json:
        print_json(result)
    else:
        _render(result)
    rejected = [r for done in result["ingested"] for r in done["report"]["rejected"]]
    if result["failed"] or rejected:
        raise typer.Exit(1)


def _note(dock: dict[str, Any]) -> str:
    if dock["reason"]:
        return str(dock["reason"])
    if dock["report"]:
        report = dock["report"]
        return (
            f"{len(report['ingested'])} ingested, {len(report['duplicates'])} already held, "
            f"{len(report['rejected'])} rejected"
        )
    return "; ".join(dock["problems"])


def _render(result: dict[str, Any]) -> None:
    rows = [
        [d["dock"], "ingested", _note({"reason": None, "report": d["report"]})]
        for d in result["ingested"]
    ]
    rows += [[d["dock"], "FAILED", d["reason"]] for d in result["failed"]]
    rows += [[d["dock"], d["state"], "; ".join(d["problems"])] for d in result["waiting"]]
    rows += [[dock, "taken by another watcher", ""] for dock in result["taken_elsewhere"]]
    rows += [
        [dock, "changed since ingested", "not ingested again; upload it under a new dock id"]
        for dock in result["changed_after_ingest"]
    ]
    console.print(table("Inbox pass", ["dock", "result", "note"], rows))
