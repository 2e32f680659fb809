"""Commands about what was said: transcribe, transcript, search.

``transcript`` and ``search`` never import Prefect; ``transcribe`` runs the flow, importing
Prefect only after its arguments are checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from entrypoints.cli.output import JsonFlag, console, err_console, print_json, short, table
from entrypoints.cli.services import at_console, get_services
from entrypoints.errors import exit_code
from entrypoints.prefect_env import prepare, run_flow
from evidence.access import Role
from evidence.errors import InvalidInput, TranscriptionError
from evidence.search import DEFAULT_LIMIT, MARK_END, MARK_START, Hit, SearchFilters, parse_date
from evidence.transcripts import FORMATS


def register(app: typer.Typer) -> None:
    app.command()(transcribe)
    app.command()(transcript)
    app.command()(search)


def transcribe(
    item_id: Annotated[str | None, typer.Argument(help="Item id (or a unique prefix).")] = None,
    pending: Annotated[
        bool, typer.Option("--pending", help="Every item without a finished transcript.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Make a new version even if one exists.")
    ] = False,
    officer: Annotated[str | None, typer.Option(help="Your collar/staff id.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Transcribe an item (or every pending one); each run adds a version, never replaces one."""
    if (item_id is None) == (not pending):
        raise InvalidInput("give one item id, or --pending")
    from evidence.services.transcripts import items_to_transcribe

    caller = at_console("transcribe", officer)
    item_ids = items_to_transcribe(get_services().unit_of_work(), caller, item_id)
    outcomes: list[dict[str, Any]] = []
    if item_ids:
        prepare()
        from entrypoints.cli.progress import showing_progress
        from flows.transcribe import run_transcription

        with showing_progress(plain=True):
            outcomes = run_flow(run_transcription, item_ids, force, officer)
    failed = [o for o in outcomes if o["status"] == "failed"]
    if as_json:
        print_json(outcomes)
    else:
        rows = [
            [
                short(o["item_id"]),
                o["status"] + (" (already done)" if o.get("skipped") else ""),
                o.get("version"),
                o.get("reason") or "",
            ]
            for o in outcomes
        ]
        console.print(table("Transcription", ["item", "result", "version", "note"], rows))
        console.print(f"{len(outcomes)} item(s), {len(failed)} failed")
    if failed:
        raise typer.Exit(exit_code(TranscriptionError(f"{len(failed)} item(s) failed")))


def transcript(
    item_id: Annotated[str, typer.Argument(help="Item id (or a unique prefix).")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help=f"One of {', '.join(FORMATS)}.")
    ] = "txt",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
    version: Annotated[
        int | None, typer.Option(help="A particular version (default: the current one).")
    ] = None,
    versions: Annotated[
        bool, typer.Option("--versions", help="List every version of the item's transcript.")
    ] = False,
    officer: Annotated[str | None, typer.Option(help="Your collar/staff id.")] = None,
) -> None:
    """Print or export an item's transcript as text, WebVTT, SubRip or JSON."""
    if fmt not in FORMATS:
        raise InvalidInput(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    from evidence.services import transcripts as service

    caller = at_console("transcript", officer)
    uow = get_services().unit_of_work()
    if versions:
        listing = service.transcript_versions(uow, caller, item_id)
        if fmt == "json":
            print_json(listing)
        else:
            rows = [
                [v["version"], v["status"], "yes" if v["current"] else "", v["model"],
                 short(v["sha256"]), v["created_at"], v["reason"] or ""]
                for v in listing
            ]  # fmt: skip
            columns = ["version", "status", "current", "model", "sha256", "made", "note"]
            console.print(table("Transcript versions", columns, rows))
        return
    rendered = service.export_transcript(uow, caller, item_id, fmt, version)
    if output is None:
        typer.echo(rendered, nl=False)
        return
    try:
        output.write_text(rendered, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"--output {output}: could not be written ({exc.strerror})") from exc
    err_console.print(f"wrote the {fmt} transcript to {output}")


def search(
    query: Annotated[
        str, typer.Argument(help='Words, "quoted phrases" and prefix* terms; all must match.')
    ],
    case: Annotated[
        str | None, typer.Option("--case", help="Only items in this case (URN).")
    ] = None,
    officer: Annotated[
        str | None,
        typer.Option(
            help="Only items recorded by this officer (your collar id, as an officer's console)."
        ),
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Recorded on/after (YYYY-MM-DD[THH:MM]).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Recorded up to (a date includes that day).")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many hits.")] = DEFAULT_LIMIT,
    as_json: JsonFlag = False,
) -> None:
    """Find where words were said, across the current transcripts you may see, best first."""
    from evidence.cases import validate_urn
    from evidence.services.search import search as run_search

    services = get_services()
    filters = SearchFilters(
        # The index keeps the case's items while it matches; the links are re-checked exactly.
        case_urns=None if case is None else {validate_urn(case)},
        officer=officer,
        date_from=parse_date(date_from, "--from") if date_from else None,
        date_to=parse_date(date_to, "--to", end_of_day=True) if date_to else None,
        limit=limit,
    )
    caller = at_console("search")
    if caller.principal.role is Role.OFFICER:
        caller = at_console("search", officer)
    hits = run_search(services.unit_of_work(), caller, query, filters)
    if as_json:
        print_json([hit.as_dict() for hit in hits])
    else:
        show_hits(query, hits)


def show_hits(query: str, hits: list[Hit]) -> None:
    rows = [
        [
            short(hit.item_id),
            f"{hit.start:.1f}",
            f"{hit.end:.1f}",
            escape(hit.snippet)
            .replace(MARK_START, "[bold yellow]")
            .replace(MARK_END, "[/bold yellow]"),
            f"{hit.score:.3g}",
        ]
        for hit in hits
    ]
    console.print(table(f"Search: {query}", ["item", "from (s)", "to (s)", "said", "score"], rows))
    console.print(f"{len(hits)} hit(s)")
