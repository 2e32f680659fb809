"""``evidence correct``: the lawful way to change an item's details, as a custody event."""

from __future__ import annotations

from typing import Annotated

import typer

from entrypoints.cli.output import JsonFlag, console, key_values, print_json
from entrypoints.cli.services import at_console, get_services
from evidence.errors import InvalidInput
from evidence.model import ITEM_DETAIL_FIELDS

SET_HELP = f"FIELD=VALUE (an empty VALUE clears it); FIELD: {', '.join(ITEM_DETAIL_FIELDS)}."


def register(app: typer.Typer) -> None:
    app.command()(correct)


def correct(
    item_id: Annotated[str, typer.Argument(help="Item id (or a unique prefix).")],
    reason: Annotated[str, typer.Option(help="Why the details were wrong; recorded.")],
    changes: Annotated[
        list[str] | None,
        typer.Option("--set", help=SET_HELP),
    ] = None,
    officer: Annotated[str | None, typer.Option(help="Your collar/staff id.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Correct an item's details (officer, incident, recorded_at, ...) with a reason.

    The correction is a details-corrected custody event that commits the new values; with
    no --set, it puts back details that were changed without a recorded correction.
    """
    parsed: dict[str, str | None] = {}
    for change in changes or []:
        name, equals, value = change.partition("=")
        if not equals:
            raise InvalidInput(f"--set {change!r}: write FIELD=VALUE")
        parsed[name.strip()] = value or None
    from evidence.services.items import correct_details

    caller = at_console("correct", officer)
    event = correct_details(get_services().unit_of_work(), caller, item_id, parsed, reason)
    if as_json:
        print_json(event.as_dict())
    else:
        console.print(key_values(f"Custody event {event.seq}: {event.action}", event.details))
