"""``evidence case ...``: create cases, link evidence as exhibits, review suggestions, timeline."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

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
from entrypoints.cli.services import get_services
from evidence.case_timeline import TimelineEntry
from evidence.cases import Link, Person
from evidence.errors import InvalidInput

if TYPE_CHECKING:
    from datetime import timedelta

    from evidence.ports import UnitOfWork
    from evidence.services.caller import Caller

app = typer.Typer(
    name="case", help="Cases: link evidence as exhibits, timelines.", no_args_is_help=True
)

OfficerOption = Annotated[str | None, typer.Option(help="Your collar/staff id, for the log.")]
BAR_WIDTH = 40


def parse_person(raw: str) -> Person:
    role, _, rest = raw.partition(":")
    name, _, collar = rest.partition(":")
    if not name:
        raise InvalidInput(f"--person {raw!r}: use ROLE:NAME or officer:NAME:COLLAR")
    return Person(role=role.strip().lower(), name=name.strip(), collar=collar.strip() or None)


def session(officer: str | None = None) -> tuple[UnitOfWork, Caller]:
    """A unit of work, and the person at the console (``--officer`` if given) as the caller."""
    from evidence.services.caller import console_caller

    services = get_services()
    return services.unit_of_work(), console_caller(services.settings.console_role, officer)


def window() -> timedelta:
    from evidence.services.case_links import link_window

    return link_window(get_services().settings)


def link_rows(links: list[Link]) -> list[list[Any]]:
    return [[link.exhibit_ref, short(link.item_id), link.how, link.reason] for link in links]


@app.command()
def create(
    urn: Annotated[str, typer.Argument(help="Police URN, e.g. 01YZ1234524.")],
    title: Annotated[str, typer.Option(help="A short title.")] = "",
    incident: Annotated[
        list[str] | None, typer.Option("--incident", help="Incident/CAD number (repeatable).")
    ] = None,
    domestic_abuse: Annotated[bool, typer.Option("--domestic-abuse")] = False,
    person: Annotated[
        list[str] | None,
        typer.Option(
            "--person",
            help="ROLE:NAME, or officer:NAME:COLLAR so exhibit refs use their initials "
            "(roles: victim, suspect, witness, officer; repeatable).",
        ),
    ] = None,
    officer: OfficerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a case; items already held under its incident numbers are linked at once."""
    from evidence.services.cases import create_case

    people = [parse_person(p) for p in person or []]
    case, links = create_case(
        *session(officer),
        urn,
        window=window(),
        title=title,
        incidents=incident or [],
        domestic_abuse=domestic_abuse,
        people=people,
    )
    if as_json:
        print_json({**case.as_dict(), "linked": [link.as_dict() for link in links]})
        return
    console.print(f"case {case.urn} created; {len(links)} item(s) linked by incident number")
    if links:
        console.print(table("Linked", ["exhibit", "item", "how", "why"], link_rows(links)))


