"""Commands about evidence items: ingest, list, show, custody, get, verify."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from entrypoints.cli.output import (
    JsonFlag,
    console,
    err_console,
    key_values,
    print_json,
    short,
    table,
)
from entrypoints.cli.services import at_console, get_services
from entrypoints.prefect_env import prepare, run_flow
from evidence.errors import FixityError, InvalidInput
from evidence.ingest_report import IngestReport, ingest_report
from evidence.model import KINDS

Officer = Annotated[str | None, typer.Option(help="Your collar/staff id.")]


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command("list")(list_items)
    app.command()(show)
    app.command()(custody)
    app.command()(get)
    app.command()(verify)


def ingest(
    path: Annotated[Path, typer.Argument(help="The dock folder to ingest.")],
    kind: Annotated[str | None, typer.Option(help="bwv or call, where no sidecar says.")] = None,
    officer: Annotated[str | None, typer.Option(help="Your collar/staff id.")] = None,
    incident: Annotated[str | None, typer.Option(help="CAD/incident number.")] = None,
    no_transcribe: Annotated[
        bool, typer.Option("--no-transcribe", help="Skip transcription (run it later).")
    ] = False,
    submit: Annotated[
        bool,
        typer.Option(
            "--submit",
            help="Hand the dock to the work pool (see `evidence deploy`) and print the run id;"
            " the workers must be able to read the dock at this path.",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Ingest a dock: check, hash, store, verify and register every file in it."""
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"--kind {kind!r}: use one of {', '.join(KINDS)}")
    if not path.is_dir():
        raise InvalidInput(f"{path}: not a folder; give the dock's folder")
    from evidence.ingest import IngestOptions

    IngestOptions(kind=kind, officer=officer, incident=incident)  # refuses what cannot be kept
    batch = uuid.uuid4().hex[:12]
    arguments: dict[str, Any] = {
        "root": str(path.resolve()),
        "kind": kind,
        "officer": officer,
        "incident": incident,
        "batch": batch,
        "transcribe": not no_transcribe,
    }
    if submit:
        from entrypoints.cli.pool import submit_ingest

        submit_ingest(arguments, as_json)
        return
    get_services()
    prepare()
    from entrypoints.cli.progress import showing_progress
    from flows.ingest import ingest_dock

    with showing_progress(as_json or not console.is_terminal, bar=("ingest", "Ingesting")):
        outcomes = run_flow(ingest_dock, **arguments)
    report = ingest_report(outcomes)
    if as_json:
        print_json(report)
    else:
        render_ingest(report)
    transcription_failed = [t for t in report["transcribed"] if t["status"] == "failed"]
    if report["rejected"] or transcription_failed:
        raise typer.Exit(1)


def render_ingest(report: IngestReport) -> None:
    rows = [
        ["ingested", o["path"], short(o["id"]), short(o["sha256"]), ""] for o in report["ingested"]
    ]
    rows += [
        ["duplicate", o["path"], short(o["id"]), short(o["sha256"]), "already held"]
        for o in report["duplicates"]
    ]
    rows += [["REJECTED", o["path"], "", "", o["reason"]] for o in report["rejected"]]
    console.print(table("Ingest", ["result", "file", "item", "sha256", "note"], rows))
    console.print(
        f"{len(report['ingested'])} ingested, {len(report['duplicates'])} already held, "
        f"{len(report['rejected'])} rejected (quarantined with their reasons)"
    )
    for outcome in report["transcribed"]:
        if outcome["status"] != "done":
            console.print(f"transcription {outcome['status']}: {outcome.get('reason')}")


def list_items(
    limit: Annotated[int | None, typer.Option(help="At most this many.")] = None,
    officer: Officer = None,
    as_json: JsonFlag = False,
) -> None:
    """List the evidence items you may see, newest first."""
    from evidence.services import items as service

    listed = service.list_items(get_services().unit_of_work(), at_console("list", officer), limit)
    if as_json:
        print_json([item.summary() for item in listed])
        return
    rows = [
        [i.id[:12], i.kind, i.original_name, i.officer, i.incident, i.recorded_at, i.duration]
        for i in listed
    ]
    console.print(
        table(
            "Evidence", ["id", "kind", "name", "officer", "incident", "recorded", "seconds"], rows
        )
    )