@app.command()
def link(
    urn: Annotated[str, typer.Argument(help="Case URN.")],
    item_ids: Annotated[list[str], typer.Argument(help="Item ids (or unique prefixes).")],
    exhibit_ref: Annotated[
        str | None, typer.Option("--exhibit-ref", help="e.g. JS/1; assigned if not given.")
    ] = None,
    reason: Annotated[str, typer.Option(help="Why, for the custody log.")] = "",
    officer: OfficerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Link items to a case as exhibits (each link is a custody event)."""
    from evidence.services.case_links import link_items

    links = link_items(
        *session(officer),
        urn,
        item_ids,
        window=window(),
        exhibit_ref=exhibit_ref,
        reason=reason,
    )
    if as_json:
        print_json([link.as_dict() for link in links])
    else:
        console.print(table("Linked", ["exhibit", "item", "how", "why"], link_rows(links)))


@app.command()
def unlink(
    urn: Annotated[str, typer.Argument(help="Case URN.")],
    item_id: Annotated[str, typer.Argument(help="Item id (or a unique prefix).")],
    reason: Annotated[str, typer.Option(help="Why, for the custody log (required).")],
    officer: OfficerOption = None,
) -> None:
    """Remove an item from a case; its exhibit reference is not reused."""
    from evidence.services.case_links import unlink_item

    removed = unlink_item(*session(officer), urn, item_id, reason)
    err_console.print(f"item {removed.item_id} (exhibit {removed.exhibit_ref}) unlinked")


@app.command()
def show(urn: Annotated[str, typer.Argument(help="Case URN.")], as_json: JsonFlag = False) -> None:
    """A case with its exhibits and open suggestions."""
    from evidence.services.cases import show_case

    case = show_case(*session(), urn).as_dict()
    if as_json:
        print_json(case)
        return
    facts = {k: v for k, v in case.items() if k not in ("exhibits", "suggestions", "shared_with")}
    console.print(key_values(f"Case {case['urn']}", facts))
    rows = [
        [
            e["exhibit_ref"],
            short(e["item_id"]),
            e["item"]["kind"],
            e["item"]["original_name"],
            e["item"]["officer"],
            e["item"]["recorded_at"],
            e["how"],
        ]
        for e in case["exhibits"]
    ]
    columns = ["exhibit", "item", "kind", "name", "officer", "recorded", "how"]
    console.print(table("Exhibits", columns, rows))
    if case["suggestions"]:
        console.print(f"{len(case['suggestions'])} suggestion(s): evidence case suggestions {urn}")


@app.command()
def status(
    urn: Annotated[str, typer.Argument(help="Case URN.")],
    new_status: Annotated[str, typer.Argument(help="open, charged, no-further-action, closed.")],
) -> None:
    """Set a case's status."""
    from evidence.services.cases import set_case_status

    case = set_case_status(*session(), urn, new_status)
    err_console.print(f"case {case.urn} is now {case.status}")


@app.command("list")
def list_cases(as_json: JsonFlag = False) -> None:
    """Every case, newest first."""
    from evidence.services.cases import list_cases as listed

    found = [listing.as_dict() for listing in listed(*session())]
    if as_json:
        print_json(found)
        return
    rows = [
        [c["urn"], c["title"], ", ".join(c["incidents"]), c["status"], c["exhibits"]] for c in found
    ]
    console.print(table("Cases", ["URN", "title", "incidents", "status", "exhibits"], rows))


@app.command()
def suggestions(
    urn: Annotated[str, typer.Argument(help="Case URN.")], as_json: JsonFlag = False
) -> None:
    """Items proposed for the case (same officer, close in time) awaiting confirmation."""
    from evidence.services.case_links import case_suggestions

    found = case_suggestions(*session(), urn)
    if as_json:
        print_json([s.as_dict() for s in found])
        return
    rows = [[s.item_id, short(s.related_item_id), s.reason] for s in found]
    console.print(table(f"Suggestions for {urn}", ["item", "near", "why"], rows))


@app.command()
def confirm(
    urn: Annotated[str, typer.Argument(help="Case URN.")],
    item_id: Annotated[str, typer.Argument(help="The suggested item's id.")],
    officer: OfficerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Confirm a suggestion: the item is linked (a custody event naming the reason)."""
    from evidence.services.case_links import confirm_suggestion

    confirmed = confirm_suggestion(*session(officer), urn, item_id, window=window())
    if as_json:
        print_json(confirmed.as_dict())
    else:
        console.print(f"item {confirmed.item_id} linked as exhibit {confirmed.exhibit_ref}")


@app.command()
def timeline(
    urn: Annotated[str, typer.Argument(help="Case URN.")], as_json: JsonFlag = False
) -> None:
    """Every exhibit on one timeline in recorded (UTC) time, overlaps shown."""
    from evidence.services.cases import case_timeline

    entries = case_timeline(*session(), urn)
    if as_json:
        print_json([e.as_dict() for e in entries])
        return
    rows = [
        [
            e.exhibit_ref,
            e.item.kind,
            e.item.officer,
            e.start.strftime("%Y-%m-%d %H:%M:%S") if e.start else "unknown",
            e.end.strftime("%H:%M:%S") if e.end else "",
            bar(e, entries),
            ", ".join(e.overlaps),
        ]
        for e in entries
    ]
    columns = ["exhibit", "kind", "officer", "start (UTC)", "end", "timeline", "overlaps"]
    console.print(table(f"Timeline {urn}", columns, rows))


def bar(entry: TimelineEntry, entries: list[TimelineEntry]) -> str:
    """The entry's span drawn on a shared scale from the earliest start to the latest end."""
    dated = [(e.start, e.end) for e in entries if e.start and e.end]
    if not entry.start or not entry.end or not dated:
        return ""
    first: datetime = min(start for start, _ in dated)
    total = max((end - first).total_seconds() for _, end in dated) or 1.0
    left = int((entry.start - first).total_seconds() / total * BAR_WIDTH)
    right = max(left + 1, round((entry.end - first).total_seconds() / total * BAR_WIDTH))
    return " " * left + "█" * (right - left) + " " * (BAR_WIDTH - right)