def show(
    item_id: Annotated[str, typer.Argument(help="Item id (or a unique prefix).")],
    officer: Officer = None,
    as_json: JsonFlag = False,
) -> None:
    """Show one item: digest, metadata, media details, storage location, status."""
    from evidence.services import items as service

    item = service.show_item(get_services().unit_of_work(), at_console("show", officer), item_id)
    if as_json:
        print_json(item.summary())
    else:
        console.print(key_values(f"Item {item.id}", item.summary()))


def custody(
    item_id: Annotated[str, typer.Argument(help="Item id (or a unique prefix).")],
    officer: Officer = None,
    as_json: JsonFlag = False,
) -> None:
    """Show an item's custody events in order, each with its hash and the previous one's."""
    from evidence.services import items as service

    caller = at_console("custody", officer)
    _, events = service.custody_log(get_services().unit_of_work(), caller, item_id)
    if as_json:
        print_json([event.as_dict() for event in events])
        return
    rows = [
        [e.seq, e.at, e.action, e.actor, e.host, short(e.prev_hash), short(e.hash)] for e in events
    ]
    console.print(
        table("Custody", ["#", "when (UTC)", "what", "who", "host", "prev", "hash"], rows)
    )


def get(
    item_id: Annotated[str, typer.Argument(help="Item id (or a unique prefix).")],
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", help="A new file to write the bytes to; - for standard output."
        ),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing regular, writable file.")
    ] = False,
    officer: Officer = None,
) -> None:
    """Write an item's original bytes, verifying the digest while streaming.

    An existing file is never replaced without --force; links, devices, pipes and folders
    never are.
    """
    from evidence.services.item_checks import copy_out

    services = get_services()
    caller = at_console("get", officer)
    target = sys.stdout.buffer if output == "-" else Path(output)
    item, size = copy_out(
        services.unit_of_work, caller, services.store, item_id, target, force=force
    )
    where = "standard output" if output == "-" else str(target)
    err_console.print(f"wrote {size} bytes to {where}; SHA-256 {item.sha256} verified")


def verify(
    item_id: Annotated[str | None, typer.Argument(help="Item id; or use --all.")] = None,
    all_items: Annotated[bool, typer.Option("--all", help="Verify every item.")] = False,
    officer: Officer = None,
    as_json: JsonFlag = False,
) -> None:
    """Re-read stored objects, re-hash them and verify custody chains; report every problem."""
    if (item_id is None) == (not all_items):
        raise InvalidInput("give one item id, or --all")
    from evidence.services.item_checks import verify_items
    from evidence.services.log import verify_log

    services = get_services()
    caller = at_console("verify", officer)
    # The log is checked as found, before this check's own events are added to it.
    log = verify_log(services.unit_of_work(), services.installation()) if all_items else None
    checks = verify_items(
        services.unit_of_work, caller, services.store, None if all_items else item_id
    )
    failed = [item.id for item, check in checks if check.problems]
    if as_json:
        results = [
            {"id": i.id, "sha256": i.sha256, "problems": c.problems, "notes": c.notes}
            for i, c in checks
        ]
        report = {"checked": len(checks), "failed": len(failed), "items": results}
        print_json(report if log is None else {**report, "log": log.as_dict()})
    else:
        rows = [
            [
                item.id[:12],
                "FAILED" if check.problems else "OK",
                "; ".join([*check.problems, *(f"note: {note}" for note in check.notes)]),
            ]
            for item, check in checks
        ]
        console.print(table("Verification", ["item", "result", "problems"], rows))
        console.print(f"{len(checks)} checked, {len(failed)} with problems")
        if log is not None and log.ok:
            console.print(f"transparency log: {log.size} entries, {_against(log.checkpoint)}")
    failures = [f"transparency log: {'; '.join(log.problems)}"] if log and not log.ok else []
    if failed:
        failures.append(
            f"{len(failed)} of {len(checks)} items failed verification: {', '.join(failed)}"
        )
    if failures:
        raise FixityError("; ".join(failures))


def _against(checkpoint: dict[str, Any] | None) -> str:
    if checkpoint is None:
        return "no checkpoint written yet"
    return f"consistent with checkpoint {checkpoint['key']}"
